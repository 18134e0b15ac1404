"""System checks: an encrypted field needs a row uid to bind to, and the keys must be usable."""

import uuid

from django.conf import settings
from django.core import checks
from django.db import models
from django.test import override_settings
from django.test.utils import isolate_apps

from schoolprivacy.checks import check_encryption_keys
from schoolprivacy.fields import EncryptedCharField, EncryptedTextField

from .helpers import NEW_KEY


def ids(messages) -> set[str]:
    return {message.id for message in messages}


def test_the_project_passes_the_checks():
    errors = checks.run_checks(include_deployment_checks=False)
    assert [e for e in errors if e.id.startswith("encryption.")] == []


@isolate_apps("tests.encryption")
def test_a_model_without_a_uid_is_an_error():
    class NoUid(models.Model):  # noqa: DJ008
        note = EncryptedTextField("note")

        class Meta:
            app_label = "encryption_tests"

    (error,) = NoUid.check()
    assert error.id == "encryption.E001"
    assert "encryption_tests.NoUid" in error.msg and "'uid'" in error.msg


@isolate_apps("tests.encryption")
def test_bind_to_names_another_uuid_field():
    class OwnName(models.Model):  # noqa: DJ008
        public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
        note = EncryptedTextField("note", bind_to="public_id")

        class Meta:
            app_label = "encryption_tests"

    assert OwnName.check() == []
    assert OwnName._meta.get_field("note").deconstruct()[3]["bind_to"] == "public_id"


@isolate_apps("tests.encryption")
def test_a_uid_that_is_not_a_unique_uuid_is_an_error():
    class NotUnique(models.Model):  # noqa: DJ008
        uid = models.UUIDField(default=uuid.uuid4)
        note = EncryptedTextField("note")

        class Meta:
            app_label = "encryption_tests"

    class NotUuid(models.Model):  # noqa: DJ008
        uid = models.CharField(max_length=36, unique=True)
        note = EncryptedTextField("note")

        class Meta:
            app_label = "encryption_tests"

    assert ids(NotUnique.check()) == {"encryption.E002"}
    assert ids(NotUuid.check()) == {"encryption.E002"}


@isolate_apps("tests.encryption")
def test_encrypted_fields_cannot_be_unique_indexed_or_have_a_database_default():
    class Misused(models.Model):  # noqa: DJ008
        uid = models.UUIDField(default=uuid.uuid4, unique=True)
        unique = EncryptedTextField("unique", unique=True)
        indexed = EncryptedTextField("indexed", db_index=True)
        db_default = EncryptedTextField("db default", db_default="x")
        no_length = EncryptedCharField("no length")

        class Meta:
            app_label = "encryption_tests"

    by_field = {(e.obj.name, e.id) for e in Misused.check()}
    assert by_field == {
        ("unique", "encryption.E003"),
        ("indexed", "encryption.E003"),
        ("db_default", "encryption.E004"),
        ("no_length", "encryption.E005"),
    }


def test_the_configured_keys_pass():
    assert check_encryption_keys() == []


def test_missing_malformed_or_duplicate_keys_are_errors():
    with override_settings(FIELD_ENCRYPTION_KEYS=[]):
        assert ids(check_encryption_keys()) == {"encryption.E010"}
    with override_settings(FIELD_ENCRYPTION_KEYS=[b"too short"]):
        assert ids(check_encryption_keys()) == {"encryption.E011"}
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY, NEW_KEY]):
        assert ids(check_encryption_keys()) == {"encryption.E012"}


def test_the_blind_index_key_must_be_its_own():
    with override_settings(BSN_HMAC_KEY=settings.FIELD_ENCRYPTION_KEYS[1]):
        assert ids(check_encryption_keys()) == {"encryption.E014"}
    with override_settings(BSN_HMAC_KEY=b""):
        assert ids(check_encryption_keys()) == {"encryption.E013"}
