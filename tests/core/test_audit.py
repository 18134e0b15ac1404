"""Audit entries written by schoolprivacy.audit are the rows django-auditlog would write.

AuditEntry.objects.log_create puts an entry in with one INSERT instead of building it
through the ORM as django-auditlog's log_create does; the entry must hold the same values
as auditlog's, for an actor given and for the actor of auditlog's request context. The
project's registry is made with auditlog's options and its signals, not by changing
auditlog's own.
"""

import datetime

import pytest
from auditlog import get_logentry_model
from auditlog.context import set_actor
from auditlog.models import LogEntryManager
from auditlog.receivers import log_update as auditlogs_log_update
from auditlog.registry import auditlog as auditlogs_registry
from auditlog.signals import post_log, pre_log
from django.db import connection, transaction
from django.db.models.signals import pre_save
from django.test.utils import CaptureQueriesContext

from schoolprivacy import audit
from schoolprivacy.audit_entry import COLUMNS, AuditEntry
from tests.factories import PupilFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db

COMPARED = [name for name in COLUMNS if name != "timestamp"]


def _row(entry: AuditEntry) -> dict:
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
    """The entry of django-auditlog's log_create (through the ORM) and of the project's,
    written with the same arguments."""
    changes = {"viewed": ["dossier", ""]}
    arguments = dict(force_log=True, action=AuditEntry.Action.ACCESS, changes=changes, **kwargs)
    theirs = LogEntryManager.log_create(AuditEntry.objects, pupil, **arguments)
    ours = AuditEntry.objects.log_create(pupil, **arguments)
    assert ours.pk != theirs.pk
    assert ours.pk == AuditEntry.objects.filter(action=AuditEntry.Action.ACCESS).latest("pk").pk
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
    entry = AuditEntry.objects.get_for_object(pupil).filter(action=AuditEntry.Action.UPDATE).get()
    assert entry.changes == {"first_name": ["Anne", "Lotte"]}
    assert entry.additional_data == {"pupil_id": pupil.pk}


def _created_by_save_and_by_bulk(make) -> tuple[dict, dict]:
    """The CREATE entry auditlog writes for a saved row, and write_created's for the same
    values written with bulk_create."""
    saved, bulk = make(), make()
    saved.save()
    bulk.__class__.objects.bulk_create([bulk])
    audit.write_created([bulk])
    theirs = AuditEntry.objects.get_for_object(saved).get(action=AuditEntry.Action.CREATE)
    ours = AuditEntry.objects.get_for_object(bulk).get(action=AuditEntry.Action.CREATE)
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
        entry = AuditEntry.objects.get_for_object(user).get()
        assert entry.changes["email"] == ["None", user.email]
        assert "password" not in entry.changes


def test_the_entries_are_auditlogs_model_and_its_registry_is_left_as_auditlog_made_it():
    assert get_logentry_model() is AuditEntry
    assert auditlogs_registry._signals[pre_save] is auditlogs_log_update
    from pupils.models import Pupil

    assert audit.registry.contains(Pupil) and not auditlogs_registry.contains(Pupil)


def test_a_receiver_of_pre_log_can_stop_an_entry_and_post_log_hears_of_each():
    pupil = PupilFactory(first_name="Anna")
    heard = []

    def stop_first_names(sender, instance, action, **kwargs):
        return not (action == AuditEntry.Action.UPDATE and instance.first_name == "Stil")

    def hear(sender, log_entry, changes, **kwargs):
        heard.append((log_entry.pk, changes))

    pre_log.connect(stop_first_names)
    post_log.connect(hear)
    try:
        pupil.first_name = "Stil"
        pupil.save(update_fields=["first_name"])
        pupil.first_name = "Lotte"
        pupil.save(update_fields=["first_name"])
    finally:
        pre_log.disconnect(stop_first_names)
        post_log.disconnect(hear)
    updates = AuditEntry.objects.get_for_object(pupil).filter(action=AuditEntry.Action.UPDATE)
    entry = updates.get()  # the first save was stopped
    assert entry.changes == {"first_name": ["Stil", "Lotte"]}
    assert heard == [(entry.pk, {"first_name": ("Stil", "Lotte")})]


def test_the_log_keeps_only_the_indexes_its_queries_use():
    # Each index is paid for on every insert (a look at a dossier is one): see AuditEntry.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'auditlog_logentry' ORDER BY 1"
        )
        names = [name for (name,) in cursor.fetchall()]
    assert names == [
        "audit_object_history_idx",
        "auditlog_logentry_actor_id_959271d2",
        "auditlog_logentry_pkey",
        "auditlog_logentry_pupil_idx",
    ]


def test_an_object_s_history_and_its_masking_are_read_along_that_index():
    from pupils.looks import looks_at

    pupil = PupilFactory()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a table this small is read whole
        plan = looks_at(pupil=pupil).explain()
        cursor.execute(
            "EXPLAIN " + audit._SCRUB,
            {
                "mask": audit.MASK,
                "erased": audit.ERASED,
                "types": [1],
                "ids": [pupil.pk],
                "access": AuditEntry.Action.ACCESS,
            },
        )
        scrub_plan = "\n".join(row for (row,) in cursor.fetchall())
    # Each month's partition has its part of audit_object_history_idx (named by PostgreSQL
    # after the partition and the columns): every one is read along it, none whole.
    for read in (plan, scrub_plan):
        assert "_content_type_id_object_id_time" in read
        assert "Seq Scan on auditlog_logentry" not in read


def test_masking_at_the_end_of_a_block_is_refused_outside_a_transaction(transactional_db):
    with pytest.raises(RuntimeError, match="inside a transaction"), audit.scrubbing():
        pass  # pragma: no cover (never entered)
