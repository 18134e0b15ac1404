"""The sweep for work whose task never ran (a lost message): invitations and break-glass
reports are sent by it instead."""

from datetime import timedelta

from django.utils import timezone

from ..models import EmergencyAccess, Invitation
from .access import emergency_access_report
from .invitations import invitation_send

#: Work whose task should have run by now: the sweep does it itself.
UNSENT_AFTER = timedelta(minutes=5)


def unsent_sweep(*, now=None) -> int:
    """Send the invitations and break-glass reports whose task never ran (a lost message)."""
    now = now or timezone.now()
    before = now - UNSENT_AFTER
    done = 0
    for pk in Invitation.objects.filter(
        sent_at__isnull=True, used_at__isnull=True, created_at__lt=before, expires_at__gt=now
    ).values_list("pk", flat=True):
        done += invitation_send(invitation_id=pk)
    for pk in EmergencyAccess.objects.filter(
        reported_at__isnull=True, opened_at__lt=before
    ).values_list("pk", flat=True):
        done += bool(emergency_access_report(access_id=pk))
    return done
