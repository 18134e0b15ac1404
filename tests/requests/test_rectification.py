"""Corrections (GDPR Art. 16) and telling every recipient of a corrected field (Art. 19)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from pupils.models import Note, Pupil
from requests import services
from requests.models import DataRequest, RecipientNotice
from requests.services import ItemDecision, ItemProposal
from schoolprivacy.audit_entry import AuditEntry

from .conftest import submit

pytestmark = pytest.mark.django_db
Status = DataRequest.Status


def correction(world, *items):
    return submit(world, "rectification", items=list(items))


def test_an_accepted_correction_is_written_through_the_dossier_and_audited(world, receivers):
    request = correction(
        world, ItemProposal("pupil", world.pupil.pk, "last_name", "Jansen-Oudewater")
    )
    item = request.items.get()

    services.rectification_decide(
        data_request=request,
        decisions={item.pk: ItemDecision(accept=True)},
        acting_user=world.users["director"],
    )

    pupil = Pupil.objects.get(pk=world.pupil.pk)
    assert pupil.last_name == "Jansen-Oudewater"
    entry = (
        AuditEntry.objects.get_for_object(pupil).filter(action=AuditEntry.Action.UPDATE).latest()
    )
    assert entry.actor == world.users["director"]
    assert entry.changes["last_name"][1] == "Jansen-Oudewater"


def test_every_supplier_and_recipient_of_the_field_gets_a_notice_and_only_they(
    world, receivers, mailoutbox, django_capture_on_commit_callbacks
):
    request = correction(
        world, ItemProposal("pupil", world.pupil.pk, "last_name", "Jansen-Oudewater")
    )
    item = request.items.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.rectification_decide(
            data_request=request,
            decisions={item.pk: ItemDecision(accept=True)},
            acting_user=world.users["director"],
        )

    notices = {n.receiver_name: n for n in RecipientNotice.objects.filter(request=request)}
    # SKOOL receives the first name and the group, not the last name.
    assert set(notices) == {"Gynzy", "DUO"}
    assert notices["Gynzy"].fields == ["last_name"]
    # Gynzy has an address in the register: the notice task e-mailed it.
    assert notices["Gynzy"].status == RecipientNotice.Status.SENT
    mail = next(m for m in mailoutbox if m.to == ["privacy@gynzy.example"])
    assert "achternaam" in mail.body and request.reference in mail.body
    assert world.pupil.bsn not in mail.body
    # DUO has none: it stays to do, and the request waits for it.
    assert notices["DUO"].status == RecipientNotice.Status.PENDING
    request.refresh_from_db()
    assert request.status == Status.NOTIFYING

    services.notice_settle(
        notice=notices["DUO"],
        done=True,
        note="Via BRON doorgegeven door de administratie.",
        acting_user=world.users["director"],
    )
    request.refresh_from_db()
    assert request.status == Status.COMPLETED


def test_a_notice_not_sent_needs_a_recorded_reason(world, receivers):
    request = correction(
        world, ItemProposal("pupil", world.pupil.pk, "last_name", "Jansen-Oudewater")
    )
    services.rectification_decide(
        data_request=request,
        decisions={request.items.get().pk: ItemDecision(accept=True)},
        acting_user=world.users["director"],
    )
    notice = RecipientNotice.objects.get(request=request, recipient__name="DUO")
    with pytest.raises(ValidationError):
        services.notice_settle(
            notice=notice, done=False, note="", acting_user=world.users["director"]
        )
    assert RecipientNotice.objects.get(pk=notice.pk).status == RecipientNotice.Status.PENDING
    services.notice_settle(
        notice=notice,
        done=False,
        note="DUO krijgt de correctie bij de volgende BRON-levering vanzelf.",
        acting_user=world.users["director"],
    )
    assert RecipientNotice.objects.get(pk=notice.pk).status == RecipientNotice.Status.NOT_NEEDED


def test_a_refused_correction_is_explained_and_the_statement_joins_the_dossier(world, login):
    request = correction(
        world,
        ItemProposal(
            "pupil",
            world.pupil.pk,
            "first_name",
            "Annabel-Zoë",
            statement="Zij heet thuis Annabel-Zoë.",
        ),
    )
    item = request.items.get()

    services.rectification_decide(
        data_request=request,
        decisions={item.pk: ItemDecision(accept=False, reason="De naam staat zo in de BRP.")},
        acting_user=world.users["director"],
    )

    request.refresh_from_db()
    assert request.status == Status.REFUSED
    assert Pupil.objects.get(pk=world.pupil.pk).first_name != "Annabel-Zoë"
    statement = Note.objects.get(pupil=world.pupil)
    assert statement.body == "Zij heet thuis Annabel-Zoë."
    assert statement.source == "parent"
    page = login(world.users["parent"]).get(reverse("requests:portal_detail", args=[request.pk]))
    assert "De naam staat zo in de BRP." in page.content.decode()
    assert "Autoriteit Persoonsgegevens" in page.content.decode()


def test_a_refusal_without_a_reason_changes_nothing(world):
    request = correction(world, ItemProposal("pupil", world.pupil.pk, "first_name", "Annabel-Zoë"))
    item = request.items.get()
    with pytest.raises(ValidationError):
        services.rectification_decide(
            data_request=request,
            decisions={item.pk: ItemDecision(accept=False, reason="")},
            acting_user=world.users["director"],
        )
    item.refresh_from_db()
    assert item.decision == "pending"
    assert DataRequest.objects.get(pk=request.pk).status == Status.RECEIVED


def test_a_corrected_bsn_is_validated_and_indexed(world):
    from tests.factories import _valid_bsn

    new = _valid_bsn(9000)
    request = correction(world, ItemProposal("pupil", world.pupil.pk, "bsn", new))
    services.rectification_decide(
        data_request=request,
        decisions={request.items.get().pk: ItemDecision(accept=True)},
        acting_user=world.users["director"],
    )
    pupil = Pupil.objects.get(pk=world.pupil.pk)
    assert pupil.bsn == new
    from schoolprivacy.encryption import blind_index

    assert pupil.bsn_index == blind_index(new)


def test_a_bsn_that_fails_the_eleven_test_is_refused_at_intake(world):
    with pytest.raises(ValidationError):
        correction(world, ItemProposal("pupil", world.pupil.pk, "bsn", "123456789"))
    assert not DataRequest.objects.exists()


def test_a_dossier_entry_is_corrected_and_its_recipients_told(world, receivers, dossier):
    request = correction(world, ItemProposal("test_result", dossier["test"].pk, "score", "44"))
    services.rectification_decide(
        data_request=request,
        decisions={request.items.get().pk: ItemDecision(accept=True)},
        acting_user=world.users["director"],
    )
    dossier["test"].refresh_from_db()
    assert dossier["test"].score == "44"
    assert {n.receiver_name for n in RecipientNotice.objects.filter(request=request)} == {"Gynzy"}


def test_the_handler_decides_in_the_browser_form(world, login, receivers):
    request = correction(
        world, ItemProposal("pupil", world.pupil.pk, "last_name", "Jansen-Oudewater")
    )
    item = request.items.get()
    client = login(world.users["director"])
    page = client.get(reverse("requests:detail", args=[request.pk])).content.decode()
    assert "Jansen-Oudewater" in page and world.pupil.last_name in page

    response = client.post(
        reverse("requests:act", args=[request.pk, "rectification"]),
        {f"accept_{item.pk}": "no", f"reason_{item.pk}": ""},
    )
    assert response.status_code == 200  # the form again, with the missing reason marked
    assert DataRequest.objects.get(pk=request.pk).status == Status.RECEIVED

    response = client.post(
        reverse("requests:act", args=[request.pk, "rectification"]),
        {f"accept_{item.pk}": "yes", f"reason_{item.pk}": ""},
    )
    assert response.status_code == 302
    assert Pupil.objects.get(pk=world.pupil.pk).last_name == "Jansen-Oudewater"
