"""The parents' declarations for the funding rules (ouderverklaring): not consent but a legal
obligation, recorded with date and legal basis, the declaring parent's own data, seen by
the director and the administrator only, kept by a retention rule of their own."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from pupils import services
from pupils.models import ParentDeclaration
from requests import retention
from requests import services as request_services
from requests.models import ErasureCategory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def declarations(world):
    mother = services.declaration_record(
        pupil=world.pupil,
        parent=world.users["parent"],
        education_level="pre_vocational",
        nationality="Nederlandse",
        declared_on=D(2026, 9, 1),
        acting_user=world.users["administrator"],
    )
    father = services.declaration_record(
        pupil=world.pupil,
        parent=world.users["parent_information_right"],
        education_level="primary",
        declared_on=D(2026, 9, 1),
        acting_user=world.users["administrator"],
    )
    return {"mother": mother, "father": father}


def test_a_declaration_has_its_date_and_legal_basis_and_is_not_consent(declarations):
    mother = declarations["mother"]
    assert mother.declared_on == D(2026, 9, 1)
    assert "bekostiging" in mother.legal_basis.lower() or "funding" in mother.legal_basis.lower()
    assert mother.nationality == "Nederlandse"


def test_each_parent_sees_only_their_own_declaration(world, declarations, login):
    mother = login(world.users["parent"]).get(reverse("portal:child", args=[world.pupil.pk]))
    html = mother.content.decode()
    assert "Nederlandse" in html
    assert str(ParentDeclaration.EducationLevel.PRIMARY.label) not in html
    father = login(world.users["parent_information_right"]).get(
        reverse("portal:child", args=[world.pupil.pk])
    )
    assert "Nederlandse" not in father.content.decode()


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("director", True),
        ("administrator", True),
        ("teacher", False),
        ("care_coordinator", False),
        ("team_leader", False),
        ("privacy_officer", False),
    ],
)
def test_only_the_director_and_the_administrator_read_them(world, declarations, login, role, sees):
    client = login(world.users[role])
    page = client.get(reverse("pupils:declarations", args=[world.pupil.pk]))
    assert page.status_code == (200 if sees else 404)
    detail = client.get(reverse("pupils:detail", args=[world.pupil.pk]))
    assert ("Nederlandse" in page.content.decode()) is sees
    if detail.status_code == 200:
        assert "Nederlandse" not in detail.content.decode()


@pytest.mark.parametrize(
    "change",
    [
        {"parent": "other_child_parent"},
        {"declared_on": D(2099, 1, 1)},
    ],
)
def test_bad_input_is_refused_and_changes_nothing(world, declarations, change):
    before = list(ParentDeclaration.objects.values_list("parent", "education_level"))
    kwargs = {
        "pupil": world.pupil,
        "parent": world.users["parent"],
        "education_level": "other",
        "declared_on": D(2026, 10, 1),
        "acting_user": world.users["director"],
    }
    if change.get("parent"):
        kwargs["parent"] = world.users["parent_other_child"]
    else:
        kwargs.update(change)
    with pytest.raises(ValidationError):
        services.declaration_record(**kwargs)
    assert list(ParentDeclaration.objects.values_list("parent", "education_level")) == before


def test_the_copy_holds_the_requesters_own_declaration_and_counts_the_other(world, declarations):
    from requests import copies

    request = request_services.request_submit(
        pupil=world.pupil,
        kind="access",
        requester=world.users["parent"],
        acting_user=world.users["parent"],
        submission=uuid.uuid4(),
    )
    data, redactions = copies.collect(request)
    assert [d["nationality"] for d in data["your_declaration"]] == ["Nederlandse"]
    assert redactions["declarations_of_others"] == 1


def test_declarations_follow_a_retention_rule_of_their_own(world, declarations):
    rule = retention.RULES[ErasureCategory.DECLARATION]
    assert rule.statutory and rule.years == 5
    world.pupil.enrolled_on, world.pupil.left_on = D(2012, 8, 20), D(2021, 7, 9)
    world.pupil.save()
    request_services.retention_sweep(today=D(2026, 7, 9))  # on the last day: still kept
    assert ParentDeclaration.objects.filter(pupil=world.pupil).count() == 2
    request_services.retention_sweep(today=D(2026, 7, 10))
    assert not ParentDeclaration.objects.filter(pupil=world.pupil).exists()
