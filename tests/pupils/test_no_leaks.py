"""BSNs and special-category data never appear where they must not (docs/architecture.md)."""

import logging

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from pupils.models import SpecialRecord
from pupils.tasks import send_invitation
from schoolprivacy.audit_entry import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SECRET_BSN = "111222333"
SECRET_CONTENT = "Epilepsie; noodmedicatie midazolam"


def raw_rows(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (fixed table names)
        return repr(cursor.fetchall())


def test_the_tables_hold_no_plaintext_of_encrypted_fields(world, login):
    login(world.users["administrator"]).post(
        reverse("pupils:edit", args=[world.pupil.pk]),
        {
            "first_name": world.pupil.first_name,
            "last_name": world.pupil.last_name,
            "date_of_birth": world.pupil.date_of_birth.isoformat(),
            "bsn": SECRET_BSN,
            "enrolled_on": world.pupil.enrolled_on.isoformat(),
        },
    )
    SpecialRecord.objects.create(
        pupil=world.pupil, kind="medical", content=SECRET_CONTENT, author=world.users["director"]
    )
    world.pupil.refresh_from_db()
    assert world.pupil.bsn == SECRET_BSN
    assert SECRET_BSN not in raw_rows("pupils_pupil")
    assert SECRET_CONTENT not in raw_rows("pupils_specialrecord")
    assert "Epilepsie" not in raw_rows("pupils_specialrecord")


def test_a_whole_working_session_logs_no_bsn_and_no_special_data(world, login, caplog):
    caplog.set_level(logging.DEBUG)
    admin = login(world.users["administrator"])
    admin.post(
        reverse("pupils:edit", args=[world.pupil.pk]),
        {
            "first_name": world.pupil.first_name,
            "last_name": world.pupil.last_name,
            "date_of_birth": world.pupil.date_of_birth.isoformat(),
            "bsn": SECRET_BSN,
            "enrolled_on": world.pupil.enrolled_on.isoformat(),
        },
    )
    admin.get(reverse("pupils:detail", args=[world.pupil.pk]))
    coordinator = login(world.users["care_coordinator"])
    coordinator.post(
        reverse("pupils:special_add", args=[world.pupil.pk]),
        {"kind": "medical", "content": SECRET_CONTENT, "source": "parent"},
    )
    coordinator.get(reverse("pupils:special", args=[world.pupil.pk]))
    login(world.users["parent"]).get(reverse("portal:child", args=[world.pupil.pk]))
    # A bad BSN goes back to the form, and is not logged either.
    admin.post(reverse("pupils:edit", args=[world.pupil.pk]), {"bsn": "123456789"})

    everything_logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert SECRET_BSN not in everything_logged
    assert "123456789" not in everything_logged
    assert SECRET_CONTENT not in everything_logged
    audit = " ".join(
        f"{e.changes} {e.changes_text} {e.object_repr} {e.additional_data}"
        for e in AuditEntry.objects.all()
    )
    assert SECRET_BSN not in audit
    assert SECRET_CONTENT not in audit


def test_no_url_of_the_dossier_carries_a_bsn(world):
    for name in ("pupils:detail", "pupils:edit", "pupils:special", "portal:child"):
        assert world.pupil.bsn not in reverse(name, args=[world.pupil.pk])


def test_tasks_refuse_a_bsn_as_argument(world):
    with pytest.raises(TypeError, match="ids only"):
        send_invitation.delay(world.pupil.bsn)


def test_the_audit_log_refuses_update_and_delete(world):
    entry = (
        AuditEntry.objects.filter(object_id=world.pupil.pk).first() or AuditEntry.objects.first()
    )
    assert entry is not None
    for statement in (
        "UPDATE auditlog_logentry SET changes_text = 'rewritten' WHERE id = %s",
        "DELETE FROM auditlog_logentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk, changes_text=entry.changes_text).exists()


def test_deleting_an_account_keeps_its_audit_entries(world):
    actor = UserFactory()
    entry = AuditEntry.objects.log_create(
        world.pupil, force_log=True, action=AuditEntry.Action.ACCESS, actor=actor
    )
    actor.delete()
    entry.refresh_from_db()
    assert entry.actor_id is None
    assert entry.action == AuditEntry.Action.ACCESS
