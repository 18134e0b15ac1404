"""What the services of requests share: the row lock, the handler check, the event,
the move from status to status, and telling the requester and the handlers.

Every change of a request locks the request's row, checks the move is allowed from
where the request stands, writes an event to the request's history (with the note),
and lets django-auditlog record the change. The requester hears of every answer in
their own language (in the portal and by e-mail, through the core's notice outbox).
"""

import contextlib
import datetime
from collections.abc import Callable

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pupils import services as pupil_services
from pupils.models import Guardianship, ProcessingHold
from schoolprivacy.models import User
from schoolprivacy.services import notice_queue, notice_queue_many
from schoolprivacy.tasks import enqueue_on_commit

from .. import selectors
from ..models import (
    OPEN_STATUSES,
    UNDECIDED_STATUSES,
    BoardHoliday,
    DataRequest,
    RecipientNotice,
    RequestEvent,
)
from ..permissions import handler_schools

Kind = DataRequest.Kind
Status = DataRequest.Status

#: Where a request may go from where it stands.
TRANSITIONS: dict[str, set[str]] = {
    Status.RECEIVED: {Status.IN_PROGRESS, Status.REFUSED, Status.WITHDRAWN},
    Status.IN_PROGRESS: {Status.NOTIFYING, Status.COMPLETED, Status.REFUSED, Status.WITHDRAWN},
    Status.NOTIFYING: {Status.COMPLETED},
}
MIN_REASON = 10


def _lock(data_request: DataRequest) -> DataRequest:
    return (
        DataRequest.objects.select_for_update(of=("self",))
        .select_related("pupil", "school", "board", "requester")
        .get(pk=data_request.pk)
    )


def _require_handler(user: User, data_request: DataRequest) -> None:
    """A handler of the pupil's school now, and not the requester or a parent of the child."""
    if data_request.pupil.school_id not in handler_schools(user):
        raise PermissionDenied
    if (
        user.pk == data_request.requester_id
        or Guardianship.objects.filter(pupil_id=data_request.pupil_id, parent=user).exists()
    ):
        raise ValidationError(
            _(
                "You are a parent of this pupil: another handler or the privacy officer "
                "handles this request."
            ),
            code="own_child",
        )


def _event(
    data_request, kind, *, by=None, note="", from_status="", to_status="", to_requester=False
):
    return RequestEvent.objects.create(
        request=data_request,
        kind=kind,
        by=by,
        note=note,
        from_status=from_status,
        to_status=to_status,
        to_requester=to_requester,
    )


def _move(data_request: DataRequest, to: str, *, by, note: str = "", to_requester=False) -> None:
    """Change the status (the caller holds the row lock), with its event."""
    if to not in TRANSITIONS.get(data_request.status, set()):
        raise ValidationError(
            _("This request has the status “%(status)s”: that step is not possible now.")
            % {"status": data_request.get_status_display()},
            code="transition",
        )
    before = data_request.status
    data_request.status = to
    fields = ["status"]
    now = timezone.now()
    if to not in UNDECIDED_STATUSES and data_request.answered_at is None:
        data_request.answered_at = now  # decided: the deadline is met (or missed) now
        fields.append("answered_at")
    if to not in OPEN_STATUSES:
        data_request.closed_at = now
        fields.append("closed_at")
    if data_request.handler_id is None and by is not None and by.pk != data_request.requester_id:
        data_request.handler = by
        fields.append("handler")
    with set_actor(by) if by else contextlib.nullcontext():
        data_request.save(update_fields=fields)
    _event(
        data_request,
        RequestEvent.Kind.STATUS,
        by=by,
        note=note,
        from_status=before,
        to_status=to,
        to_requester=to_requester,
    )


def _start(data_request: DataRequest, by: User) -> None:
    """A decision on a request that was only received takes it up first."""
    if data_request.status == Status.RECEIVED:
        _move(data_request, Status.IN_PROGRESS, by=by)


def _reason(text: str, field_name: str = "reason") -> str:
    text = (text or "").strip()
    if len(text) < MIN_REASON:
        raise ValidationError(
            {
                field_name: _(
                    "Give the reasons in at least one full sentence: the parent reads them."
                )
            }
        )
    return text


def extra_holidays(board_id: int) -> list[datetime.date]:
    return list(BoardHoliday.objects.filter(board_id=board_id).values_list("day", flat=True))


def _portal_path(data_request: DataRequest) -> str:
    return reverse("requests:portal_detail", args=[data_request.pk])


def _staff_path(data_request: DataRequest) -> str:
    return reverse("requests:detail", args=[data_request.pk])


def _tell_requester(data_request: DataRequest, message: str) -> None:
    """Tell the requester in the portal and by e-mail: the reference, what happened, a link.

    No names and no contents: the mail leaves the system, the details stay in the portal.
    A *message* made by :func:`_say` is written again in the language of the page the
    notice is read on.
    """
    person = data_request.requester
    write = getattr(message, "write", lambda: message)

    def text() -> str:
        return _("Your request %(reference)s (%(kind)s): %(message)s") % {
            "reference": data_request.reference,
            "kind": data_request.get_kind_display(),
            "message": write(),
        }

    with translation.override(person.language):
        subject = _("Your request to %(school)s") % {"school": data_request.school.name}
    notice_queue(
        user=person,
        subject=subject,
        message=text,
        path=_portal_path(data_request),
        about=data_request.pupil_id,
    )


class Said(str):
    """A text in one person's language (kept as it is: a note the requester reads) that
    can be written again in the active language (``write``), for a notice."""

    write: Callable[[], str]


def _say(person: User, text_func: Callable[[], str]) -> Said:
    with translation.override(person.language):
        said = Said(text_func())
    said.write = text_func
    return said


def _tell_handlers(data_request: DataRequest, text_func, subject_func) -> None:
    messages = []
    for person in selectors.handlers_of(data_request):
        with translation.override(person.language):
            subject = subject_func()
        messages.append(
            (person, subject, text_func, _staff_path(data_request), data_request.pupil_id)
        )
    notice_queue_many(messages)


def _tell_refusal(data_request: DataRequest) -> None:
    _tell_requester(
        data_request,
        _say(
            data_request.requester,
            lambda: _(
                "the school does not grant it. The reasons are in the portal. You may complain "
                "to the Autoriteit Persoonsgegevens or go to court."
            ),
        ),
    )


def _complete(data_request: DataRequest, by: User | None, message: str) -> None:
    _move(data_request, Status.COMPLETED, by=by, note=message, to_requester=True)
    _tell_requester(data_request, message)


def _finish(data_request: DataRequest, by: User, notices: list[RecipientNotice], message: str):
    """Complete now, or once every recipient has been told (GDPR Art. 19)."""
    if notices:
        _move(data_request, Status.NOTIFYING, by=by, note=message, to_requester=True)
        _tell_requester(data_request, message)
        from ..tasks import send_recipient_notice

        for notice in notices:
            enqueue_on_commit(send_recipient_notice, notice.pk)
    else:
        _complete(data_request, by, message)


def _lift_pending_holds(data_request: DataRequest, acting_user: User, reason: str) -> None:
    """End the stop an objection or a restriction request put on the data at intake."""
    for hold in ProcessingHold.objects.filter(
        pupil=data_request.pupil,
        kind__in=[ProcessingHold.Kind.OBJECTION, ProcessingHold.Kind.RESTRICTION],
        reference=data_request.reference,
        lifted_at__isnull=True,
    ):
        pupil_services.hold_lift(hold=hold, reason=reason, acting_user=acting_user)
