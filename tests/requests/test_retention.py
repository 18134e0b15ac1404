"""Retention keyed to the leave date, enforced by a daily sweep; a legal hold stops it."""

import datetime

import pytest
from django.urls import reverse

from pupils.models import Agreement, Note, Pupil, SpecialRecord
from requests import retention, services
from requests.models import ErasureRecord, RetentionRun
from tests import documents

from .conftest import submit

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 12, 1)


def left(world, on):
    world.pupil.enrolled_on = D(2010, 8, 20)
    world.pupil.left_on = on
    world.pupil.save()


def test_the_dossier_goes_two_years_after_leaving_the_administration_stays(world, dossier):
    left(world, D(2024, 11, 30))  # two years and a day
    services.retention_sweep(today=TODAY)
    assert not Agreement.objects.filter(pupil=world.pupil).exists()
    assert not SpecialRecord.objects.filter(pupil=world.pupil).exists()
    assert Note.objects.filter(pupil=world.pupil).get() == dossier["referral"]  # three years
    pupil = Pupil.objects.get(pk=world.pupil.pk)
    assert pupil.anonymised_at is None and pupil.bsn
    run = RetentionRun.objects.get(board=world.pupil.board, ran_on=TODAY)
    assert run.pupils == 1
    assert run.counts == {"dossier": 3, "special": 1}
    assert ErasureRecord.objects.get().source == ErasureRecord.Source.RETENTION


def test_on_the_last_day_of_the_period_nothing_goes(world, dossier):
    left(world, D(2024, 12, 1))  # exactly two years ago: today is still within the period
    services.retention_sweep(today=TODAY)
    assert Agreement.objects.filter(pupil=world.pupil).exists()


def test_after_five_years_the_pupil_is_anonymised(world, dossier):
    name = world.pupil.full_name
    left(world, D(2021, 11, 15))
    services.retention_sweep(today=TODAY)
    pupil = Pupil.objects.get(pk=world.pupil.pk)
    assert pupil.anonymised_at is not None and pupil.bsn is None
    assert pupil.full_name != name and not pupil.guardianships.exists()
    assert not Note.objects.filter(pupil=pupil).exists()


def test_a_legal_hold_stops_the_sweep_and_the_report_says_so(world, dossier):
    left(world, D(2021, 11, 15))
    services.legal_hold_place(
        pupil=world.pupil,
        reason="Rechtszaak over de plaatsing loopt nog.",
        acting_user=world.users["director"],
    )
    services.retention_sweep(today=TODAY)
    assert Agreement.objects.filter(pupil=world.pupil).exists()
    assert Pupil.objects.get(pk=world.pupil.pk).anonymised_at is None
    run = RetentionRun.objects.get()
    assert run.pupils == 0 and run.held == 1


def test_an_open_request_stops_the_sweep_for_that_pupil(world, dossier):
    left(world, D(2024, 11, 1))
    submit(world, "access")
    services.retention_sweep(today=TODAY)
    assert Agreement.objects.filter(pupil=world.pupil).exists()


def test_a_second_run_removes_nothing_more(world, dossier):
    left(world, D(2024, 11, 1))
    services.retention_sweep(today=TODAY)
    services.retention_sweep(today=TODAY)
    assert RetentionRun.objects.get().counts == {"dossier": 3, "special": 1}
    assert ErasureRecord.objects.count() == 1


def test_the_rules_keyed_to_the_leave_date():
    assert retention.RULES["dossier"].years == 2
    assert (
        retention.RULES["administration"].years == 5
        and retention.RULES["administration"].statutory
    )
    assert retention.RULES["referral"].years == 3 and retention.RULES["referral"].statutory
    assert retention.add_years(D(2024, 2, 29), 2) == D(2026, 2, 28)


def test_the_privacy_officer_sees_counts_not_contents(world, dossier, login):
    left(world, D(2024, 11, 1))
    services.retention_sweep(today=TODAY)
    page = (
        login(world.users["privacy_officer"]).get(reverse("requests:retention")).content.decode()
    )
    assert "3" in page
    assert "Extra leesoefening" not in page and world.pupil.last_name not in page


def test_with_the_last_child_anonymised_the_parents_address_and_phone_go(world, dossier):
    from pupils.models import Guardianship, ParentContact
    from pupils.services import parent_contacts_set

    mother, father = world.users["parent"], world.users["parent_information_right"]
    Guardianship.objects.create(pupil=world.other_pupil, parent=father, relation="father")
    parent_contacts_set(
        school=world.pupil.school,
        acting_user=world.users["administrator"],
        contacts={p.email: {"phone_mobile": "06-11112222"} for p in (mother, father)},
    )
    left(world, D(2021, 11, 15))
    services.retention_sweep(today=TODAY)
    assert not ParentContact.objects.filter(parent=mother).exists()
    assert ParentContact.objects.filter(parent=father).exists()  # a child still at school


def test_with_the_dossier_go_its_earlier_versions_and_documents(world, dossier):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pupils import services as pupil_services
    from pupils.models import Attachment, EntryRevision

    agreement = Agreement.objects.filter(pupil=world.pupil).first()
    author = agreement.author
    pupil_services.entry_correct(
        entry=agreement, acting_user=world.users["director"], version=1, reason="r", agreement="B"
    )
    pupil_services.attachment_add(
        entry=agreement,
        file=SimpleUploadedFile("v.pdf", documents.pdf()),
        title="Verslag",
        acting_user=author,
    )
    left(world, D(2024, 11, 30))
    services.retention_sweep(today=TODAY)
    assert not EntryRevision.objects.exists() and not Attachment.objects.exists()


def test_with_the_anonymised_pupil_go_its_emergency_contacts(world, dossier):
    from pupils import services as pupil_services
    from pupils.models import EmergencyContact

    pupil_services.emergency_contact_save(
        pupil=world.pupil,
        acting_user=world.users["director"],
        name="Oma",
        phone="030-1234567",
    )
    left(world, D(2021, 11, 15))
    services.retention_sweep(today=TODAY)
    assert not EmergencyContact.objects.filter(pupil=world.pupil).exists()


def more_leavers(world, n, on):
    from tests.factories import PupilFactory

    pupils = [
        PupilFactory(school=world.pupil.school, enrolled_on=D(2010, 8, 20), left_on=on)
        for _ in range(n)
    ]
    for pupil in pupils:
        Agreement.objects.create(
            pupil=pupil,
            author=world.users["teacher"],
            agreed_on=D(2020, 3, 1),
            participants="ouders",
            agreement="Lezen.",
        )
    return pupils


def test_a_sweep_out_of_time_goes_on_after_the_last_pupil_it_handled(world, dossier):
    left(world, D(2024, 11, 1))
    others = more_leavers(world, 2, D(2024, 11, 1))
    ids = sorted([world.pupil.pk, *(p.pk for p in others)])

    first = services.retention_sweep(today=TODAY, seconds=0)  # one pupil, then out of time
    assert first.resume_after == ids[0]
    assert (
        list(
            Agreement.objects.filter(pupil_id__in=ids)
            .values_list("pupil_id", flat=True)
            .distinct()
            .order_by("pupil_id")
        )
        == ids[1:]
    )
    second = services.retention_sweep(today=TODAY, after=first.resume_after, seconds=0)
    assert second.resume_after == ids[1]
    last = services.retention_sweep(today=TODAY, after=second.resume_after)
    assert last.resume_after is None
    assert not Agreement.objects.filter(pupil_id__in=ids).exists()
    run = RetentionRun.objects.get()
    assert run.pupils == 3  # one report for the day, whatever the number of parts


def test_the_task_queues_its_next_part_until_every_leaver_is_done(
    world, dossier, monkeypatch, settings
):
    from requests import tasks
    from schoolprivacy.models import Heartbeat

    left(world, D(2024, 11, 1))
    others = more_leavers(world, 2, D(2024, 11, 1))
    settings.RETENTION_PART_SECONDS = 0  # one pupil a part
    parts = []
    real = services.retention_sweep

    def counted(**kwargs):
        parts.append(kwargs["after"])
        return real(**kwargs)

    monkeypatch.setattr(services, "retention_sweep", counted)
    tasks.sweep_retention.delay(TODAY.toordinal())  # eager in the tests: the parts run here
    assert len(parts) == 3 and parts[0] == 0
    assert not Agreement.objects.filter(pupil__in=[world.pupil, *others]).exists()
    assert RetentionRun.objects.get(ran_on=TODAY).pupils == 3
    assert Heartbeat.objects.filter(name="retention-sweep").exists()


def test_a_long_dossier_is_erased_in_as_many_statements_as_a_short_one(world, dossier):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from schoolprivacy.audit import MASK
    from schoolprivacy.audit_entry import AuditEntry

    left(world, D(2024, 11, 1))
    (long,) = more_leavers(world, 1, D(2024, 11, 1))
    for number in range(60):
        Agreement.objects.create(
            pupil=long,
            author=world.users["teacher"],
            agreed_on=D(2021, 1, 1),
            participants="ouders",
            agreement=f"Afspraak {number}.",
        )
    assert world.pupil.pk < long.pk
    with CaptureQueriesContext(connection) as short_one:
        first = services.retention_sweep(today=TODAY, seconds=0)  # the short dossier only
    with CaptureQueriesContext(connection) as long_one:
        services.retention_sweep(today=TODAY, after=first.resume_after)
    assert len(long_one.captured_queries) <= len(short_one.captured_queries)
    # The whole part, the day's report included: the holdings with rows are found in one
    # statement, the pupils app erases every category under one lock (84 before).
    assert len(short_one.captured_queries) <= 70
    # Every row that went has its DELETE entry, its values masked.
    gone = AuditEntry.objects.filter(
        action=AuditEntry.Action.DELETE, additional_data__pupil_id=long.pk
    )
    assert gone.count() == 61
    assert all(set(v[0] for v in e.changes.values()) <= {MASK} for e in gone)


def test_one_pupil_whose_erasure_fails_keeps_its_data_and_the_others_are_still_erased(
    world, dossier, monkeypatch, caplog
):
    from requests.services import retention_runs

    left(world, D(2024, 11, 1))
    others = more_leavers(world, 2, D(2024, 11, 1))
    real = retention_runs._erase
    assert Agreement.objects.filter(pupil=world.pupil).exists()

    def failing_for_the_first(pupil, *args, **kwargs):
        result = real(pupil, *args, **kwargs)
        if pupil.pk == world.pupil.pk:
            raise RuntimeError("disk full")  # after erasing: all of it is rolled back
        return result

    monkeypatch.setattr(retention_runs, "_erase", failing_for_the_first)
    with caplog.at_level("ERROR", logger="requests.services.retention_runs"):
        sweep = services.retention_sweep(today=TODAY)
    assert sweep.resume_after is None
    assert not Agreement.objects.filter(pupil__in=others).exists()
    assert Agreement.objects.filter(pupil=world.pupil).exists()
    world.pupil.refresh_from_db()
    assert world.pupil.anonymised_at is None
    assert any(str(world.pupil.pk) in r.getMessage() for r in caplog.records)
