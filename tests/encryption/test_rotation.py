"""Key rotation: re-encrypt everything with the new key, then the old key can go."""

import io
import threading

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings

from schoolprivacy.audit_entry import AuditEntry
from schoolprivacy.encryption import EncryptionError, key_id, token_key_id
from schoolprivacy.services import encryption_rotate

from .helpers import NEW_KEY, overwrite, stored
from .models import Secret

pytestmark = pytest.mark.django_db

OLD_KEY = settings.FIELD_ENCRYPTION_KEYS[0]
NOTES = ["Astma, puffer in de klas", "Slechthorend, FM-apparatuur", "ADHD, medicatie om 12:00"]
#: The configuration during a rotation: the new key first, the old key still there to read.
ROTATING = {"FIELD_ENCRYPTION_KEYS": [NEW_KEY, OLD_KEY]}


@pytest.fixture
def secrets():
    """Three records on the old key; the last has no code (NULL stays NULL)."""
    return [
        Secret.objects.create(note=NOTES[0], code="111111110"),
        Secret.objects.create(note=NOTES[1], code="222222220"),
        Secret.objects.create(note=NOTES[2], code=None),
    ]


def rotate(*args: str) -> str:
    out = io.StringIO()
    call_command("rotate_encryption_keys", *args, stdout=out, stderr=out)
    return out.getvalue()


def key_ids(secrets) -> set[str]:
    return {token_key_id(column) for s in secrets for column in stored(s) if column is not None}


def test_the_rotation_drill(secrets):
    """New key first, rotate, remove the old key: every value still opens."""
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]), pytest.raises(EncryptionError):
        Secret.objects.get(pk=secrets[0].pk).note  # noqa: B018 - not before the rotation

    with override_settings(**ROTATING):
        output = rotate("--batch-size", "2")

    assert key_ids(secrets) == {key_id(NEW_KEY)}
    assert f"Current key: {key_id(NEW_KEY)}" in output
    assert "encryption_tests.Secret.note: 3 re-encrypted, 0 already current" in output
    assert "encryption_tests.Secret.code: 2 re-encrypted, 0 already current" in output
    assert "Every encrypted value uses the current key" in output
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]):
        loaded = Secret.objects.order_by("pk")
        assert [s.note for s in loaded] == NOTES
        assert [s.code for s in loaded] == ["111111110", "222222220", None]


def test_a_dry_run_counts_and_changes_nothing(secrets):
    before = [stored(s) for s in secrets]
    with override_settings(**ROTATING):
        output = rotate("--dry-run")
    assert "dry run" in output
    assert "encryption_tests.Secret.note: 3 to re-encrypt, 0 already current" in output
    assert "encryption_tests.Secret.code: 2 to re-encrypt, 0 already current" in output
    assert [stored(s) for s in secrets] == before


def test_an_interrupted_rotation_resumes_where_it_stopped(secrets):
    with override_settings(**ROTATING):
        first = encryption_rotate(batch_size=1, max_batches=1)
        ours = [f for f in first.fields if f.model == "encryption_tests.Secret"]
        assert [(f.field, f.reencrypted, f.remaining) for f in ours] == [
            ("note", 1, 2),
            ("code", 1, 1),
        ]
        assert not first.complete
        done = stored(secrets[0])
        output = rotate("--batch-size", "1")
    assert "encryption_tests.Secret.note: 2 re-encrypted, 1 already current" in output
    assert "encryption_tests.Secret.code: 1 re-encrypted, 1 already current" in output
    assert stored(secrets[0]) == done  # the rotated row was not touched again
    assert key_ids(secrets) == {key_id(NEW_KEY)}


def test_a_crash_keeps_the_batches_that_were_done(secrets, monkeypatch):
    save = Secret.save

    def crash_on_the_second_row(self, *args, **kwargs):
        if self.pk == secrets[1].pk:
            raise RuntimeError("power cut")
        save(self, *args, **kwargs)

    with override_settings(**ROTATING):
        monkeypatch.setattr(Secret, "save", crash_on_the_second_row)
        with pytest.raises(RuntimeError):
            encryption_rotate(batch_size=1)
        assert token_key_id(stored(secrets[0])[0]) == key_id(NEW_KEY)
        assert token_key_id(stored(secrets[1])[0]) == key_id(OLD_KEY)
        monkeypatch.undo()
        report = encryption_rotate(batch_size=1)
    assert report.complete
    assert key_ids(secrets) == {key_id(NEW_KEY)}


def test_a_second_run_has_nothing_to_do(secrets):
    with override_settings(**ROTATING):
        rotate()
        before = [stored(s) for s in secrets]
        output = rotate()
    assert "encryption_tests.Secret.note: 0 re-encrypted, 3 already current" in output
    assert [stored(s) for s in secrets] == before


def test_re_encryption_writes_no_audit_rows(secrets):
    entries = AuditEntry.objects.count()
    with override_settings(**ROTATING):
        rotate()
    assert key_ids(secrets) == {key_id(NEW_KEY)}
    assert AuditEntry.objects.count() == entries


def test_the_report_shows_no_plaintext(secrets):
    with override_settings(**ROTATING):
        output = rotate() + rotate("--dry-run")
    assert not any(note in output for note in NOTES)


def test_an_unreadable_value_is_reported_and_the_rest_is_rotated(secrets):
    note, _ = stored(secrets[1])
    overwrite(secrets[1], note=note[:-6] + ("AAAAAA" if not note.endswith("AAAAAA") else "BBBBBB"))
    with (
        override_settings(**ROTATING),
        pytest.raises(CommandError, match="could not be decrypted"),
    ):
        rotate()
    assert token_key_id(stored(secrets[1])[0]) == key_id(OLD_KEY)  # kept as it was
    assert token_key_id(stored(secrets[1])[1]) == key_id(NEW_KEY)  # its readable code moved on
    assert key_ids([secrets[0], secrets[2]]) == {key_id(NEW_KEY)}


def test_the_batch_size_must_be_positive():
    with pytest.raises(CommandError, match="batch-size"):
        rotate("--batch-size", "0")


@pytest.mark.django_db(transaction=True)
def test_rows_in_use_are_skipped_and_reported_for_a_next_run():
    secrets = [Secret.objects.create(note=note) for note in NOTES]
    locked, release = threading.Event(), threading.Event()

    def hold_a_lock():
        try:
            with transaction.atomic():
                Secret.objects.select_for_update().get(pk=secrets[1].pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_a_lock)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        with override_settings(**ROTATING):
            output = rotate("--batch-size", "1")
    finally:
        release.set()
        holder.join()
    assert "2 re-encrypted, 0 already current, 1 still on an older key" in output
    assert "Run the command again" in output
    with override_settings(**ROTATING):
        assert "1 re-encrypted, 2 already current" in rotate()
    assert key_ids(secrets) == {key_id(NEW_KEY)}
