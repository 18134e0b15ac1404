"""Names are one line of text and dates are plausible, wherever they are entered (issue 17).

A school name saved with "\\r\\nBcc: …" once became the subject of every notice mail; dates
such as 0001-01-01 and 9999-12-31 were stored. Every text field of a model is classified
here, like the route matrix classifies every URL: a new field fails this test until it
says whether people type it (one line, validated) or the app writes it.
"""

import datetime
import importlib
import inspect
import uuid

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from pupils.models import Note
from schoolprivacy.fields import EncryptedCharField
from schoolprivacy.models import School
from schoolprivacy.validators import validate_one_line, validate_plausible_date
from suppliers.models import Supplier
from tests.pupils.conftest import login, world  # noqa: F401 (fixtures)
from tests.suppliers.test_register import supplier_data

OUR_APPS = ("schoolprivacy", "pupils", "consents", "requests", "suppliers", "staff", "sync")

#: Text the app writes itself (keys, hashes, paths, composed messages): not typed by people.
WRITTEN_BY_THE_APP = {
    # The audit log (written by schoolprivacy/audit_entry.py; the fields are django-auditlog's).
    "schoolprivacy.AuditEntry.actor_email",
    "schoolprivacy.AuditEntry.cid",
    "schoolprivacy.AuditEntry.object_pk",
    "schoolprivacy.User.password",
    "schoolprivacy.Heartbeat.name",
    "schoolprivacy.Notice.message",
    "schoolprivacy.Notice.url",
    "schoolprivacy.Notice.mail_subject",
    "schoolprivacy.Notice.mail_failure",  # the mail server's answer
    "schoolprivacy.Submission.path",
    "schoolprivacy.Authenticator.key",  # hex, made by the app
    "schoolprivacy.Authenticator.name",  # the app names its devices
    "schoolprivacy.RecoveryCodes.name",
    "schoolprivacy.RecoveryCode.digest",
    "schoolprivacy.Submission.location",
    "pupils.Pupil.bsn",  # nine digits (validate_bsn)
    "pupils.Pupil.bsn_index",
    "pupils.Invitation.token_hash",
    "pupils.Attachment.kind",
    "pupils.ParentContact.phone_mobile",  # digits (validate_phone), and the two below
    "pupils.ParentContact.phone_home",
    "pupils.ParentContact.phone_work",
    "pupils.EmergencyContact.phone",
    "requests.RectificationItem.target",
    "requests.RectificationItem.field",
    "requests.ErasureItem.key",
    "requests.ErasureItem.item_kind",
    "requests.ErasureRecord.request_reference",
    "requests.AccessCopy.sha256",
    "requests.RecipientNotice.subject",
    "sync.ImportLine.key",
    "sync.ImportLine.message",
    "sync.ChangeNotice.receiver_name",
    "sync.ChangeNotice.subject",
}


def _our_fields():
    for model in apps.get_models():
        if model._meta.app_label in OUR_APPS:
            for field in model._meta.concrete_fields:
                yield f"{model._meta.label}.{field.name}", field


def _is_free_text_line(field) -> bool:
    plain = type(field) in (models.CharField, EncryptedCharField)
    return plain and not field.choices


def test_every_line_people_type_is_checked_for_control_characters():
    unclassified = sorted(
        label
        for label, field in _our_fields()
        if _is_free_text_line(field)
        and label not in WRITTEN_BY_THE_APP
        and validate_one_line not in field.validators
    )
    assert unclassified == [], "validate_one_line, or list it as written by the app"


def test_the_list_of_text_the_app_writes_names_only_existing_fields():
    existing = {label for label, _field in _our_fields()}
    assert existing >= WRITTEN_BY_THE_APP


def test_every_date_field_of_a_model_has_a_plausible_range():
    unchecked = sorted(
        label
        for label, field in _our_fields()
        if isinstance(field, models.DateField)
        and not isinstance(field, models.DateTimeField)
        and validate_plausible_date not in field.validators
    )
    assert unchecked == []


def test_every_date_a_form_asks_for_has_a_plausible_range():
    unchecked = []
    for app in OUR_APPS:
        try:
            module = importlib.import_module(f"{app}.forms")
        except ModuleNotFoundError:
            continue
        for name, form in inspect.getmembers(module, inspect.isclass):
            if not issubclass(form, forms.BaseForm) or form.__module__ != module.__name__:
                continue
            for field_name, field in form.base_fields.items():
                model_field = _model_field(form, field_name)
                if (
                    isinstance(field, forms.DateField)
                    and model_field is None
                    and validate_plausible_date not in field.validators
                ):
                    unchecked.append(f"{module.__name__}.{name}.{field_name}")
    assert unchecked == []


def _model_field(form, name):
    """The model field behind a ModelForm's field (its validators run in full_clean)."""
    meta = getattr(form, "_meta", None)
    model = getattr(meta, "model", None)
    if model is None or name in form.declared_fields:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:
        return None


@pytest.mark.parametrize(
    "value", ["De Klimop\r\nBcc: iedereen@example.org", "De\x00Klimop", "Tab\there", "A\u2028B"]
)
def test_a_name_with_a_control_character_is_refused(value):
    with pytest.raises(ValidationError) as refused:
        validate_one_line(value)
    assert refused.value.code == "control_characters"


@pytest.mark.parametrize("value", ["De Klimop", "Daan van ’t Hof-Özdemir", "Zoë", "שָׁלוֹם"])
def test_names_people_have_are_accepted(value):
    validate_one_line(value)


@pytest.mark.parametrize(
    "day", [datetime.date(1, 1, 1), datetime.date(9999, 12, 31), datetime.date(1899, 12, 31)]
)
def test_an_implausible_date_is_refused(day):
    with pytest.raises(ValidationError) as refused:
        validate_plausible_date(day)
    assert refused.value.code == "implausible_date"


@pytest.mark.django_db
def test_a_school_name_with_a_line_break_is_refused_where_it_is_entered():
    school = School(name="De Klimop\r\nBcc: iedereen@example.org", brin="12AB", kind="primary")
    with pytest.raises(ValidationError) as refused:
        school.full_clean(exclude=["board"])
    assert "name" in refused.value.error_dict


@pytest.mark.django_db
def test_a_supplier_name_with_a_line_break_gets_a_message_and_nothing_is_stored(world, login):  # noqa: F811
    client = login(world.users["administrator"])
    response = client.post(
        reverse("suppliers:create"),
        supplier_data(world, name="Rekentuin\r\nBcc: iedereen@example.org"),
    )
    assert response.status_code == 200
    assert "Gebruik één regel tekst" in response.content.decode()
    assert not Supplier.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_note_dated_in_year_one_or_9999_gets_a_message_and_nothing_is_stored(world, login, day):  # noqa: F811
    client = login(world.users["teacher"])
    response = client.post(
        reverse("pupils:entry_add", args=[world.pupil.pk, "note"]),
        {
            "kind": "note",
            "written_on": day,
            "title": "Gesprek",
            "body": "Goed.",
            "source": "school",
        },
    )
    assert response.status_code == 200
    assert (
        "Vul een datum in tussen 1 januari 1900 en 31 december 2100" in response.content.decode()
    )
    assert not Note.objects.exists()


@pytest.mark.django_db
def test_a_paper_request_received_in_year_one_gets_a_message_and_nothing_is_stored(world, login):  # noqa: F811
    from requests.models import DataRequest

    client = login(world.users["director"])
    response = client.post(
        reverse("requests:staff_new", args=[world.pupil.pk]),
        {
            "requester": world.users["parent"].pk,
            "kind": "rectification",
            "received_on": "0001-01-01",
            "channel": "paper",
            "identity_check": "in_person",
            "correction_field": f"pupil:{world.pupil.pk}:first_name",
            "correction_value": "Anne-Fleur",
            "submission": uuid.uuid4(),
        },
    )
    assert response.status_code == 200
    assert "Vul een datum in tussen" in response.content.decode()
    assert not DataRequest.objects.exists()
