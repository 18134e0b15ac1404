"""Erasure (GDPR Art. 17): what the handler sees and may decide, per category or per
item, and the decision.
"""

from dataclasses import dataclass

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from pupils import items as pupil_items
from pupils import services as pupil_services
from pupils.models import ProcessingHold, Pupil
from schoolprivacy.models import User
from suppliers import catalogue

from .. import selectors, workflow
from ..models import DataRequest, ErasureCategory, ErasureItem, ErasureRecord, RequestEvent
from ._common import (
    MIN_REASON,
    Status,
    _event,
    _finish,
    _lock,
    _move,
    _require_handler,
    _say,
    _start,
    _tell_refusal,
)
from .erasing import _erase, _item_keys_of
from .erasure_ledger import _ledger
from .notices import Change, _create_notices


@dataclass
class CategoryDecision:
    """The handler's decision on one unit of an erasure request: a category or an item."""

    outcome: str
    reason: str = ""


Outcome = ErasureItem.Outcome


def erasure_choices(unit: ErasureItem, state: selectors.CategoryState) -> list[str]:
    """The outcomes the handler may choose for *unit*: what the law and its kind allow.

    Deletion is not possible under a legal hold or while the law requires keeping the
    data; a single field can be deleted or kept, not restricted; the consent record is
    deleted or kept; a category with items can be decided item by item.
    """
    choices: list[str] = [Outcome.ERASE, Outcome.RESTRICT, Outcome.KEEP]
    if state.must_keep or state.legal_hold:
        choices.remove(Outcome.ERASE)
    field_level = not unit.is_category and bool(pupil_items.ItemRef.of(unit.key).field)
    if unit.category == ErasureCategory.CONSENTS or field_level:
        choices.remove(Outcome.RESTRICT)
    if unit.is_category and state.contents:
        choices.append(Outcome.PER_ITEM)
    return choices


def _unit_error(unit, state, choice: CategoryDecision | None) -> str | None:
    """Why *choice* cannot be taken for *unit*, or None."""
    if choice is None or choice.outcome not in [*Outcome.values]:
        return _("Choose what happens to this data.")
    if choice.outcome == Outcome.ERASE and state.legal_hold:
        return _(
            "A legal hold is on this pupil's data: nothing may be deleted. Restrict it instead."
        )
    if choice.outcome == Outcome.ERASE and state.must_keep:
        return _(
            "The law requires the school to keep this data until %(until)s: restrict it "
            "instead, and tell the parent why."
        ) % {
            "until": formats.date_format(state.keep_until)
            if state.keep_until
            else _("some years after the pupil has left")
        }
    if choice.outcome not in erasure_choices(unit, state):
        return _("This cannot be decided for this data.")
    if choice.outcome in (Outcome.RESTRICT, Outcome.KEEP) and (
        len((choice.reason or "").strip()) < MIN_REASON
    ):
        return _("Give the reasons in a sentence: the parent reads them.")
    return None


@transaction.atomic
def erasure_decide(
    *, data_request: DataRequest, decisions: dict[str, CategoryDecision], acting_user: User
) -> DataRequest:
    """Decide each thing the parent asked to delete: delete, keep restricted, or keep (with
    reasons); a category asked for is deleted whole only when the handler says so (its
    items are then counted), or decided item by item. Then it is done in one transaction.

    What the law requires the school to keep cannot be deleted (it may be restricted,
    with the reason told to the parent); a legal hold stops every deletion. Deleting
    the administration deletes everything. Only the recipients that received what is
    deleted or restricted get a notice (Art. 17(2), 19), naming exactly what; the
    ledger keeps which rows went. *decisions* are keyed by ErasureItem.key.
    """
    data_request = _lock(data_request)
    _require_handler(acting_user, data_request)
    workflow.require(data_request, "erasure")
    # The pupil too: two requests (or the retention sweep) never erase from one pupil at once,
    # and what is decided below is what the pupil holds now.
    pupil = Pupil.objects.select_for_update().get(pk=data_request.pupil_id)
    data_request.pupil = pupil
    states = {s.category: s for s in selectors.category_states(data_request)}
    units = list(data_request.erasure_items.filter(outcome=Outcome.PENDING))
    if not units:
        raise ValidationError(_("Nothing of this request is left to decide."))
    errors = {}
    decided: list[tuple[ErasureItem, CategoryDecision]] = []
    for unit in units:
        _current_category(pupil, unit)
        state = states[unit.category]
        choice = decisions.get(unit.key)
        error = _unit_error(unit, state, choice)
        if error or choice is None:  # (no choice is an error)
            errors[f"outcome_{unit.key}"] = error
            continue
        decided.append((unit, choice))
        if choice.outcome != Outcome.PER_ITEM:
            continue
        for found in state.contents:
            sub = ErasureItem(
                request=data_request,
                key=found.key,
                category=found.category,
                item_kind=found.kind,
                item_date=found.day,
                asked=False,
            )
            sub_choice = decisions.get(found.key)
            error = _unit_error(sub, state, sub_choice)
            if error or sub_choice is None:
                errors[f"outcome_{found.key}"] = error
            else:
                decided.append((sub, sub_choice))
    by_key = {unit.key: choice for unit, choice in decided}
    whole = {u.category for u, c in decided if u.is_category and c.outcome == Outcome.ERASE}
    if ErasureCategory.ADMINISTRATION in whole:
        holding = {c for c, st in states.items() if st.items} - {ErasureCategory.ADMINISTRATION}
        if holding - whole:
            errors["outcome_administration"] = _(
                "Deleting the administration deletes the pupil: delete the other data too."
            )
    if errors:
        raise ValidationError(errors)

    _start(data_request, acting_user)
    now = timezone.now()
    erase_items = [
        u.key
        for u, c in decided
        if not u.is_category and c.outcome == Outcome.ERASE and u.category not in whole
    ]
    restrict_categories = sorted(
        u.category for u, c in decided if u.is_category and c.outcome == Outcome.RESTRICT
    )
    restrict_items = [u for u, c in decided if not u.is_category and c.outcome == Outcome.RESTRICT]
    # The notices are written before the data goes: they must still name the pupil.
    notices = _create_notices(
        data_request,
        [
            _erasure_change(
                "erase", pupil, whole, [u for u, c in decided if u.key in erase_items]
            ),
            _erasure_change("restrict", pupil, set(restrict_categories), restrict_items),
        ],
    )
    erased, counts = _erase(
        pupil, whole, acting_user, item_keys=erase_items, declared_by=data_request.requester
    )
    # One hold per unit, each with the reason the parent reads for it.
    for category in restrict_categories:
        pupil_services.hold_place(
            pupil=pupil,
            kind=ProcessingHold.Kind.RESTRICTION,
            categories=[category],
            reason=by_key[category].reason.strip(),
            acting_user=acting_user,
            reference=data_request.reference,
        )
    for unit in restrict_items:
        pupil_services.hold_place(
            pupil=pupil,
            kind=ProcessingHold.Kind.RESTRICTION,
            item_keys=[unit.key],
            reason=by_key[unit.key].reason.strip(),
            acting_user=acting_user,
            reference=data_request.reference,
        )
    gone = _gone_keys(erased)
    with set_actor(acting_user):
        for unit, choice in decided:
            unit.outcome = choice.outcome
            unit.reason = (
                (choice.reason or "").strip()
                if choice.outcome in (Outcome.RESTRICT, Outcome.KEEP)
                else ""
            )
            if choice.outcome == Outcome.ERASE:
                unit.erased_count = (
                    counts.get(unit.category, 0) if unit.is_category else int(unit.key in gone)
                )
            unit.decided_by, unit.decided_at = acting_user, now
            unit.save()
    if erased:
        _ledger(
            ErasureRecord.objects.create(
                pupil=pupil,
                request=data_request,
                source=ErasureRecord.Source.REQUEST,
                categories=sorted(whole),
                erased=erased,
                by=acting_user,
            )
        )
    _event(data_request, RequestEvent.Kind.DECISION, by=acting_user, to_requester=True)
    if all(c.outcome in (Outcome.KEEP, Outcome.PER_ITEM) for _u, c in decided):
        data_request.answer = "\n".join(
            c.reason.strip() for _u, c in decided if c.outcome == Outcome.KEEP
        )
        data_request.save(update_fields=["answer"])
        _move(data_request, Status.REFUSED, by=acting_user, to_requester=True)
        _tell_refusal(data_request)
        return data_request
    message = _say(
        data_request.requester,
        lambda: _(
            "the school has decided; what was deleted and what is kept, and why, is in the portal."
        ),
    )
    _finish(data_request, acting_user, notices, message)
    return data_request


def _current_category(pupil: Pupil, unit: ErasureItem) -> None:
    """An item's category as it is now (a note may have become a referral report since the
    request came in): its retention rule is decided on what it is."""
    if unit.is_category:
        return
    found = pupil_items.item(pupil, pupil_items.ItemRef.of(unit.key))
    if found is not None:
        unit.category = found.category


def _gone_keys(erased: dict) -> set[str]:
    """The item keys (pupils.items) of what an erasure took."""
    return set(_item_keys_of(erased))


def _erasure_change(action: str, pupil: Pupil, categories: set[str], units) -> Change:
    """The Art. 19 change of deleting or restricting whole *categories* and single *units*.

    A whole category touches every field of it, whatever its date; a single item only
    its own field, from the item's date on.
    """
    change = Change(action)
    for code in catalogue.codes_for_categories(categories):
        change.add(code)
    for unit in units:
        if unit.category in categories:
            continue
        ref = pupil_items.ItemRef.of(unit.key)
        obj = pupil_items.find(pupil, ref)
        for code in catalogue.codes_for_correction(ref.target, ref.field or "", obj):
            change.add(code, unit.item_date, (unit.key, unit.label))
    return change
