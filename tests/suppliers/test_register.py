"""The supplier register: maintained by the administrator, public per school, shown to parents."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from schoolprivacy.audit_entry import AuditEntry
from suppliers import selectors, services
from suppliers.models import FieldSet, Recipient, Supplier, SupplierUse
from tests import documents

pytestmark = pytest.mark.django_db


def supplier_data(world, **overrides):
    return {
        "name": "Rekentuin",
        "website": "https://www.rekentuin.example",
        "category": "learning_method",
        "processing_role": "processor",
        "privacy_leaflet_url": "https://www.rekentuin.example/privacybijsluiter",
        "leaflet_version": "3",
        "leaflet_date": "2026-06-01",
        "agreement_status": "signed",
        "agreement_model": "Model Privacyconvenant 4.0",
        "agreement_signed_on": "2026-06-15",
        "agreement_expires_on": "2028-07-31",
        "storage_location": "eu",
        "schools": [world.pupil.school_id],
        "since": "2026-08-20",
        **overrides,
    }


def test_an_administrator_adds_a_supplier_that_schools_and_parents_then_see(world, login, client):
    admin = login(world.users["administrator"])
    response = admin.post(reverse("suppliers:create"), supplier_data(world))
    assert response.status_code == 302, response.content[:2000]
    supplier = Supplier.objects.get(name="Rekentuin")
    assert SupplierUse.objects.get(supplier=supplier).since == datetime.date(2026, 8, 20)
    assert AuditEntry.objects.get_for_object(supplier).get().actor == world.users["administrator"]

    response = admin.post(
        reverse("suppliers:field_set_create", args=[supplier.pk]),
        {
            "school": world.pupil.school_id,
            "valid_from": "2026-08-20",
            "shared": ["first_name", "last_name", "group", "learning_results"],
            "not_shared": "geen toetsresultaten",
        },
    )
    assert response.status_code == 302

    client.logout()
    public = client.get(reverse("suppliers:public_school", args=[world.pupil.school.brin]))
    assert public.status_code == 200
    content = public.content.decode()
    assert "Rekentuin" in content
    assert "https://www.rekentuin.example/privacybijsluiter" in content
    assert "resultaten in de lesmethode" in content.lower()

    parent = login(world.users["parent"])
    child = parent.get(reverse("suppliers:portal_child", args=[world.pupil.pk])).content.decode()
    assert "Rekentuin" in child
    assert "sinds 20 augustus 2026" in child
    portal = parent.get(reverse("portal:child", args=[world.pupil.pk])).content.decode()
    assert reverse("suppliers:portal_child", args=[world.pupil.pk]) in portal


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"privacy_leaflet_url": "geen-url"}, "Voer een geldige URL in."),
        (
            {"agreement_signed_on": "2026-06-15", "agreement_expires_on": "2026-01-01"},
            "De verwerkersovereenkomst kan niet verlopen voordat hij is getekend.",
        ),
        (
            {"agreement_document": SimpleUploadedFile("a.pdf", b"not a pdf at all")},
            "Het bestand is geen pdf",
        ),
        (
            {"agreement_document": SimpleUploadedFile("a.docx", b"%PDF-1.7 ...")},
            "Bestandsextensie",
        ),
    ],
)
def test_bad_supplier_input_is_explained_and_saves_nothing(world, login, overrides, message):
    response = login(world.users["privacy_officer"]).post(
        reverse("suppliers:create"), supplier_data(world, **overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Supplier.objects.exists()


def test_a_supplier_name_is_unique_within_the_board(world, login):
    client = login(world.users["administrator"])
    client.post(reverse("suppliers:create"), supplier_data(world))
    response = client.post(reverse("suppliers:create"), supplier_data(world, name="REKENTUIN"))
    assert "Dit schoolbestuur heeft al een leverancier met deze naam." in response.content.decode()
    assert Supplier.objects.count() == 1


def make_supplier(world, name="Basispoort"):
    supplier = Supplier.objects.create(
        board=world.pupil.board, name=name, category="access_broker"
    )
    SupplierUse.objects.create(
        supplier=supplier, school=world.pupil.school, since=datetime.date(2016, 8, 1)
    )
    return supplier


def test_a_field_set_naming_an_unknown_field_is_refused(world):
    supplier = make_supplier(world)
    with pytest.raises(ValidationError, match="shoe_size"):
        services.field_set_add(
            supplier=supplier,
            school=world.pupil.school,
            valid_from=datetime.date(2026, 1, 1),
            fields=["first_name", "shoe_size"],
            not_shared="",
            acting_user=world.users["administrator"],
        )
    assert not FieldSet.objects.exists()


def test_what_a_supplier_receives_is_dated(world):
    basispoort = make_supplier(world)
    FieldSet.objects.create(
        supplier=basispoort, valid_from=datetime.date(2016, 8, 1), fields=["first_name", "gender"]
    )
    FieldSet.objects.create(
        supplier=basispoort,
        valid_from=datetime.date(2018, 8, 1),
        fields=["first_name"],
        not_shared="no learning or test results",
    )
    before = selectors.school_receivers(school=world.pupil.school, day=datetime.date(2018, 1, 1))
    after = selectors.school_receivers(school=world.pupil.school, day=datetime.date(2019, 1, 1))
    assert before[0].fields == ["first_name", "gender"]
    assert after[0].fields == ["first_name"]
    assert after[0].not_shared == "no learning or test results"


def test_art_19_names_exactly_the_receivers_of_the_affected_fields(world):
    basispoort = make_supplier(world)
    FieldSet.objects.create(
        supplier=basispoort, valid_from=datetime.date(2018, 8, 1), fields=["first_name", "group"]
    )
    gynzy = make_supplier(world, "Gynzy")
    FieldSet.objects.create(
        supplier=gynzy, valid_from=datetime.date(2018, 8, 1), fields=["learning_results"]
    )
    duo = Recipient.objects.create(
        board=world.pupil.board, name="DUO", legal_basis="WPO 178a", fields=["bsn", "first_name"]
    )
    duo.schools.add(world.pupil.school)

    receivers = selectors.receivers_of(pupil=world.pupil, fields={"first_name"})
    assert {(r.name, tuple(r.fields)) for r in receivers} == {
        ("Basispoort", ("first_name",)),
        ("DUO", ("first_name",)),
    }
    assert selectors.receivers_of(pupil=world.pupil, fields={"medical"}) == []


def test_an_unknown_school_has_no_public_page(client, db):
    assert client.get(reverse("suppliers:public_school", args=["00XX"])).status_code == 404


def test_the_register_list_takes_the_same_queries_for_few_and_many_suppliers(
    world, login, django_assert_max_num_queries
):
    client = login(world.users["administrator"])
    make_supplier(world, "Eerste")
    client.get(reverse("suppliers:list"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("suppliers:list"))
    for number in range(10):
        supplier = make_supplier(world, f"Leverancier {number}")
        FieldSet.objects.create(
            supplier=supplier, valid_from=datetime.date(2020, 1, 1), fields=["first_name"]
        )
    with django_assert_max_num_queries(20) as many:
        client.get(reverse("suppliers:list"))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_supplier_names_are_escaped_on_the_public_page(world, client):
    make_supplier(world, "<script>x</script>")
    content = client.get(
        reverse("suppliers:public_school", args=[world.pupil.school.brin])
    ).content.decode()
    assert "<script>x</script>" not in content
    assert escape("<script>x</script>") in content


def test_an_upload_that_is_too_large_is_refused(world, login):
    big = SimpleUploadedFile("a.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024 + 1))
    response = login(world.users["privacy_officer"]).post(
        reverse("suppliers:create"), supplier_data(world, agreement_document=big)
    )
    assert "Het bestand is groter dan 10 MB." in response.content.decode()
    assert not Supplier.objects.exists()


@pytest.mark.parametrize(
    "role",
    [
        "administrator",
        "administrator_other_school",
        "privacy_officer",
        "board_administrator",
        "director",
        "parent",
    ],
)
def test_the_agreement_is_downloaded_only_by_those_who_keep_the_register(
    keepers, login, role, settings, tmp_path
):
    world = keepers
    settings.MEDIA_ROOT = tmp_path
    login(world.users["privacy_officer"]).post(
        reverse("suppliers:create"),
        supplier_data(world, agreement_document=SimpleUploadedFile("a.pdf", documents.pdf())),
    )
    supplier = Supplier.objects.get()
    assert str(tmp_path) not in str(settings.STATIC_ROOT)
    response = login(world.users[role]).get(
        reverse("suppliers:document", args=[supplier.pk, "agreement"])
    )
    if role not in ("director", "parent"):
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
        assert "no-store" in response["Cache-Control"]
    else:
        assert response.status_code == 404


def test_a_leaflet_copy_that_is_not_a_pdf_is_refused(world, login):
    fake = SimpleUploadedFile("bijsluiter.pdf", b"<html>not a pdf</html>")
    response = login(world.users["administrator"]).post(
        reverse("suppliers:create"), supplier_data(world, leaflet_document=fake)
    )
    assert "Het bestand is geen pdf" in response.content.decode()
    assert not Supplier.objects.exists()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_public_page_names_whom_to_ask_and_the_right_to_complain(client, world, language):
    from django.conf import settings

    board = world.pupil.school.board
    board.privacy_contact_email = "privacy@bestuur.example"
    board.save(update_fields=["privacy_contact_email"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("suppliers:public_school", args=[world.pupil.school.brin]))
    content = page.content.decode()
    assert 'href="mailto:privacy@bestuur.example"' in content
    assert "Autoriteit Persoonsgegevens" in content
    assert 'href="https://autoriteitpersoonsgegevens.nl/"' in content
    complain = {"nl": "klacht indienen", "en": "complain"}[language]
    assert complain in content


def test_the_register_is_paged_and_counts_the_schools_it_does_not_name(world, login):
    from tests.factories import SchoolFactory

    board = world.pupil.school.board
    schools = [world.pupil.school, *(SchoolFactory(board=board) for _ in range(5))]
    for number in range(55):
        supplier = make_supplier(world, f"Leverancier {number:02}")
        for school in schools[1:]:
            SupplierUse.objects.create(
                supplier=supplier, school=school, since=datetime.date(2024, 8, 1)
            )
    client = login(world.users["administrator"])
    first = client.get(reverse("suppliers:list")).content.decode()
    assert "Leverancier 00" in first and "Leverancier 49" in first
    assert "Leverancier 50" not in first
    assert "en nog 3" in first  # six schools: three named, three counted
    second = client.get(reverse("suppliers:list"), {"page": 2}).content.decode()
    assert "Leverancier 54" in second and "Leverancier 00" not in second
