"""Work a task should have done by now (a copy, a recipient notice): the sweep does it."""

import datetime

from django.utils import timezone

from ..models import AccessCopy, RecipientNotice
from .access_copy import copy_build
from .notices import recipient_notice_send

#: Work a task should have done by now; the sweep does it itself (the queue may have lost it,
#: or the worker died with it). The sweep runs every minute (schoolprivacy/celery.py), so a
#: parent's copy caught by a killed worker is made again within three minutes; one that a
#: worker is still making is left to it.
STALE_AFTER = datetime.timedelta(minutes=2)


def stale_work_resume(*, now=None) -> int:
    """Make the copies and send the notices whose task never ran (a worker died, Redis came
    back empty): the work is in PostgreSQL, so the sweep finds it. Returns how many.
    """
    before = (now or timezone.now()) - STALE_AFTER
    done = 0
    for copy_id in AccessCopy.objects.filter(
        status=AccessCopy.Status.BUILDING, created_at__lt=before
    ).values_list("pk", flat=True):
        done += copy_build(copy_id=copy_id, unless_busy=True)
    for notice_id in RecipientNotice.objects.filter(
        status=RecipientNotice.Status.PENDING, supplier__isnull=False, created_at__lt=before
    ).values_list("pk", flat=True):
        done += recipient_notice_send(notice_id=notice_id)
    return done
