"""Rectification (GDPR Art. 16): a decision on each field a parent says is wrong."""

from dataclasses import dataclass

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pupils import corrections
from pupils import services as pupil_services
from pupils.models import Pupil
from schoolprivacy.models import User
from suppliers import catalogue

from .. import workflow
from ..models import DataRequest, Decision, RequestEvent
from ._common import (
    Status,
    _event,
    _finish,
    _lock,
    _move,
    _reason,
    _require_handler,
    _say,
    _start,
    _tell_refusal,
)
from .notices import _create_notices


@dataclass
class ItemDecision:
    accept: bool
    reason: str = ""
    #: The fingerprint of the value the handler saw (pupils/corrections.py); None: no check.
    seen: str | None = None


@transaction.atomic
def rectification_decide(
    *, data_request: DataRequest, decisions: dict[int, ItemDecision], acting_user: User
) -> DataRequest:
    """Accept or refuse each field; accepted values are written by the pupils app, and every
    supplier or recipient that receives a corrected field gets a notice (Art. 19).
    Two decisions on the same pupil's data run one after the other (the pupil's row is
    locked first, before anything else), and an accepted value is written only while the
    field still holds what the handler saw (ItemDecision.seen).
    """
    list(
        Pupil.objects.select_for_update(no_key=True).filter(pk=data_request.pupil_id).values("pk")
    )
    data_request = _lock(data_request)
    _require_handler(acting_user, data_request)
    workflow.require(data_request, "rectification")
    pending = list(data_request.items.filter(decision=Decision.PENDING))
    if {item.pk for item in pending} - set(decisions):
        raise ValidationError(_("Decide on every field."))
    _start(data_request, acting_user)
    now = timezone.now()
    codes: set[str] = set()
    for item in pending:
        choice = decisions[item.pk]
        item.decided_by, item.decided_at = acting_user, now
        if choice.accept:
            item.decision = Decision.ACCEPTED
            item.reason = (choice.reason or "").strip()
            obj = corrections.find(data_request.pupil, item.target, item.target_id, item.field)
            if item.proposed_value:
                pupil_services.correction_apply(
                    pupil=data_request.pupil,
                    target=item.target,
                    target_id=item.target_id,
                    field=item.field,
                    value=item.proposed_value,
                    acting_user=acting_user,
                    seen=choice.seen,
                )
                codes |= catalogue.codes_for_correction(item.target, item.field, obj)
        else:
            item.decision = Decision.REFUSED
            item.reason = _reason(choice.reason, f"reason_{item.pk}")
        if item.statement:
            pupil_services.statement_record(
                pupil=data_request.pupil,
                target=item.target,
                target_id=item.target_id,
                field=item.field,
                statement=item.statement,
                acting_user=acting_user,
            )
        with set_actor(acting_user):
            item.save(update_fields=["decision", "reason", "decided_by", "decided_at"])
    _event(data_request, RequestEvent.Kind.DECISION, by=acting_user, to_requester=True)
    items = list(data_request.items.all())
    if all(item.decision == Decision.REFUSED for item in items):
        data_request.answer = "\n".join(item.reason for item in items)
        data_request.save(update_fields=["answer"])
        _move(data_request, Status.REFUSED, by=acting_user, to_requester=True)
        _tell_refusal(data_request)
        return data_request
    notices = _create_notices(data_request, codes)
    message = _say(
        data_request.requester,
        lambda: _("the school has decided on each field; the answer is in the portal."),
    )
    _finish(data_request, acting_user, notices, message)
    return data_request
