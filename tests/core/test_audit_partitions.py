"""The audit log by month (schoolprivacy/audit_partitions.py, migration 0016) and its
retention policy (requests/services/audit_retention.py)."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from pupils.models import Agreement, Pupil
from requests.services import audit_retention, retention_sweep
from schoolprivacy import audit_partitions
from schoolprivacy.audit_entry import AuditEntry
from schoolprivacy.audit_partitions import Month
from schoolprivacy.tasks import make_audit_partitions
from tests.factories import PupilFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 5)
LONG_AGO = Month(2020, 6)  # ended more than five years before TODAY
RECENT = Month(2022, 3)  # less than five years


@pytest.fixture(autouse=True)
def _constraints_checked_at_once():
    """The test's transaction checks foreign keys at each statement: PostgreSQL drops no
    partition with checks still pending, and the sweep drops months in a transaction of
    its own, where none are."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _partition_of(entry_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM auditlog_logentry WHERE id = %s", [entry_id]
        )
        return cursor.fetchone()[0]


def _at(month: Month) -> datetime.datetime:
    return datetime.datetime(month.year, month.month, 14, 10, tzinfo=datetime.UTC)


def _look(obj, month: Month, **extra) -> AuditEntry:
    extra.setdefault("timestamp", _at(month))
    return AuditEntry.objects.log_create(
        obj,
        force_log=True,
        action=AuditEntry.Action.ACCESS,
        changes={"viewed": ["dossier", ""]},
        **extra,
    )


def _agreement(pupil: Pupil) -> Agreement:
    return Agreement.objects.create(
        pupil=pupil,
        author=UserFactory(),
        agreed_on=datetime.date(2020, 6, 1),
        agreement="Extra tijd bij toetsen",
    )


def _months_kept() -> set[Month]:
    return set(audit_partitions.existing())


def test_the_log_is_partitioned_by_month_with_a_64_bit_id():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT partstrat FROM pg_partitioned_table "
            "WHERE partrelid = 'auditlog_logentry'::regclass"
        )
        assert cursor.fetchone() == ("r",)
        cursor.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'auditlog_logentry' AND column_name = 'id'"
        )
        assert cursor.fetchone() == ("bigint",)
    entry = _look(UserFactory(), Month.of(timezone.now().date()), timestamp=timezone.now())
    assert (
        _partition_of(entry.pk) == Month.of(timezone.now().astimezone(datetime.UTC).date()).table
    )


def test_an_entry_of_a_month_without_its_partition_is_still_written_in_the_default_one():
    entry = _look(UserFactory(), Month(2091, 1))
    assert _partition_of(entry.pk) == audit_partitions.DEFAULT
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_months_ahead_are_made_once_and_a_second_run_makes_none():
    today = timezone.localdate()
    made = make_audit_partitions()
    month = Month.of(today)
    expected = [month]
    for _ in range(audit_partitions.MONTHS_AHEAD):
        month = month.next()
        expected.append(month)
    assert set(expected) <= _months_kept()
    assert made == 0  # the migration already made them
    audit_partitions.drop(expected[-1])
    assert make_audit_partitions() == 1
    assert expected[-1] in _months_kept()


def test_a_month_whose_entries_wait_in_the_default_partition_is_not_made_and_nothing_is_lost():
    month = Month(2090, 2)
    entry = _look(UserFactory(), month)
    assert audit_partitions.create([month]) == []
    assert month not in _months_kept()
    assert _partition_of(entry.pk) == audit_partitions.DEFAULT


def test_every_partition_is_append_only_those_made_later_too():
    audit_partitions.create([LONG_AGO])
    entry = _look(UserFactory(), LONG_AGO)
    for statement in (
        f"DELETE FROM {LONG_AGO.table} WHERE id = %s",  # noqa: S608 (a partition's name)
        f"UPDATE {LONG_AGO.table} SET object_repr = 'iets anders' WHERE id = %s",  # noqa: S608
        "DELETE FROM auditlog_logentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).object_repr == entry.object_repr


def _anonymised(pupil: Pupil) -> Pupil:
    Pupil.objects.filter(pk=pupil.pk).update(anonymised_at=timezone.now())
    return pupil


def test_a_month_past_five_years_about_pupils_no_longer_on_file_is_dropped_whole():
    audit_partitions.create([LONG_AGO, RECENT])
    gone = _anonymised(PupilFactory())
    old = [_look(gone, LONG_AGO), _look(UserFactory(), LONG_AGO)]
    recent = _look(UserFactory(), RECENT)
    dropped = audit_retention.audit_log_prune(TODAY)
    assert dropped == [LONG_AGO]
    assert LONG_AGO not in _months_kept()
    assert not AuditEntry.objects.filter(pk__in=[e.pk for e in old]).exists()
    # a month of less than five years stays, whatever it is about
    assert RECENT in _months_kept()
    assert AuditEntry.objects.filter(pk=recent.pk).exists()


@pytest.mark.parametrize("describes", ["the pupil", "names the pupil", "a row of the pupil"])
def test_a_month_that_describes_a_pupil_on_file_is_kept_and_so_are_the_months_after(describes):
    later = LONG_AGO.next()
    audit_partitions.create([LONG_AGO, later])
    pupil = PupilFactory()  # still on file
    if describes == "the pupil":
        entry = _look(pupil, LONG_AGO)
    elif describes == "names the pupil":
        entry = _look(UserFactory(), LONG_AGO, additional_data={"pupil_id": pupil.pk})
    else:
        entry = _look(_agreement(pupil), LONG_AGO, additional_data=None)
    _look(UserFactory(), later)
    assert audit_retention.audit_log_prune(TODAY) == []
    assert {LONG_AGO, later} <= _months_kept()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    # once the pupil's file is anonymised, both months go on the next night
    _anonymised(pupil)
    assert audit_retention.audit_log_prune(TODAY) == [LONG_AGO, later]


def test_the_retention_sweep_drops_the_months_past_the_policy_when_its_pupils_are_done():
    audit_partitions.create([LONG_AGO])
    entry = _look(_anonymised(PupilFactory()), LONG_AGO)
    retention_sweep(today=TODAY)
    assert LONG_AGO not in _months_kept()
    assert not AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_sweep_that_stops_for_time_leaves_the_log_alone():
    audit_partitions.create([LONG_AGO])
    _look(_anonymised(PupilFactory()), LONG_AGO)
    for _ in range(2):
        leaver = PupilFactory(
            enrolled_on=datetime.date(2012, 8, 20), left_on=datetime.date(2019, 7, 1)
        )
        _agreement(leaver)
    sweep = retention_sweep(today=TODAY, seconds=0)
    assert sweep.resume_after is not None
    assert LONG_AGO in _months_kept()
