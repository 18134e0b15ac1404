"""Audit entries written by schoolprivacy.audit are the rows django-auditlog would write.

write_entry puts an entry in with one INSERT instead of building a LogEntry through
the ORM; the entry must hold the same values as LogEntry.objects.log_create's, for an
actor given and for the actor of auditlog's request context.
"""

import datetime

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from schoolprivacy import audit
from tests.factories import PupilFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db

COMPARED = [name for name in audit.ENTRY_FIELDS if name != "timestamp"]


def _row(entry: LogEntry) -> dict:
    """The entry as the database holds it (SQL NULL and JSON null told apart)."""
    entry.refresh_from_db()
    row = {name: getattr(entry, name) for name in COMPARED}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT additional_data IS NULL, changes IS NULL FROM auditlog_logentry WHERE id = %s",
            [entry.pk],
        )
        row["nulls"] = cursor.fetchone()
    return row


def _both(pupil, **kwargs) -> tuple[dict, dict]:
    """The newest entry of each way, written with the same arguments."""
    changes = {"viewed": ["dossier", ""]}
    theirs = LogEntry.objects.log_create(
        pupil, force_log=True, action=LogEntry.Action.ACCESS, changes=changes, **kwargs
    )
    audit.write_entry(pupil, action=LogEntry.Action.ACCESS, changes=changes, **kwargs)
    ours = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).order_by("-pk").first()
    assert ours.pk != theirs.pk
    return _row(theirs), _row(ours)


def test_an_entry_with_its_actor_given_is_the_row_auditlog_writes():
    pupil, teacher = PupilFactory(), UserFactory()
    theirs, ours = _both(pupil, actor=teacher)
    assert ours == theirs
    assert ours["actor"] == teacher and ours["additional_data"] == {"pupil_id": pupil.pk}


def test_an_entry_without_additional_data_leaves_it_null_as_auditlog_does():
    school = SchoolFactory()
    theirs, ours = _both(school, actor=UserFactory())
    assert ours == theirs and ours["nulls"] == (True, False)


def test_an_entry_with_the_actor_of_the_request_is_the_row_auditlog_writes():
    pupil, director = PupilFactory(), UserFactory()
    with set_actor(director, remote_addr="192.0.2.7", remote_port=50123):
        theirs, ours = _both(pupil)
    assert ours == theirs
    assert ours["actor"] == director and ours["actor_email"] == director.email
    assert (ours["remote_addr"], ours["remote_port"]) == ("192.0.2.7", 50123)


def test_an_empty_address_from_a_proxy_is_no_address_as_auditlog_stores_it():
    pupil, director = PupilFactory(), UserFactory()
    with set_actor(director, remote_addr="", remote_port=None):
        theirs, ours = _both(pupil)
    assert ours == theirs and ours["remote_addr"] is None


def test_an_audited_save_locks_the_row_it_diffs_against_and_logs_from_it():
    pupil = PupilFactory(first_name="Anna")
    stale = type(pupil).objects.get(pk=pupil.pk)
    type(pupil).objects.filter(pk=pupil.pk).update(first_name="Anne")  # changed elsewhere
    stale.first_name = "Lotte"
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        stale.save(update_fields=["first_name"])
    read = next(q["sql"] for q in captured if q["sql"].startswith("SELECT"))
    assert read.endswith("FOR UPDATE")
    entry = LogEntry.objects.get_for_object(pupil).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.changes == {"first_name": ["Anne", "Lotte"]}
    assert entry.additional_data == {"pupil_id": pupil.pk}


def _created_by_save_and_by_bulk(make) -> tuple[dict, dict]:
    """The CREATE entry auditlog writes for a saved row, and write_created's for the same
    values written with bulk_create."""
    saved, bulk = make(), make()
    saved.save()
    bulk.__class__.objects.bulk_create([bulk])
    audit.write_created([bulk])
    theirs = LogEntry.objects.get_for_object(saved).get(action=LogEntry.Action.CREATE)
    ours = LogEntry.objects.get_for_object(bulk).get(action=LogEntry.Action.CREATE)
    theirs, ours = _row(theirs), _row(ours)
    # A save's entry also names the reverse relations ("pupils.GroupPlacement.None"), which
    # say nothing about a new row; the bulk entry holds the row's own columns.
    columns = {f.name for f in type(saved)._meta.concrete_fields}
    theirs["changes"] = {k: v for k, v in theirs["changes"].items() if k in columns}
    for row, instance in ((theirs, saved), (ours, bulk)):
        # The rows differ in their keys only (and a new pupil's random uid).
        assert row.pop("object_pk") == str(instance.pk) == str(row.pop("object_id"))
        assert row.pop("additional_data") in (None, {"pupil_id": instance.pk})
        row.pop("object_repr")
        row["changes"].pop("id")
        row["changes"].pop("uid", None)
    return theirs, ours


def test_an_entry_for_rows_written_together_is_the_entry_auditlog_writes_for_a_save():
    from pupils.models import Pupil

    school, director = SchoolFactory(), UserFactory()

    def pupil():
        return Pupil(
            school=school,
            board=school.board,
            first_name="Noor",
            name_prefix="van",
            last_name="Dijk",
            date_of_birth=datetime.date(2018, 5, 4),
            gender="f",
            bsn="111222333",
            enrolled_on=datetime.date(2024, 8, 19),
        )

    with set_actor(director, remote_addr="192.0.2.9"):
        theirs, ours = _created_by_save_and_by_bulk(pupil)
    assert ours == theirs
    # The encrypted BSN is masked whole; a field left empty is not in the entry.
    assert ours["changes"]["bsn"] == [audit.MASK, audit.MASK]
    assert ours["changes"]["first_name"] == ["None", "Noor"]
    assert "left_on" not in ours["changes"]
    assert ours["actor"] == director


def test_rows_written_together_get_one_entry_each_in_one_statement():
    users = [UserFactory.build() for _ in range(5)]
    from schoolprivacy.models import User

    User.objects.bulk_create(users)
    with CaptureQueriesContext(connection) as captured:
        assert audit.write_created(users) == 5
    assert len(captured) <= 2  # the content type (cached after once) and the COPY
    for user in users:
        entry = LogEntry.objects.get_for_object(user).get()
        assert entry.changes["email"] == ["None", user.email]
        assert "password" not in entry.changes
