"""What can be corrected in a pupil's dossier (GDPR Art. 16), field by field.

A correction names a *target* (the pupil's own record, or one dossier entry), the
entry's id and a field. The requests app takes the parent's proposal; when the
handler accepts it, :func:`pupils.services.correction_apply` writes it through
this table, so the values are validated by the model as any other change is.
"""

import hashlib
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from schoolprivacy.fields import declared_field

from .models import Agreement, Note, Pupil, SpecialRecord, TestResult


@dataclass(frozen=True)
class Target:
    model: type[models.Model]
    fields: tuple[str, ...]
    label: object


TARGETS = {
    "pupil": Target(
        Pupil,
        ("first_name", "name_prefix", "last_name", "date_of_birth", "gender", "bsn"),
        _("personal details"),
    ),
    "agreement": Target(
        Agreement,
        ("agreed_on", "participants", "agreement", "follow_up", "follow_up_on"),
        _("agreement"),
    ),
    "test_result": Target(
        TestResult, ("test_name", "taken_on", "score", "level", "remark"), _("test result")
    ),
    "note": Target(Note, ("written_on", "title", "body"), _("report or note")),
    "special": Target(SpecialRecord, ("content",), _("special-category record")),
}


def model_field(target: str, field: str) -> models.Field | None:
    spec = TARGETS.get(target)
    if spec is None or field not in spec.fields:
        return None
    return declared_field(spec.model, field)


def correctable_field(target: str, field: str) -> models.Field:
    """model_field for a target and field already checked (a correction that exists)."""
    f = model_field(target, field)
    if f is None:
        raise ValueError(f"{target}.{field} cannot be corrected")
    return f


def _form_field(f: models.Field) -> forms.Field:
    """The model field's own form field (every correctable field has one)."""
    form_field = f.formfield()
    if form_field is None:
        raise ValueError(f"{f} has no form field")
    return form_field


def find(pupil: Pupil, target: str, target_id, field: str):
    """The object *target_id* of *pupil* whose *field* can be corrected, or None."""
    if model_field(target, field) is None:
        return None
    try:
        target_id = int(target_id)
    except (TypeError, ValueError):
        return None
    if target == "pupil":
        return pupil if target_id == pupil.pk else None
    return TARGETS[target].model._default_manager.filter(pk=target_id, pupil=pupil).first()


def label(target: str, field: str) -> str:
    """How the field is named to people: "last name", or "agreement: what was agreed"."""
    name = str(correctable_field(target, field).verbose_name)
    if target == "pupil":
        return name
    return f"{TARGETS[target].label}: {name}"


def display(target: str, field: str, value) -> str:
    """A stored or proposed value as people read it (choices by their label, dates as dates)."""
    if value in (None, ""):
        return "–"
    f = correctable_field(target, field)
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, models.DateField) and not isinstance(value, str):
        return formats.date_format(value)
    return str(value)


def current_value(obj, field: str):
    return getattr(obj, field)


def fingerprint(obj, field: str) -> str:
    """A short digest of the field's value now, for a compare-and-set: the handler's form
    carries the one of the value the handler saw, and the correction is written only
    while the value is still that one (the value itself never travels in the form)."""
    value = current_value(obj, field) if obj is not None else None
    return hashlib.sha256(repr(value).encode()).hexdigest()[:20]


def parse(target: str, field: str, raw: str):
    """The proposed text as a value of the field; ValidationError with a clear message."""
    f = model_field(target, field)
    if f is None:
        raise ValidationError(_("This cannot be corrected here."))
    form_field = _form_field(f)
    value = form_field.clean(raw.strip() if isinstance(raw, str) else raw)
    if value in (None, ""):
        if not f.blank:
            raise ValidationError(_("Fill in the correct value."))
        return value
    f.run_validators(value)  # the model's own rules, such as the eleven-test of a BSN
    return value


def form_field(target: str, field: str):
    """The form field a parent types the correct value in: the model's own."""
    f = correctable_field(target, field)
    form_field = _form_field(f)
    form_field.required = not f.blank
    return form_field
