"""Holds on a pupil's data (called by the requests app): a restriction or objection stops
processing (GDPR Art. 18 and 21), a legal hold stops deletion."""

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schoolprivacy.models import User

from .. import items
from ..models import DataCategory, ProcessingHold, Pupil
from ..permissions import acts_for
from .common import _require_request_role, _save

#: Holds the person acting for the child starts by asking (and ends by withdrawing).
_ASKED_HOLDS = (ProcessingHold.Kind.OBJECTION, ProcessingHold.Kind.RESTRICTION)


@transaction.atomic
def hold_place(
    *,
    pupil: Pupil,
    kind: str,
    categories=(),
    reason: str,
    acting_user: User,
    reference: str = "",
    item_keys=(),
) -> ProcessingHold:
    """Stop staff from processing (restriction, objection) or anyone deleting (legal hold).

    A hold covers whole *categories*, or, with *item_keys* (pupils.items), only those
    items (a restriction decided on one report). The school's handlers place holds; an
    objection also stops processing the moment the person entitled to act for the
    child makes it (GDPR Art. 21).
    """
    if not (kind in _ASKED_HOLDS and acts_for(acting_user, pupil)):
        _require_request_role(acting_user, pupil)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the hold.")})
    if kind == ProcessingHold.Kind.LEGAL_HOLD:
        categories, item_keys = DataCategory.values, ()
    held_items = []
    for key in sorted(set(item_keys)):
        ref = items.ItemRef.parse(key)
        found = items.item(pupil, ref) if ref is not None and not ref.field else None
        if found is None:
            raise ValidationError({"items": _("This item is not in the pupil's dossier.")})
        held_items.append(found)
    if held_items:
        categories = {found.category for found in held_items}
    categories = sorted(set(categories or ()))
    if not categories or set(categories) - set(DataCategory.values):
        raise ValidationError({"categories": _("Choose the data the hold covers.")})
    hold = ProcessingHold(
        pupil=pupil,
        kind=kind,
        categories=categories,
        items=[found.key for found in held_items],
        reason=reason,
        reference=reference,
        placed_by=acting_user,
    )
    with set_actor(acting_user):
        _save(hold)
    return hold


@transaction.atomic
def hold_lift(*, hold: ProcessingHold, reason: str, acting_user: User) -> ProcessingHold:
    """End a hold, with the reason; the history stays."""
    hold = ProcessingHold.objects.select_for_update().select_related("pupil").get(pk=hold.pk)
    if not (hold.kind in _ASKED_HOLDS and acts_for(acting_user, hold.pupil)):
        _require_request_role(acting_user, hold.pupil)
    if hold.lifted_at is not None:
        raise ValidationError(_("This hold has already been lifted."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for lifting the hold.")})
    hold.lifted_at = timezone.now()
    hold.lifted_by = acting_user
    hold.lift_reason = reason
    with set_actor(acting_user):
        _save(hold)
    return hold
