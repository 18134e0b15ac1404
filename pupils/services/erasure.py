"""Erasure of a pupil's data: categories and single items on a request or by retention, and
voluntary data (religion) once its consent no longer stands. The audit log keeps the facts
and loses the values."""

import contextlib
import uuid
from datetime import date

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from schoolprivacy import audit, personal_data
from schoolprivacy.fields import declared_field
from schoolprivacy.models import User
from schoolprivacy.services import notices_scrub

from .. import items, voluntary
from ..models import (
    DataCategory,
    ParentContact,
    Pupil,
    SpecialRecord,
)
from ..selectors import under_legal_hold
from .common import _require_request_role
from .pupils import _set_bsn_index


@transaction.atomic
def voluntary_data_erase(*, pupil: Pupil, kind: str, acting_user: User | None) -> list[int]:
    """Delete the records of a voluntary kind once consent for it no longer stands (a
    withdrawal or refusal, a material change of the text, the pupil turning 16, a parent
    losing authority): audited, their values masked in the audit log, and kept in the
    erasure ledger. A legal hold keeps them. Returns the ids deleted.

    Called by the consents app right after it recorded a decision, and by the daily
    voluntary_sweep for the ways consent ends without one.
    """
    if kind not in voluntary.VOLUNTARY_KINDS or voluntary.has_consent(pupil, kind):
        raise ValidationError(_("Consent stands: nothing is deleted."))
    if under_legal_hold(pupil):
        return []
    erased: dict[str, list[int]] = {}
    actor = set_actor(acting_user) if acting_user else contextlib.nullcontext()
    with actor:
        audit.delete_rows(SpecialRecord.objects.filter(pupil=pupil, kind=kind), erased)
    if erased:
        voluntary.record_erasure(pupil=pupil, erased=erased, by=acting_user)
    return erased.get(SpecialRecord._meta.label, [])


def voluntary_sweep() -> int:
    """Daily: voluntary data (religion) whose consent has ended without a decision being
    recorded goes; returns how many pupils lost it."""
    swept = 0
    pupils = Pupil.objects.filter(
        Exists(
            SpecialRecord.objects.filter(
                pupil_id=OuterRef("pk"), kind__in=voluntary.VOLUNTARY_KINDS
            )
        )
    ).select_related("school")
    for pupil in pupils:
        for kind in voluntary.VOLUNTARY_KINDS:
            if not voluntary.has_consent(pupil, kind):
                swept += bool(voluntary_data_erase(pupil=pupil, kind=kind, acting_user=None))
    return swept


@transaction.atomic
def pupil_data_erase(
    *,
    pupil: Pupil,
    categories=(),
    item_keys=(),
    acting_user: User | None = None,
    declared_by: User | None = None,
    by_category: dict[str, dict[str, list[int]]] | None = None,
) -> dict[str, list[int]]:
    """Erase whole *categories* of the pupil's data (entries deleted, the administration
    anonymised) and single items (*item_keys* of pupils.items: an entry or record is
    deleted, a field of the personal details emptied), and nothing else.

    The audit log keeps the fact of every row (who, when, which fields) and loses the
    values (schoolprivacy.audit.scrub). A legal hold refuses the erasure. Returns, per
    model, the ids erased (``"app.Model"``), and per emptied field the ids of its rows
    (``"app.Model.field"``): the erasure ledger of the requests app keeps them. A parent's
    request erases only the parent's own declaration (*declared_by*); retention all of them.
    Given *by_category*, what each category erased is also put there, under its name.
    """
    if acting_user is not None:
        _require_request_role(acting_user, pupil)  # the retention sweep acts as the system
    pupil = Pupil.objects.select_for_update().get(pk=pupil.pk)
    if under_legal_hold(pupil):
        raise ValidationError(_("A legal hold is on this pupil's data: nothing may be deleted."))
    categories = set(categories)
    erased: dict[str, list[int]] = {}
    actor = set_actor(acting_user) if acting_user else contextlib.nullcontext()
    with actor:
        _erase_items(pupil, item_keys, erased)
        # The administration last: anonymising the pupil ends what the others could find.
        parts: dict[str, dict[str, list[int]]] = {
            category: {}
            for category in DataCategory.values
            if category in categories and category != DataCategory.ADMINISTRATION
        }
        personal_data.erase_each(pupil, parts, app_label="pupils", given_by=declared_by)
        if DataCategory.ADMINISTRATION in categories:
            parts[DataCategory.ADMINISTRATION] = {}
            if pupil.anonymised_at is None:
                _anonymise(pupil, parts[DataCategory.ADMINISTRATION])
        for category, part in parts.items():
            for label, ids in part.items():
                erased.setdefault(label, []).extend(ids)
            if by_category is not None:
                by_category[category] = part
    return erased


def _erase_items(pupil: Pupil, item_keys, erased: dict[str, list[int]]) -> None:
    """Delete the entries and records named, and empty the fields named (audited)."""
    parsed = [items.ItemRef.parse(key) for key in item_keys]
    refs = [ref for ref in parsed if ref is not None]
    if len(refs) != len(parsed):
        raise ValidationError(_("This item is not in the pupil's dossier."))
    rows: dict[type[models.Model], list[int]] = {}
    for ref in refs:
        if not ref.field:
            rows.setdefault(ref.model, []).append(ref.target_id)
    for model, ids in rows.items():
        audit.delete_rows(model._default_manager.filter(pupil=pupil, pk__in=ids), erased)
    emptied = sorted({ref.field for ref in refs if ref.field and ref.target_id == pupil.pk})
    if not emptied:
        return
    for name in emptied:
        setattr(pupil, name, None if declared_field(Pupil, name).null else "")
        erased.setdefault(f"{Pupil._meta.label}.{name}", []).append(pupil.pk)
    _set_bsn_index(pupil)
    pupil.save(update_fields=[*emptied, "bsn_index"])
    audit.scrub(Pupil, [pupil.pk])


def _account_anonymise(account: User) -> None:
    """The pupil's own login goes with the administration: disabled, without name or address.

    The row stays (its requests and decisions point to it), as an empty account.
    """
    account.full_name = ""
    account.email = f"erased-{uuid.uuid4().hex}@invalid.invalid"
    account.is_active = False
    account.set_unusable_password()
    account.save(update_fields=["full_name", "email", "is_active", "password"])
    audit.scrub(User, [account.pk])


def _anonymise(pupil: Pupil, erased: dict[str, list[int]]) -> None:
    notices_scrub(pupil.full_name, pupil_id=pupil.pk)
    parents = list(pupil.guardianships.values_list("parent_id", flat=True))
    # What the administration holds about the child goes, as schoolprivacy/personal_data.py
    # lists it: the groups, whom to call (other people's names and numbers, the GP), the
    # parents' links and invitations, who was given access.
    personal_data.erase(
        pupil, retention=DataCategory.ADMINISTRATION, app_label="pupils", erased=erased
    )
    # A parent's address and phone numbers are held to reach them about their children:
    # with the last child gone, they go too.
    audit.delete_rows(
        ParentContact.objects.filter(parent__in=parents).exclude(
            parent__guardianships__isnull=False
        ),
        erased,
    )
    pupil.first_name = ""
    pupil.name_prefix = ""
    pupil.last_name = ""
    pupil.date_of_birth = date(pupil.date_of_birth.year, 1, 1)
    pupil.enrolled_on = date(pupil.enrolled_on.year, 1, 1)
    if pupil.left_on is not None:
        pupil.left_on = max(date(pupil.left_on.year, 1, 1), pupil.enrolled_on)
    pupil.gender = ""
    pupil.bsn = None
    pupil.bsn_index = None
    if pupil.account is not None:
        _account_anonymise(pupil.account)
    pupil.account = None
    pupil.group = None
    pupil.anonymised_at = timezone.now()
    pupil.save()
    erased.setdefault(Pupil._meta.label, []).append(pupil.pk)
    audit.scrub(Pupil, [pupil.pk])
