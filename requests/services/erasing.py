"""The erasing itself, shared by an erasure request, the retention sweep and the
reapplying after a restore: each app erases what it owns, and the requests about the
pupil lose what the dossier lost.
"""

import contextlib

from auditlog.context import set_actor

from consents import services as consent_services
from pupils import corrections
from pupils import services as pupil_services
from pupils.models import Pupil
from schoolprivacy import audit, personal_data
from schoolprivacy.models import User

from .. import retention, selectors
from ..models import AccessCopy, DataRequest, ErasureCategory, RectificationItem
from .access_copy import _copy_again

#: The apps that erase what they hold through a service of their own (legal hold, files).
ERASED_BY_THEIR_APP = ("pupils", "consents")


def _erase(pupil: Pupil, categories, acting_user: User | None, *, item_keys=(), declared_by=None):
    """Erase whole categories and single items, each through the app that owns it, in the
    caller's transaction.

    What the requests app holds follows: copies of the child's file are withdrawn, and
    corrections proposed for erased data lose their values. Returns the rows erased per
    model (for the ledger) and how many per category.
    """
    # The audit entries of everything erased are masked once, at the end (audit.scrubbing).
    with audit.scrubbing():
        erased: dict[str, list[int]] = {}
        counts: dict[str, int] = {}
        parts = []
        # The consent record first, then the pupils app's categories in one call (one lock
        # and hold check for all; it anonymises last), then what the other apps hold.
        by_category: dict[str, dict[str, list[int]]] = {}
        if ErasureCategory.CONSENTS in categories:
            by_category[ErasureCategory.CONSENTS] = consent_services.pupil_consents_erase(
                pupil=pupil, acting_user=acting_user
            )
        pupils_part = [c for c in retention.ORDER if c in categories and c not in by_category]
        if pupils_part:
            pupil_services.pupil_data_erase(
                pupil=pupil,
                categories=pupils_part,
                acting_user=acting_user,
                declared_by=declared_by,
                by_category=by_category,
            )
        ordered: dict[str, dict[str, list[int]]] = {
            c: by_category.setdefault(c, {}) for c in retention.ORDER if c in categories
        }
        # What the other apps hold in the categories (an import's lines, a notice to a
        # supplier) has no service of its own: it goes as the registry says.
        with set_actor(acting_user) if acting_user else contextlib.nullcontext():
            personal_data.erase_each(pupil, ordered, except_apps=ERASED_BY_THEIR_APP)
        for category, part in ordered.items():
            counts[category] = sum(len(ids) for ids in part.values())
            parts.append(part)
        if item_keys:
            parts.append(
                pupil_services.pupil_data_erase(
                    pupil=pupil, item_keys=item_keys, acting_user=acting_user
                )
            )
        for part in parts:
            for label, ids in part.items():
                erased.setdefault(label, []).extend(ids)
        if erased:
            _erase_request_contents(
                pupil, erased, everything=ErasureCategory.ADMINISTRATION in categories
            )
    return erased, counts


#: Which model a correction's target is, to match it with the rows an erasure removed.
_TARGET_MODELS = {target: spec.model._meta.label for target, spec in corrections.TARGETS.items()}


def _erase_request_contents(pupil: Pupil, erased: dict, *, everything: bool) -> None:
    """The requests about the pupil lose what an erasure took from the dossier.

    Every copy of the child's file is withdrawn (it holds the erased data); one not yet
    downloaded is made again. Corrections proposed for erased data lose their values;
    with the administration, every request loses its contents (explanation, answer,
    notes), keeping only the facts: kind, dates, status, who handled it; the proof the
    school answered in time.
    """
    if not DataRequest.objects.filter(pupil=pupil).exists():
        return  # copies and corrections belong to requests: most pupils have none
    copies_of_pupil = AccessCopy.objects.filter(request__pupil=pupil, content__isnull=False)
    for copy in copies_of_pupil.select_related("request__requester", "request__school"):
        copy.content = None
        copy.status = AccessCopy.Status.EXPIRED
        copy.save(update_fields=["content", "status"])
        if copy.downloads == 0 and not everything and selectors.still_entitled(copy.request):
            # Not downloaded yet: the parent still gets a copy, of what the school holds now.
            _copy_again(copy)
    gone = {(label, row) for label, ids in erased.items() for row in ids}
    for item in RectificationItem.objects.filter(request__pupil=pupil):
        model = _TARGET_MODELS.get(item.target)
        if (
            everything
            or (model, item.target_id) in gone
            or (f"{model}.{item.field}", item.target_id) in gone
        ):
            item.proposed_value = ""
            item.statement = ""
            item.save(update_fields=["proposed_value", "statement"])
    if not everything:
        return
    for data_request in DataRequest.objects.filter(pupil=pupil):
        data_request.explanation = ""
        data_request.answer = ""
        data_request.save(update_fields=["explanation", "answer"])
        for event in data_request.events.all():
            event.note = ""
            event.save(update_fields=["note"])


def _item_keys_of(erased: dict) -> list[str]:
    """The dossier items an erasure took (pupils.items keys), from its ledger line: every
    entry and record deleted and every field emptied. (Rows its whole categories took
    again are gone already when these follow: asking for them again changes nothing.)"""
    targets = {label: target for target, label in _TARGET_MODELS.items()}
    keys = []
    for label, ids in erased.items():
        app, model, *field_name = label.split(".")
        target = targets.get(f"{app}.{model}")
        if target is None or (target == "pupil" and not field_name):
            continue  # not a dossier item (consents, placements, the anonymised pupil)
        suffix = f":{field_name[0]}" if field_name else ""
        keys += [f"{target}:{pk}{suffix}" for pk in ids]
    return keys
