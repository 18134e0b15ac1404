"""The processing register (Art. 30), privacy documents and the supplier reminders."""

import csv
import datetime
import html
import io

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from pupils.models import Pupil
from schoolprivacy import personal_data
from suppliers import services
from suppliers.models import PrivacyDocument, ProcessingActivity, Supplier, SupplierUse
from tests.pupils.conftest import ROLES
from tests.utils import password_just_confirmed

pytestmark = pytest.mark.django_db


def activity(world, **overrides):
    return ProcessingActivity.objects.create(
        board=world.pupil.board,
        name="Digitale leermiddelen",
        purpose="Werken met lesmethodes.",
        legal_basis="AVG art. 6 lid 1 sub e",
        data_subjects="leerlingen",
        data_categories="naam, groep",
        supplier_categories=["learning_method"],
        retention="zolang de methode wordt gebruikt",
        security_measures="toegang per rol",
        **overrides,
    )


def supplier(world, name, *, location="eu", **fields):
    s = Supplier.objects.create(
        board=world.pupil.board,
        name=name,
        category="learning_method",
        storage_location=location,
        **fields,
    )
    SupplierUse.objects.create(
        supplier=s, school=world.pupil.school, since=datetime.date(2020, 1, 1)
    )
    return s


def test_the_register_takes_recipients_and_transfers_from_the_supplier_register(world, login):
    activity(world)
    supplier(world, "Gynzy")
    supplier(world, "=cmd|' /C calc'!A0", location="outside_eu")
    client = login(world.users["privacy_officer"])
    page = client.get(reverse("suppliers:register")).content.decode()
    assert "Gynzy" in page and "Digitale leermiddelen" in page

    password_just_confirmed(client)
    response = client.get(reverse("suppliers:register") + "?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["processing", "purpose", "legal basis"]
    assert "Gynzy" in rows[1][5]
    assert rows[1][7].startswith("'=cmd")  # a formula is defused, also inside a list


def test_the_register_says_what_the_system_holds_as_its_registry_declares(world, login):
    client = login(world.users["privacy_officer"])
    page = html.unescape(client.get(reverse("suppliers:register")).content.decode())
    with translation.override("nl"):
        for holding in personal_data.holdings():
            assert str(holding.model._meta.verbose_name_plural) in page, holding.label
        bsn = Pupil._meta.get_field("bsn").verbose_name
        assert f"{Pupil._meta.verbose_name}: {bsn} ({personal_data.Kind.BSN.label})" in page
        assert str(personal_data.Subject.PARENT.label).capitalize() in page


def test_the_privacy_officer_completes_a_line_of_the_register(world, login):
    line = activity(world)
    client = login(world.users["privacy_officer"])
    response = client.post(
        reverse("suppliers:activity_edit", args=[line.pk]),
        {
            "name": line.name,
            "purpose": line.purpose,
            "legal_basis": line.legal_basis,
            "data_subjects": "leerlingen en leerkrachten",
            "data_categories": line.data_categories,
            "supplier_categories": ["learning_method"],
            "retention": "1 jaar na gebruik",
            "security_measures": line.security_measures,
        },
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.retention == "1 jaar na gebruik"


@pytest.mark.parametrize("role", ROLES)
def test_only_the_privacy_officer_opens_the_register(world, login, role):
    line = activity(world)
    client = login(world.users[role])
    for url in (reverse("suppliers:register"), reverse("suppliers:activity_edit", args=[line.pk])):
        response = client.get(url)
        expected = {"anonymous": 302, "privacy_officer": 200}.get(role, 404)
        assert response.status_code == expected, (url, role)


def test_the_privacy_regulation_needs_the_councils_approval(world, login):
    client = login(world.users["administrator"])
    data = {
        "school": world.pupil.school_id,
        "kind": "regulation",
        "version": "4.0",
        "valid_from": "2026-08-01",
        "approved_by_council_on": "",
        "text": "Privacyreglement.",
    }
    response = client.post(reverse("suppliers:document_create"), data)
    assert response.status_code == 200
    assert "Bij het privacyreglement hoort de datum waarop de (G)MR het goedkeurde." in (
        response.content.decode()
    )
    assert not PrivacyDocument.objects.exists()
    data["approved_by_council_on"] = "2026-06-20"
    assert client.post(reverse("suppliers:document_create"), data).status_code == 302


def test_the_public_page_shows_the_current_documents(world, client):
    board = world.pupil.board
    old = PrivacyDocument.objects.create(
        board=board,
        kind="social_media",
        version="1",
        valid_from=datetime.date(2024, 8, 1),
        text="Oud",
    )
    new = PrivacyDocument.objects.create(
        board=board,
        kind="social_media",
        version="2",
        valid_from=datetime.date(2025, 8, 1),
        text="Nieuw",
    )
    page = client.get(reverse("suppliers:public_school", args=[world.pupil.school.brin]))
    content = page.content.decode()
    assert reverse("suppliers:public_document", args=[world.pupil.school.brin, new.pk]) in content
    assert (
        reverse("suppliers:public_document", args=[world.pupil.school.brin, old.pk]) not in content
    )
    shown = client.get(
        reverse("suppliers:public_document", args=[world.pupil.school.brin, new.pk])
    )
    assert "Nieuw" in shown.content.decode()
    gone = client.get(reverse("suppliers:public_document", args=[world.pupil.school.brin, old.pk]))
    assert gone.status_code == 404


def test_expiring_agreements_and_old_leaflets_are_reminded_once(keepers):
    """Reminded to the board roles, who renew what the board's schools share."""
    world = keepers
    today = datetime.date(2026, 11, 23)
    supplier(
        world,
        "Gynzy",
        agreement_status="signed",
        agreement_signed_on=datetime.date(2023, 1, 1),
        agreement_expires_on=datetime.date(2026, 12, 31),
        leaflet_date=datetime.date(2025, 6, 1),
    )
    sent = services.supplier_reminders_sweep(today=today)
    board_roles = {world.users["board_administrator"].email, world.users["privacy_officer"].email}
    assert sent == 2 * len(board_roles)
    assert {m.to[0] for m in mail.outbox} == board_roles
    assert services.supplier_reminders_sweep(today=today + datetime.timedelta(days=1)) == 0
