"""The audit log records that an encrypted field changed, never any part of its value."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from schoolprivacy.audit import MASK, mask_completely
from schoolprivacy.audit_entry import AuditEntry

from .models import Secret

pytestmark = pytest.mark.django_db

NOTE = "Allergie voor pinda's, EpiPen in de tas van de leerkracht"
CODE = "123456782"


def no_part_of(plaintexts: list[str], text: str) -> bool:
    """No plaintext, nor its first or second half, nor any 6 characters of it appear in text."""
    for plaintext in plaintexts:
        pieces = {plaintext, plaintext[: len(plaintext) // 2], plaintext[len(plaintext) // 2 :]}
        pieces |= {plaintext[i : i + 6] for i in range(len(plaintext) - 5)}
        if any(piece and piece in text for piece in pieces):
            return False
    return True


def logged_text(secret: Secret) -> str:
    """Everything the audit table holds for *secret*, as the database returns it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT changes::text, changes_text, object_repr, "
            "coalesce(serialized_data::text, ''), coalesce(additional_data::text, '') "
            "FROM auditlog_logentry WHERE object_pk = %s AND content_type_id = %s",
            [str(secret.pk), AuditEntry.objects.get_for_object(secret).first().content_type_id],
        )
        return json.dumps(cursor.fetchall(), ensure_ascii=False)


def test_the_mask_is_the_same_whatever_the_value():
    assert {mask_completely(v) for v in ("", "1", CODE, NOTE, "None", "x" * 1000)} == {MASK}


def test_creating_a_record_is_logged_without_its_secrets():
    secret = Secret.objects.create(label="a", note=NOTE, code=CODE)
    entry = AuditEntry.objects.get_for_object(secret).get()
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.changes["note"] == [MASK, MASK]
    assert entry.changes["code"] == [MASK, MASK]
    assert entry.changes["label"] == ["None", "a"]
    assert no_part_of([NOTE, CODE], logged_text(secret))


def test_changing_a_secret_is_logged_as_changed_without_old_or_new_value():
    secret = Secret.objects.create(note=NOTE, code=CODE)
    loaded = Secret.objects.get(pk=secret.pk)
    loaded.note = "Geen allergieën meer bekend"
    loaded.code = "111222333"
    loaded.save()
    update = AuditEntry.objects.get_for_object(secret).get(action=AuditEntry.Action.UPDATE)
    assert update.changes == {"note": [MASK, MASK], "code": [MASK, MASK]}
    assert no_part_of(
        [NOTE, CODE, "Geen allergieën meer bekend", "111222333"], logged_text(secret)
    )


def test_saving_without_changing_a_secret_does_not_mention_it():
    secret = Secret.objects.create(label="a", note=NOTE, code=CODE)
    loaded = Secret.objects.get(pk=secret.pk)
    loaded.note = NOTE  # the same text again
    loaded.label = "b"
    loaded.save()
    update = AuditEntry.objects.get_for_object(secret).get(action=AuditEntry.Action.UPDATE)
    assert update.changes == {"label": ["a", "b"]}


def test_deleting_a_record_is_logged_without_its_secrets():
    secret = Secret.objects.create(note=NOTE, code=CODE)
    pk = secret.pk
    Secret.objects.get(pk=pk).delete()
    entry = AuditEntry.objects.get(object_pk=str(pk), action=AuditEntry.Action.DELETE)
    assert entry.changes["note"] == [MASK, MASK]
    assert no_part_of([NOTE, CODE], json.dumps(entry.changes, ensure_ascii=False))


def test_a_save_of_some_fields_diffs_them_against_the_stored_row_and_reads_no_other():
    secret = Secret.objects.create(label="a", note=NOTE, code=CODE)
    stale = Secret.objects.get(pk=secret.pk)
    Secret.objects.filter(pk=secret.pk).update(label="b")  # changed elsewhere meanwhile
    stale.label = "c"
    with CaptureQueriesContext(connection) as captured:
        stale.save(update_fields=["label"])
    read = next(q["sql"] for q in captured if q["sql"].startswith("SELECT"))
    assert '"note"' not in read and '"code"' not in read  # nothing decrypted to diff a label
    entry = AuditEntry.objects.get_for_object(secret).filter(action=AuditEntry.Action.UPDATE).get()
    assert entry.changes == {"label": ["b", "c"]}  # from what the database held, not "a"
