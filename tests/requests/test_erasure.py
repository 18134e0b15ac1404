"""Erasure (GDPR Art. 17) per category, restriction instead where the law requires keeping,
and the audit that keeps the fact, not the data."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from consents.models import Decision
from pupils import models as pupil_models
from pupils.models import Agreement, Note, ProcessingHold, Pupil, SpecialRecord
from requests import selectors, services
from requests.models import DataRequest, ErasureItem, ErasureRecord, RecipientNotice
from requests.services import CategoryDecision
from schoolprivacy import audit
from schoolprivacy.audit_entry import AuditEntry
from tests.consents.conftest import make_purpose

from .conftest import submit

pytestmark = pytest.mark.django_db
Status = DataRequest.Status
Outcome = ErasureItem.Outcome
D = datetime.date


def counts(pupil):
    return {
        "agreements": Agreement.objects.filter(pupil=pupil).count(),
        "tests": pupil_models.TestResult.objects.filter(pupil=pupil).count(),
        "notes": Note.objects.filter(pupil=pupil).count(),
        "special": SpecialRecord.objects.filter(pupil=pupil).count(),
        "holds": ProcessingHold.objects.filter(pupil=pupil).count(),
        "pupil": Pupil.objects.filter(pk=pupil.pk, anonymised_at__isnull=True).count(),
    }


def erasure(world, *categories):
    return submit(world, "erasure", categories=list(categories))


def test_the_handler_sees_per_category_what_the_law_requires_to_keep(world, dossier):
    request = erasure(world, "dossier", "referral")
    states = {s.category: s for s in selectors.category_states(request)}
    assert states["dossier"].items == 3 and not states["dossier"].must_keep
    assert states["referral"].items == 1 and states["referral"].must_keep  # still at school
    assert states["administration"].must_keep and not states["administration"].asked
    assert states["special"].items == 1 and not states["special"].asked


def test_asking_to_delete_the_administration_is_asking_to_delete_everything(world):
    request = erasure(world, "administration")
    assert set(request.categories) == {
        "dossier",
        "special",
        "referral",
        "consents",
        "declaration",
        "administration",
    }


def test_deleting_the_dossier_removes_it_and_the_audit_keeps_only_the_fact(world, dossier):
    agreement = dossier["agreement"]
    request = erasure(world, "dossier")
    services.erasure_decide(
        data_request=request,
        decisions={"dossier": CategoryDecision(Outcome.ERASE)},
        acting_user=world.users["director"],
    )

    assert counts(world.pupil)["agreements"] == counts(world.pupil)["tests"] == 0
    assert Note.objects.filter(pupil=world.pupil).get() == dossier["referral"]  # kept: not asked
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Agreement), object_id=agreement.pk
    )
    assert {e.action for e in entries} == {AuditEntry.Action.CREATE, AuditEntry.Action.DELETE}
    for entry in entries:
        assert "Extra leesoefening" not in str(entry.changes) + entry.object_repr
        assert entry.object_repr == audit.ERASED
        assert set(entry.changes) >= {"agreement", "participants"}  # which fields: the fact
        assert entry.changes["agreement"] == [audit.MASK, audit.MASK]
    record = ErasureRecord.objects.get()
    assert record.request == request and record.categories == ["dossier"]
    assert sorted(record.erased["pupils.Agreement"]) == [agreement.pk]
    item = request.erasure_items.get()
    assert (item.outcome, item.erased_count) == (Outcome.ERASE, 3)
    assert DataRequest.objects.get(pk=request.pk).status == Status.COMPLETED


def test_what_the_law_requires_to_keep_cannot_be_deleted_only_restricted(world, dossier):
    request = erasure(world, "referral")
    before = counts(world.pupil)
    with pytest.raises(ValidationError) as error:
        services.erasure_decide(
            data_request=request,
            decisions={"referral": CategoryDecision(Outcome.ERASE)},
            acting_user=world.users["director"],
        )
    assert "outcome_referral" in error.value.message_dict
    assert counts(world.pupil) == before

    services.erasure_decide(
        data_request=request,
        decisions={
            "referral": CategoryDecision(
                Outcome.RESTRICT, "De wet verplicht ons dit drie jaar te bewaren."
            )
        },
        acting_user=world.users["director"],
    )
    hold = ProcessingHold.objects.get(pupil=world.pupil)
    assert hold.kind == ProcessingHold.Kind.RESTRICTION and hold.categories == ["referral"]
    assert counts(world.pupil)["notes"] == before["notes"]


def test_restricted_data_is_no_longer_shown_to_staff(world, dossier, login):
    request = erasure(world, "referral")
    services.erasure_decide(
        data_request=request,
        decisions={
            "referral": CategoryDecision(Outcome.RESTRICT, "Wettelijk verplicht te bewaren.")
        },
        acting_user=world.users["director"],
    )
    page = login(world.users["care_coordinator"]).get(
        reverse("pupils:detail", args=[world.pupil.pk])
    )
    html = page.content.decode()
    assert "Verwijzing SO" not in html
    assert "Gesprek" in html  # the rest of the dossier is not restricted
    parent = login(world.users["parent"]).get(reverse("portal:child", args=[world.pupil.pk]))
    assert "Verwijzing SO" in parent.content.decode()  # the parent still sees everything


def test_restricting_the_dossier_hides_it_from_every_staff_page_and_from_suppliers(
    world, dossier, receivers, login
):
    request = submit(world, "restriction", categories=["dossier"])
    services.restriction_decide(
        data_request=request,
        grant=True,
        categories=["dossier"],
        reason="Tot de correctie van de toetsen is nagekeken.",
        acting_user=world.users["director"],
    )
    teacher = login(world.users["teacher"])
    assert (
        "Rekenen M5"
        not in teacher.get(reverse("pupils:detail", args=[world.pupil.pk])).content.decode()
    )
    assert (
        teacher.get(reverse("pupils:entry_add", args=[world.pupil.pk, "agreement"])).status_code
        == 404
    )
    from suppliers.selectors import pupil_receivers

    gynzy = next(r for r in pupil_receivers(pupil=world.pupil) if r.name == "Gynzy")
    assert "test_results" in gynzy.withheld and "test_results" not in gynzy.fields
    assert {n.receiver_name for n in RecipientNotice.objects.filter(request=request)} == {"Gynzy"}


def test_a_legal_hold_stops_every_deletion(world, dossier):
    services.legal_hold_place(
        pupil=world.pupil,
        reason="Klacht bij de geschillencommissie loopt.",
        acting_user=world.users["director"],
    )
    request = erasure(world, "dossier")
    before = counts(world.pupil)
    with pytest.raises(ValidationError):
        services.erasure_decide(
            data_request=request,
            decisions={"dossier": CategoryDecision(Outcome.ERASE)},
            acting_user=world.users["director"],
        )
    assert counts(world.pupil) == before


def test_deleting_the_administration_deletes_everything_in_every_app(world, dossier):
    world.pupil.enrolled_on, world.pupil.left_on = D(2013, 8, 20), D(2019, 7, 15)
    world.pupil.save()  # left long ago: nothing must be kept any more
    purpose = make_purpose(world.pupil.school)
    Decision.objects.create(
        pupil=world.pupil,
        purpose=purpose,
        version=purpose.versions.get(),
        choice="given",
        decided_by=world.users["parent"],
        decider_role="parent",
        decided_at=datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC),
        channel="portal",
        recorded_by=world.users["parent"],
    )
    name = world.pupil.full_name
    request = erasure(world, "dossier", "special", "referral", "consents", "administration")

    services.erasure_decide(
        data_request=request,
        decisions={c: CategoryDecision(Outcome.ERASE) for c in request.categories},
        acting_user=world.users["director"],
    )

    pupil = Pupil.objects.get(pk=world.pupil.pk)
    assert pupil.anonymised_at is not None
    assert pupil.bsn is None and pupil.first_name == "" and not pupil.guardianships.exists()
    assert not Decision.objects.filter(pupil=pupil).exists()
    assert all(n == 0 for k, n in counts(pupil).items() if k != "holds")
    history = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Pupil), object_id=pupil.pk
    ).exclude(action=AuditEntry.Action.ACCESS)
    assert history.exists()
    assert all(name not in str(e.changes) + e.object_repr for e in history)


def test_deleting_the_administration_but_keeping_the_dossier_is_refused(world, dossier):
    world.pupil.enrolled_on, world.pupil.left_on = D(2013, 8, 20), D(2019, 7, 15)
    world.pupil.save()
    request = erasure(world, "administration")
    before = counts(world.pupil)
    decisions = {c: CategoryDecision(Outcome.ERASE) for c in request.categories}
    decisions["dossier"] = CategoryDecision(Outcome.KEEP, "Nog nodig voor een lopende zaak.")
    with pytest.raises(ValidationError):
        services.erasure_decide(
            data_request=request, decisions=decisions, acting_user=world.users["director"]
        )
    assert counts(world.pupil) == before


def test_an_erasure_that_fails_halfway_leaves_everything_as_it_was(world, dossier, monkeypatch):
    request = erasure(world, "dossier", "special")
    before = counts(world.pupil)

    def fail(**kwargs):
        raise DatabaseError("the connection dropped")

    from consents import services as consent_services  # noqa: F401
    from pupils import services as pupil_services

    real = pupil_services.pupil_data_erase

    def erase_then_fail(*, pupil, categories, acting_user=None, **kwargs):
        if "special" in categories:
            fail()
        return real(pupil=pupil, categories=categories, acting_user=acting_user, **kwargs)

    monkeypatch.setattr(pupil_services, "pupil_data_erase", erase_then_fail)
    with pytest.raises(DatabaseError):
        services.erasure_decide(
            data_request=request,
            decisions={c: CategoryDecision(Outcome.ERASE) for c in request.categories},
            acting_user=world.users["director"],
        )
    assert counts(world.pupil) == before
    assert not ErasureRecord.objects.exists()
    assert DataRequest.objects.get(pk=request.pk).status == Status.RECEIVED


def test_keeping_data_needs_a_reason_the_parent_reads(world, dossier, login):
    request = erasure(world, "dossier")
    with pytest.raises(ValidationError):
        services.erasure_decide(
            data_request=request,
            decisions={"dossier": CategoryDecision(Outcome.KEEP, "")},
            acting_user=world.users["director"],
        )
    services.erasure_decide(
        data_request=request,
        decisions={
            "dossier": CategoryDecision(Outcome.KEEP, "Nodig zolang de leerling hier zit.")
        },
        acting_user=world.users["director"],
    )
    assert DataRequest.objects.get(pk=request.pk).status == Status.REFUSED
    html = (
        login(world.users["parent"])
        .get(reverse("requests:portal_detail", args=[request.pk]))
        .content.decode()
    )
    assert "Nodig zolang de leerling hier zit." in html


def test_the_audit_log_stays_append_only_outside_an_erasure(world, dossier):
    entry = AuditEntry.objects.filter(object_id=dossier["agreement"].pk).first()
    for sql in (
        "UPDATE auditlog_logentry SET changes = '{}'::jsonb WHERE id = %s",
        "DELETE FROM auditlog_logentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    # Even during a scrub, only the value columns may change: not who or when.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL schoolprivacy.audit_scrub = 'on'")
        cursor.execute(
            "UPDATE auditlog_logentry SET actor_id = NULL, timestamp = now() WHERE id = %s",
            [entry.pk],
        )
    assert AuditEntry.objects.get(pk=entry.pk).changes == entry.changes
