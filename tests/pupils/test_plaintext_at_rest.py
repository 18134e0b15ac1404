"""Health facts staff type where the form does not look medical: the break-glass reason and
a special record's source. Encrypted at rest, masked in the audit log, never mailed."""

import pytest
from django.core import mail
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from pupils import services
from pupils.models import EmergencyAccess, Source, SpecialRecord
from schoolprivacy.audit import MASK
from schoolprivacy.audit_entry import AuditEntry

pytestmark = pytest.mark.django_db

REASON = "Epileptische aanval op het schoolplein, BSN 123456782"
SOURCE = "Landelijk Werkverband Onderwijs en Epilepsie"


def stored(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def logged_changes(obj) -> list[dict]:
    return [
        entry.changes
        for entry in AuditEntry.objects.get_for_object(obj).exclude(
            action=AuditEntry.Action.ACCESS
        )
    ]


@pytest.fixture
def emergency(world):
    access = services.emergency_access_open(
        pupil=world.pupil, reason=REASON, acting_user=world.users["teacher_other_group"]
    )
    return EmergencyAccess.objects.get(pk=access.pk)


def test_the_break_glass_reason_is_encrypted_and_masked_in_the_log(emergency):
    assert emergency.reason == REASON
    raw = stored("pupils_emergencyaccess", "reason", emergency.pk)
    assert "aanval" not in raw and "123456782" not in raw
    changes = logged_changes(emergency)
    assert changes and all(c["reason"] == [MASK, MASK] for c in changes if "reason" in c)
    assert REASON not in str(changes)


def test_the_directors_mail_says_it_happened_and_links_to_it_without_the_reason(world, emergency):
    services.emergency_access_report(access_id=emergency.pk)
    assert mail.outbox
    for message in mail.outbox:
        assert "aanval" not in message.body and "123456782" not in message.body
        assert world.pupil.first_name not in message.body  # nothing about the child
        assert reverse("pupils:history", args=[world.pupil.pk]) + "#emergency" in message.body
        assert emergency.user.full_name in message.body


def test_the_director_reads_the_reason_where_the_mail_links(world, login, emergency):
    page = login(world.users["director"]).get(reverse("pupils:history", args=[world.pupil.pk]))
    assert page.status_code == 200
    assert REASON in page.content.decode()
    # A teacher who may not see the history does not get there.
    denied = login(world.users["teacher"]).get(reverse("pupils:history", args=[world.pupil.pk]))
    assert denied.status_code == 404


def test_a_special_records_source_is_encrypted_and_masked_in_the_log(world):
    record = services.special_record_add(
        pupil=world.pupil,
        kind=SpecialRecord.Kind.MEDICAL,
        content="Epilepsie met absences sinds groep 3",
        source=Source.CARE_PARTNER,
        source_detail=SOURCE,
        acting_user=world.users["care_coordinator"],
    )
    assert SpecialRecord.objects.get(pk=record.pk).source_detail == SOURCE
    assert "Epilepsie" not in stored("pupils_specialrecord", "source_detail", record.pk)
    assert SOURCE not in str(logged_changes(record))


def test_the_audit_log_lets_one_value_be_masked_and_nothing_else(emergency):
    entry = AuditEntry.objects.get_for_object(emergency).exclude(action=AuditEntry.Action.ACCESS)[
        0
    ]
    field = next(key for key in entry.changes if key != "reason")
    mask = f'["{MASK}", "{MASK}"]'
    refused = (
        # a value that was not there
        ('jsonb_set(changes, %s, \'["a", "b"]\'::jsonb)', [[field]]),
        # a field taken out
        ("changes - %s", [field]),
        # a field added
        ("changes || jsonb_build_object('extra', %s::jsonb)", [mask]),
    )
    for expression, params in refused:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL schoolprivacy.audit_scrub = 'on'")
            cursor.execute(
                f"UPDATE auditlog_logentry SET changes = {expression} WHERE id = %s",  # noqa: S608
                [*params, entry.pk],
            )
    assert AuditEntry.objects.get(pk=entry.pk).changes == entry.changes
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL schoolprivacy.audit_scrub = 'on'")
        cursor.execute(
            "UPDATE auditlog_logentry SET changes = jsonb_set(changes, %s, %s::jsonb) "
            "WHERE id = %s",
            [[field], mask, entry.pk],
        )
    after = AuditEntry.objects.get(pk=entry.pk).changes
    assert after[field] == [MASK, MASK]
    assert {k: v for k, v in after.items() if k != field} == {
        k: v for k, v in entry.changes.items() if k != field
    }
