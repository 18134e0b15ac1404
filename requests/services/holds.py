"""Restriction (GDPR Art. 18) and objection (Art. 21), and the holds on a pupil's data:
a restriction lifted, a legal hold placed and lifted.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pupils import services as pupil_services
from pupils.models import DataCategory, ProcessingHold, Pupil
from schoolprivacy.models import User
from suppliers import catalogue

from .. import workflow
from ..models import DataRequest, RequestEvent
from ._common import (
    Kind,
    _event,
    _finish,
    _lift_pending_holds,
    _lock,
    _reason,
    _require_handler,
    _say,
    _start,
    _tell_requester,
)
from .handling import request_refuse
from .notices import Change, _create_notices


@transaction.atomic
def restriction_decide(
    *, data_request: DataRequest, grant: bool, categories, reason: str, acting_user: User
) -> DataRequest:
    """Grant a restriction (staff then neither see nor share the data) or refuse it."""
    data_request = _lock(data_request)
    _require_handler(acting_user, data_request)
    workflow.require(data_request, "decide")
    if data_request.kind != Kind.RESTRICTION:
        raise ValidationError(_("This request cannot be decided this way."))
    if not grant:
        return request_refuse(data_request=data_request, reasons=reason, acting_user=acting_user)
    categories = sorted(set(categories) or set(data_request.categories))
    reason = _reason(reason)
    _start(data_request, acting_user)
    # The stop of the intake makes way for the decided restriction.
    _lift_pending_holds(data_request, acting_user, reason)
    pupil_services.hold_place(
        pupil=data_request.pupil,
        kind=ProcessingHold.Kind.RESTRICTION,
        categories=categories,
        reason=reason,
        acting_user=acting_user,
        reference=data_request.reference,
    )
    data_request.answer = reason
    data_request.save(update_fields=["answer"])
    _event(
        data_request, RequestEvent.Kind.DECISION, by=acting_user, note=reason, to_requester=True
    )
    notices = _create_notices(
        data_request,
        [Change("restrict", dict.fromkeys(catalogue.codes_for_categories(categories)))],
    )
    message = _say(
        data_request.requester,
        lambda: _("the school restricts the use of the data; it is only stored from now on."),
    )
    _finish(data_request, acting_user, notices, message)
    return data_request


@transaction.atomic
def objection_decide(
    *, data_request: DataRequest, uphold: bool, reason: str, acting_user: User
) -> DataRequest:
    """Uphold the objection (processing stays stopped) or reject it with compelling grounds."""
    data_request = _lock(data_request)
    _require_handler(acting_user, data_request)
    workflow.require(data_request, "decide")
    if data_request.kind != Kind.OBJECTION:
        raise ValidationError(_("This request cannot be decided this way."))
    if not uphold:
        return request_refuse(data_request=data_request, reasons=reason, acting_user=acting_user)
    reason = _reason(reason)
    _start(data_request, acting_user)
    data_request.answer = reason
    data_request.save(update_fields=["answer"])
    _event(
        data_request, RequestEvent.Kind.DECISION, by=acting_user, note=reason, to_requester=True
    )
    notices = _create_notices(
        data_request,
        [
            Change(
                "restrict", dict.fromkeys(catalogue.codes_for_categories(data_request.categories))
            )
        ],
    )
    message = _say(
        data_request.requester,
        lambda: _("the school grants the objection: the processing stays stopped."),
    )
    _finish(data_request, acting_user, notices, message)
    return data_request


def request_of_hold(hold: ProcessingHold) -> DataRequest | None:
    """The request that placed *hold* (its reference), if one did."""
    number = hold.reference.rsplit("-", 1)[-1] if hold.reference.startswith("AVG-") else ""
    if not number.isdigit():
        return None
    data_request = DataRequest.objects.filter(pk=int(number), pupil_id=hold.pupil_id).first()
    return (
        data_request
        if data_request is not None and data_request.reference == hold.reference
        else None
    )


@transaction.atomic
def restriction_lift(*, hold: ProcessingHold, reason: str, acting_user: User) -> ProcessingHold:
    """End a restriction or an objection stop, and tell the parent who asked for it first
    (GDPR Art. 18(3)); the lift is recorded on the request.
    """
    if hold.kind not in (ProcessingHold.Kind.RESTRICTION, ProcessingHold.Kind.OBJECTION):
        raise ValidationError(_("Only a restriction or an objection is lifted here."))
    reason = _reason(reason)
    data_request = request_of_hold(hold)
    lifted = pupil_services.hold_lift(hold=hold, reason=reason, acting_user=acting_user)
    if data_request is not None:
        data_request = _lock(data_request)
        _event(
            data_request,
            RequestEvent.Kind.DECISION,
            by=acting_user,
            note=reason,
            to_requester=True,
        )
        _tell_requester(
            data_request,
            _say(
                data_request.requester,
                lambda: _(
                    "the school lifts the restriction of the use of the data. "
                    "Why is explained in the portal."
                ),
            ),
        )
    return lifted


@transaction.atomic
def legal_hold_place(*, pupil: Pupil, reason: str, acting_user: User) -> ProcessingHold:
    """Stop every deletion of the pupil's data (a dispute, an investigation)."""
    reason = _reason(reason)
    return pupil_services.hold_place(
        pupil=pupil,
        kind=ProcessingHold.Kind.LEGAL_HOLD,
        categories=DataCategory.values,
        reason=reason,
        acting_user=acting_user,
    )


@transaction.atomic
def legal_hold_lift(*, hold: ProcessingHold, reason: str, acting_user: User) -> ProcessingHold:
    if hold.kind != ProcessingHold.Kind.LEGAL_HOLD:
        raise ValidationError(_("Only a legal hold is lifted here."))
    return pupil_services.hold_lift(hold=hold, reason=_reason(reason), acting_user=acting_user)
