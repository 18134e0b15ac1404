"""Encrypted model fields: plaintext in Python, bound ciphertext in the database."""

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.core.exceptions import FieldError, ValidationError
from django.db import transaction
from django.test import override_settings

from schoolprivacy.encryption import EncryptionError, current_key_id, decrypt
from schoolprivacy.fields import Ciphertext

from .helpers import NEW_KEY, overwrite, stored
from .models import Secret

pytestmark = pytest.mark.django_db

NOTE = "Diabetes type 1; insuline om 10:00, bij hypo dextro geven"
CODE = "123456782"


@pytest.fixture
def secret():
    return Secret.objects.create(label="a", note=NOTE, code=CODE)


def test_the_database_holds_no_plaintext(secret):
    note, code = stored(secret)
    for column, plaintext in ((note, NOTE), (code, CODE)):
        assert column.startswith(f"v1.{current_key_id()}.")
        assert plaintext not in column
        assert plaintext[len(plaintext) // 2 :] not in column


def test_a_loaded_record_shows_its_plaintext(secret):
    loaded = Secret.objects.get(pk=secret.pk)
    assert loaded.note == NOTE
    assert loaded.code == CODE
    assert secret.note == NOTE  # the saved instance keeps its plaintext too


def test_values_queries_return_the_ciphertext(secret):
    row = Secret.objects.values("note", "code").get(pk=secret.pk)
    assert isinstance(row["note"], Ciphertext)
    assert (row["note"], row["code"]) == stored(secret)
    assert NOTE not in row["note"]


def test_saving_an_unchanged_value_keeps_its_ciphertext(secret):
    before = stored(secret)
    loaded = Secret.objects.get(pk=secret.pk)
    loaded.label = "b"
    loaded.save()
    assert stored(secret) == before
    assert loaded.note == NOTE
    loaded.save()  # also after the value was read
    assert stored(secret) == before
    secret.save()  # and for the instance that created the row
    assert stored(secret) == before


def test_a_changed_value_is_encrypted_afresh(secret):
    before_note, before_code = stored(secret)
    loaded = Secret.objects.get(pk=secret.pk)
    loaded.note = "Geen bijzonderheden"
    loaded.save()
    note, code = stored(secret)
    assert note != before_note and code == before_code
    assert Secret.objects.get(pk=secret.pk).note == "Geen bijzonderheden"


def test_none_is_null_and_an_empty_text_is_allowed():
    secret = Secret.objects.create(note="", code=None)
    note, code = stored(secret)
    assert code is None
    assert note.startswith("v1.")
    loaded = Secret.objects.get(pk=secret.pk)
    assert (loaded.note, loaded.code) == ("", None)
    assert Secret.objects.filter(code__isnull=True).get() == secret
    assert Secret.objects.filter(code=None).get() == secret


def test_a_deferred_field_is_loaded_and_decrypted_on_access(secret):
    before = stored(secret)
    loaded = Secret.objects.defer("note").get(pk=secret.pk)
    assert loaded.get_deferred_fields() == {"note"}
    assert loaded.note == NOTE
    loaded.save()
    assert stored(secret) == before


def test_refresh_from_db_shows_the_stored_plaintext(secret):
    other = Secret.objects.get(pk=secret.pk)
    other.note = "Bijgewerkt"
    other.save()
    secret.refresh_from_db()
    assert secret.note == "Bijgewerkt"


def test_bulk_create_binds_each_value_to_its_own_row():
    created = Secret.objects.bulk_create([Secret(note="een"), Secret(note="twee")])
    assert [Secret.objects.get(pk=s.pk).note for s in created] == ["een", "twee"]


def test_a_tampered_ciphertext_is_refused_on_access(secret):
    note, _ = stored(secret)
    index = len(note) - 10
    overwrite(secret, note=note[:index] + ("A" if note[index] != "A" else "B") + note[index + 1 :])
    loaded = Secret.objects.get(pk=secret.pk)
    assert loaded.code == CODE
    with pytest.raises(EncryptionError):
        loaded.note  # noqa: B018


def test_a_ciphertext_copied_to_another_row_is_refused(secret):
    other = Secret.objects.create(label="b", note="Andere leerling", code="111222333")
    note, code = stored(secret)
    overwrite(other, note=note, code=code)
    loaded = Secret.objects.get(pk=other.pk)
    with pytest.raises(EncryptionError):
        loaded.note  # noqa: B018
    with pytest.raises(EncryptionError):
        loaded.code  # noqa: B018


def test_a_ciphertext_copied_to_the_other_column_is_refused(secret):
    note, code = stored(secret)
    overwrite(secret, note=code, code=note)
    loaded = Secret.objects.get(pk=secret.pk)
    with pytest.raises(EncryptionError):
        loaded.note  # noqa: B018
    with pytest.raises(EncryptionError):
        loaded.code  # noqa: B018


def test_a_copied_ciphertext_is_not_saved_over_another_row(secret):
    """Assigning a token read with values() is no shortcut around the row binding."""
    other = Secret.objects.create(note="Andere leerling")
    before = stored(other)
    other.note = Secret.objects.values_list("note", flat=True).get(pk=secret.pk)
    with pytest.raises(EncryptionError):
        other.save()
    assert stored(other) == before


def test_a_value_sealed_with_an_unknown_key_is_refused():
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]):
        secret = Secret.objects.create(note=NOTE)
    loaded = Secret.objects.get(pk=secret.pk)
    with pytest.raises(EncryptionError, match="not in FIELD_ENCRYPTION_KEYS"):
        loaded.note  # noqa: B018


def test_the_stored_token_is_bound_to_table_column_and_uid(secret):
    note, code = stored(secret)
    assert decrypt(note, context=f"encryption_tests_secret.note.{secret.uid}") == NOTE
    assert decrypt(code, context=f"encryption_tests_secret.code.{secret.uid}") == CODE


def test_max_length_applies_to_the_plaintext():
    secret = Secret(note="x", code="1234567890")
    with pytest.raises(ValidationError) as error:
        secret.full_clean()
    assert set(error.value.message_dict) == {"code"}
    Secret(note="x", code="123456782").full_clean()  # nine characters: fine


def test_the_form_fields_are_for_plaintext():
    code = Secret._meta.get_field("code").formfield()
    note = Secret._meta.get_field("note").formfield()
    assert isinstance(code, forms.CharField) and code.max_length == 9
    assert isinstance(code.widget, forms.TextInput) and code.empty_value is None
    assert isinstance(note.widget, forms.Textarea)
    in_admin = ModelAdmin(Secret, admin.site).formfield_for_dbfield(
        Secret._meta.get_field("code"), request=None
    )
    assert not isinstance(in_admin.widget, forms.Textarea)


@pytest.mark.parametrize(
    "lookup",
    [
        {"note": NOTE},
        {"note__exact": NOTE},
        {"note__iexact": NOTE},
        {"note__icontains": "insuline"},
        {"code__startswith": "123"},
        {"code__in": [CODE]},
        {"note__lower__contains": "x"},
    ],
)
def test_encrypted_fields_cannot_be_searched(secret, lookup):
    with pytest.raises(FieldError, match="blind index"):
        Secret.objects.filter(**lookup)


def test_queryset_updates_are_refused_rather_than_writing_plaintext(secret):
    before = stored(secret)
    with pytest.raises(FieldError, match=r"Model\.save\(\)"), transaction.atomic():
        Secret.objects.filter(pk=secret.pk).update(note="plaintext")
    secret.note = "ook niet"
    with pytest.raises(FieldError), transaction.atomic():
        Secret.objects.bulk_update([secret], ["note"])
    assert stored(secret) == before
