"""One school's administrator acts on one school: what the board's schools share (a
supplier itself, board documents) is kept by a board role. The whole matrix of roles and
changes is in test_permission_matrix.py; these are the cases as a school meets them."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from schoolprivacy.models import School, User
from suppliers import selectors
from suppliers.models import FieldSet, PrivacyDocument, Supplier, SupplierUse
from tests.suppliers.test_permission_matrix import register, shown

pytestmark = pytest.mark.django_db
D = datetime.date


def public_main(brin: str) -> str:
    """The main part of a school's public page, as an anonymous visitor sees it."""
    page = Client().get(reverse("suppliers:public_school", args=[brin])).content.decode()
    return re.search(r"<main.*</main>", page, re.S).group(0)


def dutch(message: str) -> str:
    with translation.override("nl"):
        return gettext(message)


def test_the_regenboog_administrator_cannot_take_gynzy_off_de_horizons_page(demo, client):
    """The case of the report: unticking De Horizon changes nothing for De Horizon."""
    gynzy = Supplier.objects.get(name="Gynzy")
    regenboog, horizon = School.objects.get(brin="99RB"), School.objects.get(brin="99HZ")
    horizon_use = SupplierUse.objects.get(supplier=gynzy, school=horizon)
    before = public_main("99HZ")
    assert "Gynzy" in before

    client.force_login(User.objects.get(email="beheerder@regenboog.example"))
    url = reverse("suppliers:edit", args=[gynzy.pk])
    posted = shown(client, url)
    assert posted["schools"] == [str(regenboog.pk)]  # De Horizon is not offered
    # What the old form sent: De Regenboog ticked, De Horizon not.
    client.post(url, {**posted, "schools": [regenboog.pk]})

    assert SupplierUse.objects.filter(pk=horizon_use.pk, since=horizon_use.since).exists()
    assert public_main("99HZ") == before


def test_a_document_of_de_regenboog_changes_only_de_regenboogs_page(demo, client):
    """Publishing as one school's administrator used to change every school's page."""
    horizon_before = public_main("99HZ")
    client.force_login(User.objects.get(email="beheerder@regenboog.example"))
    response = client.post(
        reverse("suppliers:document_create"),
        {
            "school": School.objects.get(brin="99RB").pk,
            "kind": "social_media",
            "version": "2026-RB",
            "valid_from": "2026-08-01",
            "text": "Protocol sociale media van De Regenboog.",
        },
    )
    assert response.status_code == 302
    assert PrivacyDocument.objects.get(version="2026-RB").school.brin == "99RB"
    assert public_main("99HZ") == horizon_before
    document = PrivacyDocument.objects.get(version="2026-RB")
    assert reverse("suppliers:public_document", args=["99RB", document.pk]) in public_main("99RB")
    hidden = Client().get(reverse("suppliers:public_document", args=["99HZ", document.pk]))
    assert hidden.status_code == 404


def test_a_school_administrator_sees_the_shared_data_but_only_ticks_the_own_school(keepers, login):
    world = keepers
    r = register(world)
    page = login(world.users["administrator"]).get(reverse("suppliers:edit", args=[r.gynzy.pk]))
    form = page.context["form"]
    assert list(form.fields) == ["schools", "since"]
    assert list(form.fields["schools"].queryset) == [r.a]
    content = page.content.decode()
    assert 'name="name"' not in content and "privacy@gynzy.example" in content
    assert (
        dutch(
            "Every school of the school board shares these details, so the privacy officer "
            "or the board administrator changes them."
        )
        in content
    )

    board = login(world.users["board_administrator"]).get(
        reverse("suppliers:edit", args=[r.gynzy.pk])
    )
    assert {"name", "agreement_status", "schools"} <= set(board.context["form"].fields)
    assert set(board.context["form"].fields["schools"].queryset) == {r.a, r.b}


def test_a_school_administrator_adds_a_supplier_without_its_agreement(keepers, login):
    world = keepers
    client = login(world.users["administrator"])
    form = client.get(reverse("suppliers:create")).context["form"]
    assert "agreement_status" not in form.fields and "name" in form.fields
    client.post(
        reverse("suppliers:create"),
        {
            "name": "Rekentuin",
            "category": "learning_method",
            "processing_role": "processor",
            "storage_location": "eu",
            "agreement_status": "signed",  # not offered: ignored
            "schools": [world.pupil.school_id],
            "since": "2026-08-20",
        },
    )
    supplier = Supplier.objects.get(name="Rekentuin")
    assert supplier.agreement_status == Supplier.AgreementStatus.NONE
    assert list(supplier.schools.all()) == [world.pupil.school]


@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("suppliers:edit", {"since": "2026-08-20"}),
        ("suppliers:create", {"name": "Rekentuin", "category": "other", "since": "2026-08-20"}),
        ("suppliers:field_set_create", {"valid_from": "2026-01-01", "shared": ["first_name"]}),
        ("suppliers:recipient_edit", {}),
        ("suppliers:document_create", {"kind": "social_media", "version": "9", "text": "x"}),
    ],
)
def test_choosing_another_school_is_explained_in_dutch_and_changes_nothing(
    keepers, login, url_name, data
):
    world = keepers
    r = register(world)
    args = {
        "suppliers:edit": [r.gynzy.pk],
        "suppliers:field_set_create": [r.gynzy.pk],
        "suppliers:recipient_edit": [r.duo.pk],
    }.get(url_name, [])
    field = (
        "school"
        if url_name in ("suppliers:field_set_create", "suppliers:document_create")
        else "schools"
    )
    before = public_main(r.b.brin), list(SupplierUse.objects.values()), FieldSet.objects.count()
    documents = PrivacyDocument.objects.count()

    response = login(world.users["administrator"]).post(
        reverse(url_name, args=args), {**data, "valid_from": "2026-01-01", field: r.b.pk}
    )

    assert response.status_code == 200
    assert dutch("You can only choose your own school.") in response.content.decode()
    assert (
        public_main(r.b.brin),
        list(SupplierUse.objects.values()),
        FieldSet.objects.count(),
    ) == before
    assert PrivacyDocument.objects.count() == documents
    assert Supplier.objects.count() == 1


def test_a_schools_own_field_set_holds_for_that_school_until_a_newer_one(keepers):
    """The board's field set holds for every school; a school's own replaces it there from
    its date (on the same day too), until a newer one of the board or the school."""
    world = keepers
    r = register(world)  # the board's: first name, from 2020
    FieldSet.objects.create(
        supplier=r.gynzy, school=r.a, valid_from=D(2024, 8, 1), fields=["first_name", "group"]
    )
    FieldSet.objects.create(supplier=r.gynzy, valid_from=D(2024, 8, 1), fields=["last_name"])
    FieldSet.objects.create(supplier=r.gynzy, valid_from=D(2026, 1, 1), fields=["gender"])

    def fields(school, day):
        gynzy = next(
            x for x in selectors.school_receivers(school=school, day=day) if x.kind == "supplier"
        )
        return gynzy.fields

    assert fields(r.a, D(2023, 1, 1)) == fields(r.b, D(2023, 1, 1)) == ["first_name"]
    assert fields(r.a, D(2025, 1, 1)) == ["first_name", "group"]
    assert fields(r.b, D(2025, 1, 1)) == ["last_name"]
    assert fields(r.a, D(2026, 6, 1)) == fields(r.b, D(2026, 6, 1)) == ["gender"]


def test_a_schools_own_document_is_shown_on_its_page_only(keepers):
    world = keepers
    r = register(world)  # the board's social-media protocol, version 1 of 2024
    own = PrivacyDocument.objects.create(
        board=r.a.board,
        school=r.a,
        kind="social_media",
        version="1",
        valid_from=D(2025, 8, 1),
        text="Eigen protocol",
    )
    assert [d.pk for d in selectors.current_documents(school=r.a)] == [own.pk]
    assert [d.version for d in selectors.current_documents(school=r.b)] == ["1"]
    assert selectors.current_documents(school=r.b)[0].school is None
