"""Handling a request: take it up, note, extend the deadline, refuse, or withdraw."""

from auditlog.context import set_actor
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from schoolprivacy.models import User

from .. import deadlines, workflow
from ..models import DataRequest, RequestEvent
from ._common import (
    Status,
    _event,
    _lift_pending_holds,
    _lock,
    _move,
    _reason,
    _require_handler,
    _say,
    _start,
    _tell_handlers,
    _tell_refusal,
    _tell_requester,
    extra_holidays,
)


@transaction.atomic
def request_start(*, data_request: DataRequest, acting_user: User) -> DataRequest:
    """Take the request up: it is being handled, by the acting user."""
    data_request = _lock(data_request)
    _require_handler(acting_user, data_request)
    workflow.require(data_request, "start")
    _move(data_request, Status.IN_PROGRESS, by=acting_user)
    return data_request


@transaction.atomic
def request_note(*, data_request: DataRequest, note: str, acting_user: User) -> RequestEvent:
    """A note in the request's history (staff only)."""
    data_request = _lock(data_request)
    _require_handler(acting_user, data_request)
    workflow.require(data_request, "note")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write the note.")})
    return _event(data_request, RequestEvent.Kind.NOTE, by=acting_user, note=note)


@transaction.atomic
def request_extend(*, data_request: DataRequest, reasons: str, acting_user: User) -> DataRequest:
    """Extend the deadline to three months from receipt (GDPR Art. 12(3)), telling the parent.

    Only once, only with reasons, and only on or before the first due date.
    """
    data_request = _lock(data_request)
    _require_handler(acting_user, data_request)
    workflow.require(data_request, "extend")
    reasons = _reason(reasons, "reasons")
    data_request.extended_at = timezone.now()
    data_request.extended_by = acting_user
    data_request.extension_reasons = reasons
    data_request.due_on = deadlines.response_due(
        data_request.received_on,
        extended=True,
        extra_holidays=extra_holidays(data_request.board_id),
    )
    with set_actor(acting_user):
        data_request.save(
            update_fields=["extended_at", "extended_by", "extension_reasons", "due_on"]
        )
    _event(
        data_request, RequestEvent.Kind.EXTENDED, by=acting_user, note=reasons, to_requester=True
    )
    _tell_requester(
        data_request,
        _say(
            data_request.requester,
            lambda: (
                _(
                    "the school needs more time and will answer by %(due)s at the latest. "
                    "Why is explained in the portal."
                )
                % {"due": formats.date_format(data_request.due_on)}
            ),
        ),
    )
    return data_request


@transaction.atomic
def request_refuse(*, data_request: DataRequest, reasons: str, acting_user: User) -> DataRequest:
    """Refuse the whole request, with the reasons; the parent is told of the right to complain."""
    data_request = _lock(data_request)
    _require_handler(acting_user, data_request)
    workflow.require(data_request, "refuse")
    reasons = _reason(reasons, "reasons")
    _start(data_request, acting_user)
    _lift_pending_holds(data_request, acting_user, reasons)
    data_request.answer = reasons
    data_request.save(update_fields=["answer"])
    _move(
        data_request,
        Status.REFUSED,
        by=acting_user,
        note=_late_note(data_request),
        to_requester=True,
    )
    _tell_refusal(data_request)
    return data_request


def _late_note(data_request: DataRequest) -> str:
    """A refusal belongs within one month of receipt (GDPR Art. 12(4)): say so when it is not."""
    if timezone.localdate() <= data_request.first_due_on:
        return ""
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "Refused after the first month (%(due)s): the law asks for a refusal within one "
            "month of receipt."
        ) % {"due": formats.date_format(data_request.first_due_on)}


@transaction.atomic
def request_withdraw(*, data_request: DataRequest, acting_user: User) -> DataRequest:
    """The requester takes the request back; an objection's stop ends with it."""
    data_request = _lock(data_request)
    if acting_user.pk != data_request.requester_id:
        raise PermissionDenied
    workflow.require(data_request, "withdraw")
    with translation.override(settings.LANGUAGE_CODE):
        _lift_pending_holds(data_request, acting_user, _("The parent withdrew the request."))
    _move(data_request, Status.WITHDRAWN, by=acting_user, to_requester=True)
    _tell_handlers(
        data_request,
        lambda: (
            _("Request %(reference)s was withdrawn by the requester.")
            % {"reference": data_request.reference}
        ),
        lambda: _("A request was withdrawn"),
    )
    return data_request
