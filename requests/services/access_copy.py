"""Access and portability (GDPR Art. 15, 20): the copy of what the school holds,
made by a worker, downloaded by its requester, and withdrawn when it expires.
"""

import base64
import datetime
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from schoolprivacy import audit
from schoolprivacy.models import User
from schoolprivacy.tasks import enqueue_on_commit

from .. import copies, selectors, workflow
from ..models import OPEN_STATUSES, AccessCopy, DataRequest, RequestEvent
from ._common import _complete, _event, _lock, _require_handler, _say, _start, _tell_requester

#: How long a copy can be downloaded.
COPY_DAYS = 14


def _copy_again(copy: AccessCopy) -> AccessCopy:
    """Withdraw a copy made before data was deleted, and make a new one; the requester is
    told why, and hears again when the new copy is ready."""
    from ..tasks import build_copy

    data_request = copy.request
    new = AccessCopy.objects.create(request=data_request)
    message = _say(
        data_request.requester,
        lambda: _(
            "data was deleted after your copy was made, so that copy has been withdrawn. A new "
            "copy of what the school holds now is being made; you will hear when it is ready."
        ),
    )
    _event(data_request, RequestEvent.Kind.COPY, note=message, to_requester=True)
    _tell_requester(data_request, message)
    enqueue_on_commit(build_copy, new.pk)
    return new


@transaction.atomic
def copy_prepare(*, data_request: DataRequest, acting_user: User) -> AccessCopy:
    """Have the complete copy made (by a worker); the parent is told when it is ready."""
    data_request = _lock(data_request)
    _require_handler(acting_user, data_request)
    workflow.require(data_request, "copy")
    building = data_request.copies.filter(status=AccessCopy.Status.BUILDING).first()
    if building is not None:
        from ..tasks import build_copy

        enqueue_on_commit(build_copy, building.pk)  # once more, to be sure
        return building
    _start(data_request, acting_user)
    copy = AccessCopy.objects.create(request=data_request)
    _event(data_request, RequestEvent.Kind.COPY, by=acting_user)
    from ..tasks import build_copy

    enqueue_on_commit(build_copy, copy.pk)
    return copy


def copy_build(*, copy_id: int, unless_busy: bool = False) -> bool:
    """Make the copy, seal it, and answer the request. Running it twice makes one copy.

    *unless_busy*: a copy another worker is making now is left to it (the sweep).
    """
    with transaction.atomic():
        copy = (
            AccessCopy.objects.select_for_update(of=("self",), skip_locked=unless_busy)
            .select_related("request__pupil__school", "request__requester", "request__board")
            .filter(pk=copy_id)
            .first()
        )
        if copy is None or copy.status != AccessCopy.Status.BUILDING:
            return False
        data_request = _lock(copy.request)
        if not selectors.still_entitled(data_request):
            # Custody changed, or the pupil turned 16, since the request: no copy for them.
            copy.status = AccessCopy.Status.EXPIRED
            copy.save(update_fields=["status"])
            with translation.override(settings.LANGUAGE_CODE):
                _event(
                    data_request,
                    RequestEvent.Kind.COPY,
                    note=_(
                        "No copy was made: the requester no longer acts for the pupil "
                        "(parental authority, or the pupil is 16 now). Decide the request."
                    ),
                )
            return False
        payload, redactions = copies.build(data_request)
        copy.content = base64.b64encode(payload).decode("ascii")
        copy.size = len(payload)
        copy.sha256 = hashlib.sha256(payload).hexdigest()
        copy.redactions = redactions
        copy.status = AccessCopy.Status.READY
        copy.ready_at = timezone.now()
        copy.expires_at = copy.ready_at + datetime.timedelta(days=COPY_DAYS)
        copy.save()
        audit.log_access(
            actor=data_request.handler,
            obj=data_request.pupil,
            what="copy",
            details={
                "request": data_request.reference,
                "left_out": ", ".join(f"{k}={v}" for k, v in sorted(redactions.items())) or "-",
            },
        )
        ready = _say(
            data_request.requester,
            lambda: (
                _("the copy is ready. Download it in the portal before %(date)s.")
                % {"date": formats.date_format(timezone.localtime(copy.expires_at))}
            ),
        )
        if data_request.status in OPEN_STATUSES:
            _complete(data_request, data_request.handler, ready)
        else:
            _tell_requester(data_request, ready)  # a new copy, after data was deleted
    return True


class CopyUnavailable(Exception):
    """The copy cannot be downloaded: not the requester's, not ready, expired, or the
    requester no longer acts for the pupil."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def copy_for_download(*, uid, user: User) -> AccessCopy:
    """The copy behind a download link, if *user* asked for it; CopyUnavailable otherwise."""
    try:
        copy = AccessCopy.objects.select_related("request__pupil").get(uid=uid)
    except (AccessCopy.DoesNotExist, ValidationError, ValueError):
        raise CopyUnavailable("not_yours") from None
    if copy.request.requester_id != user.pk:
        raise CopyUnavailable("not_yours")
    if copy.status == AccessCopy.Status.BUILDING:
        raise CopyUnavailable("not_ready")
    if (
        copy.status != AccessCopy.Status.READY
        or copy.content is None
        or copy.expires_at is None
        or copy.expires_at <= timezone.now()
    ):
        raise CopyUnavailable("expired")
    if not selectors.still_entitled(copy.request):
        raise CopyUnavailable("no_longer")
    return copy


@transaction.atomic
def copy_download(*, copy: AccessCopy, user: User) -> tuple[str, bytes]:
    """The ZIP for its requester, counted and logged; (file name, bytes)."""
    AccessCopy.objects.select_for_update().filter(pk=copy.pk).first()  # lock, then check
    copy = copy_for_download(uid=copy.uid, user=user)
    payload = base64.b64decode(copy.content)
    copy.downloads += 1
    copy.last_downloaded_at = timezone.now()
    copy.save(update_fields=["downloads", "last_downloaded_at"])
    audit.log_access(
        actor=user,
        obj=copy.request.pupil,
        what="copy:download",
        details={"request": copy.request.reference},
    )
    return f"{copy.request.reference}.zip", payload


def copies_expire(*, now=None) -> int:
    """Remove the content of every copy past its date; returns how many."""
    now = now or timezone.now()
    expired = 0
    for copy in AccessCopy.objects.filter(status=AccessCopy.Status.READY, expires_at__lte=now):
        copy.content = None
        copy.status = AccessCopy.Status.EXPIRED
        copy.save(update_fields=["content", "status"])
        expired += 1
    return expired
