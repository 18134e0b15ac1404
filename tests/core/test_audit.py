"""Audit entries written by schoolprivacy.audit are the rows django-auditlog would write.

write_entry puts an entry in with one INSERT instead of building a LogEntry through
the ORM; the entry must hold the same values as LogEntry.objects.log_create's, for an
actor given and for the actor of auditlog's request context.
"""

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
