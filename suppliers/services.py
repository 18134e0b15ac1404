"""Writes to the supplier register: transactional and audited."""

import datetime

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from schoolprivacy.models import School, User

from . import catalogue
from .models import FieldSet, Recipient, Supplier, SupplierUse

MAX_UPLOAD = 10 * 1024 * 1024


def _check_document(document) -> None:
    if not document:
        return
    if document.size > MAX_UPLOAD:
        raise ValidationError({"agreement_document": _("The file is larger than 10 MB.")})
    head = document.read(5)
    document.seek(0)
    if head != b"%PDF-":
        raise ValidationError({"agreement_document": _("The file is not a PDF.")})


@transaction.atomic
def supplier_save(
    *,
    supplier: Supplier,
    schools: list[School],
    since: datetime.date,
    acting_user: User,
) -> Supplier:
    """Create or change a supplier and which schools of its board use it (since *since*)."""
    if any(school.board_id != supplier.board_id for school in schools):
        raise ValidationError({"schools": _("Choose schools of this school board.")})
    if (
        Supplier.objects.filter(board_id=supplier.board_id, name__iexact=supplier.name)
        .exclude(pk=supplier.pk)
        .exists()
    ):
        raise ValidationError(
            {"name": _("This school board already has a supplier with this name.")}
        )
    _check_document(supplier.agreement_document)
    with set_actor(acting_user):
        supplier.full_clean()
        supplier.save()
        chosen = {school.pk for school in schools}
        SupplierUse.objects.filter(supplier=supplier).exclude(school_id__in=chosen).delete()
        existing = set(supplier.uses.values_list("school_id", flat=True))
        for school_id in chosen - existing:
            SupplierUse.objects.create(supplier=supplier, school_id=school_id, since=since)
    return supplier


@transaction.atomic
def field_set_add(
    *,
    supplier: Supplier,
    valid_from: datetime.date,
    fields: list[str],
    not_shared: str,
    acting_user: User,
) -> FieldSet:
    """Record what the supplier receives from *valid_from*; only fields of the catalogue."""
    wrong = catalogue.unknown(fields)
    if wrong:
        raise ValidationError(
            {"fields": _("Unknown fields: %(fields)s.") % {"fields": ", ".join(wrong)}}
        )
    if FieldSet.objects.filter(supplier=supplier, valid_from=valid_from).exists():
        raise ValidationError({"valid_from": _("There is already a field set from this date.")})
    with set_actor(acting_user):
        return FieldSet.objects.create(
            supplier=supplier, valid_from=valid_from, fields=sorted(fields), not_shared=not_shared
        )


@transaction.atomic
def recipient_save(*, recipient: Recipient, schools: list[School], acting_user: User) -> Recipient:
    """Create or change a recipient on a legal basis, with the fields it receives."""
    wrong = catalogue.unknown(recipient.fields)
    if wrong:
        raise ValidationError(
            {"fields": _("Unknown fields: %(fields)s.") % {"fields": ", ".join(wrong)}}
        )
    if any(school.board_id != recipient.board_id for school in schools):
        raise ValidationError({"schools": _("Choose schools of this school board.")})
    with set_actor(acting_user):
        recipient.full_clean()
        recipient.save()
        recipient.schools.set(schools)
    return recipient
