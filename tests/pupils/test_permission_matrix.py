"""Every role against every dossier page and action, with real objects.

Allowed: the page opens (200), or the action saves and redirects (302).
Denied: 404, exactly as for a pupil that does not exist (the login page for
anonymous visitors), and nothing in the database changed.
"""

import datetime

import pytest
from django.urls import reverse

from pupils import models
from pupils.models import (
    Agreement,
    EmergencyAccess,
    GroupPlacement,
    Guardianship,
    Note,
    Pupil,
    SpecialRecord,
)
from schoolprivacy.models import User

from .conftest import ROLES

STAFF_WHO_READ = {
    "teacher",
    "care_coordinator",
    "care_coordinator_assigned",
    "team_leader",
    "director",
}
SCHOOL_STAFF = {
    "teacher",
    "teacher_other_group",
    "care_coordinator",
    "team_leader",
    "director",
    "administrator",
}
TODAY = datetime.date(2026, 11, 2)


def payload(name: str, world) -> dict:
    pupil = world.pupil
    return {
        "agreement": {
            "agreed_on": TODAY,
            "participants": "moeder, leerkracht",
            "agreement": "Extra leesoefening thuis.",
            "source": "school",
        },
        "test-result": {
            "test_name": "Rekenen M5",
            "taken_on": TODAY,
            "score": "41",
            "level": "B",
            "source": "school",
        },
        "note": {
            "kind": "note",
            "written_on": TODAY,
            "title": "Gesprek",
            "body": "Goed gesprek.",
            "source": "school",
        },
        "special_add": {"kind": "custody", "content": "Gezamenlijk gezag.", "source": "parent"},
        "edit": {
            "first_name": pupil.first_name,
            "name_prefix": "",
            "last_name": "Gewijzigd",
            "date_of_birth": pupil.date_of_birth,
            "gender": "",
            "bsn": pupil.bsn,
            "enrolled_on": pupil.enrolled_on,
            "left_on": "",
        },
        "change_group": {"group": world.other_pupil.group_id, "on": TODAY},
        "parent_add": {
            "full_name": "Nieuwe Ouder",
            "email": "nieuw@gezin.example",
            "relation": "guardian",
            "has_parental_authority": "on",
        },
        "guardianship": {"has_information_right": "on"},
        "emergency": {"reason": "Aanval op het schoolplein."},
        "declarations": {
            "parent": world.users["parent"].pk,
            "education_level": "pre_vocational",
            "nationality": "",
            "declared_on": TODAY,
        },
    }[name]


def url(name: str, world) -> str:
    pk = world.pupil.pk
    return {
        "detail": reverse("pupils:detail", args=[pk]),
        "agreement": reverse("pupils:entry_add", args=[pk, "agreement"]),
        "test-result": reverse("pupils:entry_add", args=[pk, "test-result"]),
        "note": reverse("pupils:entry_add", args=[pk, "note"]),
        "special": reverse("pupils:special", args=[pk]),
        "special_add": reverse("pupils:special_add", args=[pk]),
        "history": reverse("pupils:history", args=[pk]),
        "edit": reverse("pupils:edit", args=[pk]),
        "change_group": reverse("pupils:change_group", args=[pk]),
        "parent_add": reverse("pupils:parent_add", args=[pk]),
        "guardianship": reverse(
            "pupils:guardianship", args=[pk, world.guardianships["parent_no_rights"].pk]
        ),
        "emergency": reverse("pupils:emergency", args=[pk]),
        "declarations": reverse("pupils:declarations", args=[pk]),
        "portal_child": reverse("portal:child", args=[pk]),
        "portal_access": reverse("portal:access_history", args=[pk]),
    }[name]


# page -> (URL name, the roles that may open it, whether it takes a POST)
MATRIX = {
    "detail": ("pupils:detail", STAFF_WHO_READ | {"administrator"}, False),
    "agreement": ("pupils:entry_add", STAFF_WHO_READ, True),
    "test-result": ("pupils:entry_add", STAFF_WHO_READ, True),
    "note": ("pupils:entry_add", STAFF_WHO_READ, True),
    "special": ("pupils:special", STAFF_WHO_READ, False),
    "special_add": (
        "pupils:special_add",
        {"care_coordinator", "care_coordinator_assigned", "director"},
        True,
    ),
    "history": ("pupils:history", {"team_leader", "director"}, False),
    "edit": ("pupils:edit", {"director", "administrator"}, True),
    "change_group": ("pupils:change_group", {"director", "administrator"}, True),
    "parent_add": ("pupils:parent_add", {"director", "administrator"}, True),
    "guardianship": ("pupils:guardianship", {"director", "administrator"}, True),
    "emergency": ("pupils:emergency", SCHOOL_STAFF, True),
    "declarations": ("pupils:declarations", {"director", "administrator"}, True),
    "portal_child": ("portal:child", {"parent", "parent_information_right"}, False),
    "portal_access": ("portal:access_history", {"parent"}, False),
}

#: Every URL name of the dossier that takes a pupil; the route matrix checks it is complete.
COVERED_URL_NAMES = {url_name for url_name, _, _ in MATRIX.values()} | {"portal:parents_access"}


def snapshot(world) -> dict:
    pupil = Pupil.objects.get(pk=world.pupil.pk)
    return {
        "agreements": Agreement.objects.count(),
        "test_results": models.TestResult.objects.count(),
        "notes": Note.objects.count(),
        "special": SpecialRecord.objects.count(),
        "guardianships": list(
            Guardianship.objects.order_by("pk").values_list(
                "pk", "has_parental_authority", "has_information_right"
            )
        ),
        "placements": GroupPlacement.objects.count(),
        "emergencies": EmergencyAccess.objects.count(),
        "declarations": list(
            models.ParentDeclaration.objects.values_list("parent", "education_level")
        ),
        "users": User.objects.count(),
        "pupil": (pupil.last_name, pupil.group_id, pupil.bsn),
    }


CASES = [(page, role) for page in MATRIX for role in ROLES]


@pytest.mark.parametrize(("page", "role"), CASES, ids=[f"{p}-{r}" for p, r in CASES])
def test_dossier_matrix(world, login, page, role):
    _, allowed_roles, takes_post = MATRIX[page]
    client = login(world.users[role])
    address = url(page, world)
    before = snapshot(world)

    response = client.get(address)
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif role in allowed_roles:
        assert response.status_code == 200, response.content[:500]
    else:
        assert response.status_code == 404

    if takes_post:
        response = client.post(address, payload(page, world))
        if role in allowed_roles:
            assert response.status_code == 302, (
                response.context and response.context.get("form").errors
            )
            assert snapshot(world) != before
        else:
            assert response.status_code in (302, 404) if role == "anonymous" else 404
            assert snapshot(world) == before
    elif role not in allowed_roles:
        assert snapshot(world) == before


@pytest.mark.parametrize("role", [*ROLES, "pupil_self"])
def test_the_parents_access_page_is_the_pupils_own(world, login, role):
    """Only the pupil, from the own account, decides who sees the data after 18."""
    from tests.factories import UserFactory

    pupil = world.pupil
    pupil.account = UserFactory()
    pupil.date_of_birth = datetime.date(2009, 3, 14)  # 17: the pupil has a portal of their own
    pupil.save(update_fields=["account", "date_of_birth"])
    user = pupil.account if role == "pupil_self" else world.users[role]
    client = login(user)
    address = reverse("portal:parents_access", args=[pupil.pk])
    grant = {"guardianship": world.guardianships["parent"].pk, "grant": "yes"}

    def granted():
        return list(Guardianship.objects.filter(access_granted_at__isnull=False))

    if role == "pupil_self":
        assert client.get(address).status_code == 200
        assert client.post(address, grant).status_code == 302
        assert granted() == [world.guardianships["parent"]]
        return
    expected = 302 if role == "anonymous" else 404
    assert client.get(address).status_code == expected
    assert client.post(address, grant).status_code == expected
    assert granted() == []


def test_a_pupil_that_does_not_exist_answers_the_same_404(world, login):
    client = login(world.users["director"])
    missing = Pupil.objects.order_by("-pk").first().pk + 1000
    for page in MATRIX:
        address = url(page, world).replace(f"/{world.pupil.pk}/", f"/{missing}/")
        assert client.get(address).status_code == 404, page
