"""Erasure removes what was asked, and nothing else (GDPR Art. 17, 17(2), 19).

The parent names single entries, records or fields (or, explicitly, a whole kind of
data); the handler decides each; only the recipients that received what goes are told,
naming it; a copy made before is withdrawn, and the parent told why.
"""

import datetime
import uuid

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from pupils import models as pupil_models
from pupils.models import Agreement, Note, ProcessingHold, Pupil, SpecialRecord
from requests import ledger, services
from requests.models import (
    AccessCopy,
    DataRequest,
    ErasureItem,
    ErasureRecord,
    RecipientNotice,
)
from requests.services import CategoryDecision
from schoolprivacy.models import Notice
from suppliers.models import FieldSet, Supplier, SupplierUse
from tests.utils import password_just_confirmed

from .conftest import submit

pytestmark = pytest.mark.django_db
Outcome = ErasureItem.Outcome
Status = DataRequest.Status
D = datetime.date


@pytest.fixture
def report_receivers(world, receivers):
    """Besides Gynzy, SKOOL and DUO: ParnasSys receives reports and notes now; an old system
    received them only until the end of 2025, before the report of October 2026."""
    school = world.pupil.school
    parnassys = Supplier.objects.create(
        board=school.board,
        name="ParnasSys",
        category="administration",
        contact="privacy@parnassys.example",
    )
    old = Supplier.objects.create(
        board=school.board, name="Oud LVS", category="other", contact="avg@oud-lvs.example"
    )
    for supplier in (parnassys, old):
        SupplierUse.objects.create(supplier=supplier, school=school, since=D(2020, 8, 1))
    FieldSet.objects.create(
        supplier=parnassys, valid_from=D(2020, 8, 1), fields=["last_name", "reports"]
    )
    FieldSet.objects.create(supplier=old, valid_from=D(2020, 8, 1), fields=["reports"])
    FieldSet.objects.create(supplier=old, valid_from=D(2026, 1, 1), fields=["last_name"])
    return {**receivers, "parnassys": parnassys, "old": old}


def everything(pupil):
    return {
        "agreements": set(Agreement.objects.filter(pupil=pupil).values_list("pk", flat=True)),
        "tests": set(
            pupil_models.TestResult.objects.filter(pupil=pupil).values_list("pk", flat=True)
        ),
        "notes": set(Note.objects.filter(pupil=pupil).values_list("pk", flat=True)),
        "special": set(SpecialRecord.objects.filter(pupil=pupil).values_list("pk", flat=True)),
        "gender": Pupil.objects.get(pk=pupil.pk).gender,
    }


def ask_in_portal(client, world, **data):
    url = reverse("requests:portal_new", args=[world.pupil.pk, "erasure"])
    return client.post(url, {"submission": uuid.uuid4(), **data})


def decide_in_page(client, request, data):
    password_just_confirmed(client)
    return client.post(reverse("requests:act", args=[request.pk, "erasure"]), data)


def test_deleting_one_report_deletes_that_report_and_tells_only_who_received_it(
    world, dossier, report_receivers, login, django_capture_on_commit_callbacks
):
    """Reproduced: the parent asked to delete one report; the director approved; every
    dossier item went, and every supplier of dossier data was mailed."""
    before = everything(world.pupil)
    note = dossier["note"]
    parent = login(world.users["parent"])
    response = ask_in_portal(parent, world, items=[f"note:{note.pk}"])
    assert response.status_code == 302
    request = DataRequest.objects.get(kind="erasure")
    assert list(request.erasure_items.values_list("key", flat=True)) == [f"note:{note.pk}"]
    assert request.categories == []

    director = login(world.users["director"])
    page = director.get(reverse("requests:detail", args=[request.pk])).content.decode()
    assert f'name="outcome_note:{note.pk}"' in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = decide_in_page(director, request, {f"outcome_note:{note.pk}": "erase"})
    assert response.status_code == 302

    after = everything(world.pupil)
    assert after["notes"] == before["notes"] - {note.pk}
    assert {k: v for k, v in after.items() if k != "notes"} == {
        k: v for k, v in before.items() if k != "notes"
    }
    unit = request.erasure_items.get()
    assert (unit.outcome, unit.erased_count) == (Outcome.ERASE, 1)
    record = ErasureRecord.objects.get()
    assert record.erased == {"pupils.Note": [note.pk]} and record.categories == []

    # Only ParnasSys received reports after the report was written: only it is told,
    # and the notice names the one report, not the dossier.
    notices = RecipientNotice.objects.filter(request=request)
    assert [n.receiver_name for n in notices] == ["ParnasSys"]
    assert notices.get().fields == ["reports"] and notices.get().items == [f"note:{note.pk}"]
    (sent,) = [m for m in mail.outbox if m.to == ["privacy@parnassys.example"]]
    assert "2 oktober 2026" in sent.body and "Goed." not in sent.body
    assert not [m for m in mail.outbox if m.to[0].endswith(("gynzy.example", "oud-lvs.example"))]


def test_a_whole_category_goes_only_as_an_explicit_choice_that_names_its_count(
    world, dossier, login
):
    request = submit(world, "erasure", categories=["dossier"])
    director = login(world.users["director"])
    page = director.get(reverse("requests:detail", args=[request.pk])).content.decode()
    # Three entries of the dossier (the referral report is a category of its own).
    assert "3 items" in page or "3 onderdelen" in page
    assert (
        'name="outcome_dossier"' in page
        and "checked" not in page.split("outcome_dossier")[1][:400]
    )
    # Nothing chosen: nothing happens.
    before = everything(world.pupil)
    response = decide_in_page(director, request, {})
    assert response.status_code == 200
    assert everything(world.pupil) == before


def test_a_category_can_be_decided_item_by_item(world, dossier, report_receivers):
    request = submit(world, "erasure", categories=["dossier"])
    keep = "Deze afspraak is nog nodig voor het vervolg in groep 6."
    services.erasure_decide(
        data_request=request,
        decisions={
            "dossier": CategoryDecision(Outcome.PER_ITEM),
            f"agreement:{dossier['agreement'].pk}": CategoryDecision(Outcome.KEEP, keep),
            f"test_result:{dossier['test'].pk}": CategoryDecision(Outcome.ERASE),
            f"note:{dossier['note'].pk}": CategoryDecision(
                Outcome.RESTRICT, "We bewaren dit verslag tot de klacht is afgehandeld."
            ),
        },
        acting_user=world.users["director"],
    )
    pupil = world.pupil
    assert Agreement.objects.filter(pupil=pupil).exists()
    assert not pupil_models.TestResult.objects.filter(pupil=pupil).exists()
    hold = ProcessingHold.objects.get(pupil=pupil)
    assert hold.items == [f"note:{dossier['note'].pk}"] and hold.categories == ["dossier"]
    units = {u.key: u for u in request.erasure_items.all()}
    assert units["dossier"].outcome == Outcome.PER_ITEM
    assert units[f"agreement:{dossier['agreement'].pk}"].reason == keep
    assert not units[f"agreement:{dossier['agreement'].pk}"].asked
    # Gynzy received test results: it is told to delete the one test result; ParnasSys,
    # which received the report, to stop using that report.
    notices = {n.receiver_name: n for n in RecipientNotice.objects.filter(request=request)}
    assert set(notices) == {"Gynzy", "ParnasSys"}
    assert notices["Gynzy"].items == [f"test_result:{dossier['test'].pk}"]
    assert notices["ParnasSys"].items == [f"note:{dossier['note'].pk}"]
    assert (
        "restricted" in notices["ParnasSys"].subject or "beperkt" in notices["ParnasSys"].subject
    )


def test_deciding_item_by_item_needs_a_decision_on_every_item(world, dossier):
    request = submit(world, "erasure", categories=["dossier"])
    before = everything(world.pupil)
    with pytest.raises(ValidationError) as error:
        services.erasure_decide(
            data_request=request,
            decisions={
                "dossier": CategoryDecision(Outcome.PER_ITEM),
                f"test_result:{dossier['test'].pk}": CategoryDecision(Outcome.ERASE),
            },
            acting_user=world.users["director"],
        )
    assert f"outcome_agreement:{dossier['agreement'].pk}" in error.value.message_dict
    assert everything(world.pupil) == before
    assert request.erasure_items.get().outcome == Outcome.PENDING


def test_an_item_the_law_requires_to_keep_is_restricted_with_its_reason(world, dossier, login):
    referral = dossier["referral"]
    request = submit(world, "erasure", item_keys=[f"note:{referral.pk}"])
    with pytest.raises(ValidationError):
        services.erasure_decide(
            data_request=request,
            decisions={f"note:{referral.pk}": CategoryDecision(Outcome.ERASE)},
            acting_user=world.users["director"],
        )
    assert Note.objects.filter(pk=referral.pk).exists()
    reason = "Verwijzingsgegevens bewaart de school wettelijk drie jaar na vertrek."
    services.erasure_decide(
        data_request=request,
        decisions={f"note:{referral.pk}": CategoryDecision(Outcome.RESTRICT, reason)},
        acting_user=world.users["director"],
    )
    hold = ProcessingHold.objects.get(pupil=world.pupil)
    assert hold.items == [f"note:{referral.pk}"] and hold.categories == ["referral"]
    teacher = login(world.users["teacher"]).get(reverse("pupils:detail", args=[world.pupil.pk]))
    html = teacher.content.decode()
    assert "Verwijzing SO" not in html and "Gesprek" in html  # only the one report is held
    parent = login(world.users["parent"])
    answer = parent.get(reverse("requests:portal_detail", args=[request.pk])).content.decode()
    assert reason in answer


def test_a_field_of_the_personal_details_can_be_emptied_once_the_law_allows(world, receivers):
    world.pupil.gender = Pupil.Gender.FEMALE
    world.pupil.enrolled_on, world.pupil.left_on = D(2012, 8, 20), D(2020, 7, 10)
    world.pupil.save()  # left over five years ago: the administration need not be kept
    request = submit(world, "erasure", item_keys=[f"pupil:{world.pupil.pk}:gender"])
    services.erasure_decide(
        data_request=request,
        decisions={f"pupil:{world.pupil.pk}:gender": CategoryDecision(Outcome.ERASE)},
        acting_user=world.users["director"],
    )
    pupil = Pupil.objects.get(pk=world.pupil.pk)
    assert pupil.gender == "" and pupil.first_name == world.pupil.first_name
    assert ErasureRecord.objects.get().erased == {"pupils.Pupil.gender": [pupil.pk]}


@pytest.mark.parametrize(
    "items",
    [["note:999999"], ["agreement:abc"], ["pupil:1:first_name"], ["nothing"], []],
)
def test_asking_for_something_that_is_not_there_changes_nothing(world, dossier, login, items):
    client = login(world.users["parent"])
    response = ask_in_portal(client, world, items=items)
    assert response.status_code == 200  # the form again, with a message
    assert not DataRequest.objects.exists() and not ErasureItem.objects.exists()


def test_an_item_of_another_child_cannot_be_asked(world, login):
    other = Note.objects.create(
        pupil=world.other_pupil,
        author=world.users["teacher_other_group"],
        written_on=D(2026, 9, 9),
        title="Ander kind",
        body="x",
    )
    with pytest.raises(ValidationError):
        submit(world, "erasure", item_keys=[f"note:{other.pk}"])
    assert not DataRequest.objects.exists()


def test_a_copy_made_before_and_not_downloaded_is_withdrawn_and_the_parent_told(
    world, dossier, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        access = submit(world, "access")
        services.copy_prepare(data_request=access, acting_user=world.users["director"])
    old = AccessCopy.objects.get(request=access)
    assert old.status == AccessCopy.Status.READY
    Notice.objects.all().delete()

    request = submit(world, "erasure", item_keys=[f"note:{dossier['note'].pk}"])
    with django_capture_on_commit_callbacks(execute=True):
        services.erasure_decide(
            data_request=request,
            decisions={f"note:{dossier['note'].pk}": CategoryDecision(Outcome.ERASE)},
            acting_user=world.users["director"],
        )
    old.refresh_from_db()
    assert old.status == AccessCopy.Status.EXPIRED and old.content is None
    new = AccessCopy.objects.exclude(pk=old.pk).get(request=access)
    assert new.status == AccessCopy.Status.READY
    # Told twice: that the copy was withdrawn and why, and that the new one is ready.
    told = Notice.objects.filter(user=world.users["parent"], message__contains=access.reference)
    assert told.count() == 2
    (withdrawn,) = [e for e in access.events.filter(to_requester=True, kind="copy") if e.note]
    assert withdrawn.note in told.earliest("created_at").message


def test_recipients_on_a_legal_basis_are_settled_in_one_step(
    world, receivers, login, django_capture_on_commit_callbacks
):
    from suppliers.models import Recipient

    board = Recipient.objects.create(
        board=world.pupil.board,
        name="Schoolbestuur",
        legal_basis="WPO art. 47",
        fields=["last_name"],
    )
    board.schools.add(world.pupil.school)
    request = submit(
        world,
        "rectification",
        items=[services.ItemProposal("pupil", world.pupil.pk, "last_name", "Jansen")],
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.rectification_decide(
            data_request=request,
            decisions={request.items.get().pk: services.ItemDecision(accept=True)},
            acting_user=world.users["director"],
        )
    pending = RecipientNotice.objects.filter(request=request, recipient__isnull=False)
    assert pending.count() == 2 and all(n.status == "pending" for n in pending)
    director = login(world.users["director"])
    response = director.post(
        reverse("requests:notices_settle_legal", args=[request.pk]),
        {"done": "yes", "note": "Doorgegeven via BRON en de bestuursadministratie."},
    )
    assert response.status_code == 302
    assert set(pending.values_list("status", flat=True)) == {"done"}
    request.refresh_from_db()
    assert request.status == Status.COMPLETED  # Gynzy was mailed, the rest settled at once


def test_an_item_erasure_is_applied_again_after_a_restore(world, dossier):
    note = dossier["note"]
    request = submit(world, "erasure", item_keys=[f"note:{note.pk}"])
    services.erasure_decide(
        data_request=request,
        decisions={f"note:{note.pk}": CategoryDecision(Outcome.ERASE)},
        acting_user=world.users["director"],
    )
    record = ErasureRecord.objects.get()
    services.ledger_write(record_id=record.pk)
    # A backup from before the erasure: the report is back, the erasure unknown.
    Note.objects.create(
        pk=note.pk,
        pupil=world.pupil,
        author=note.author,
        written_on=note.written_on,
        title=note.title,
        body=note.body,
    )
    ErasureRecord.objects.filter(pk=record.pk).update(key=uuid.uuid4())
    assert any(line["key"] == str(record.key) for line in ledger.entries())

    report = services.erasures_reapply()
    assert report.erased_again == 1
    assert not Note.objects.filter(pk=note.pk).exists()
    assert Note.objects.filter(pk=dossier["referral"].pk).exists()  # only what was erased
    assert Agreement.objects.filter(pk=dossier["agreement"].pk).exists()
