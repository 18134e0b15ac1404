"""Every role against every page of staff management, with real objects: the school's
administrator and director, and the board administrator, manage the school's staff; anyone
else gets a 404 (anonymous: the login page) and nothing changes."""

import pytest
from django.urls import reverse

from pupils.models import GroupUserObjectPermission, Invitation, PupilUserObjectPermission
from schoolprivacy.models import Membership, Role
from tests.factories import UserFactory
from tests.pupils.conftest import ROLES

pytestmark = pytest.mark.django_db
ALLOWED = {"director", "administrator", "board_administrator"}
EVERYONE = [*ROLES, "board_administrator"]

#: Every URL name of staff management that takes an object; the route matrix checks it.
COVERED_URL_NAMES = {
    "staff:member",
    "staff:roles",
    "staff:groups",
    "staff:follow",
    "staff:switch",
    "staff:send_invitation",
    "staff:group_edit",
}


def answers(role, page, response=None):
    codes = {page.status_code} | ({response.status_code} if response is not None else set())
    if role == "anonymous":
        return codes == {302} and page["Location"].startswith(reverse("login"))
    if role in ALLOWED:
        return page.status_code == 200 and (response is None or response.status_code == 302)
    return codes == {404}


@pytest.mark.parametrize("role", EVERYONE)
def test_the_member_page_and_the_roles(world, board_admin, login, role):
    teacher = world.users["teacher"]
    client = login(world.users[role])
    page = client.get(reverse("staff:member", args=[teacher.pk]))
    response = client.post(
        reverse("staff:roles", args=[teacher.pk]),
        {
            "kind": "school",
            "place_id": world.pupil.school.pk,
            f"school-{world.pupil.school.pk}-place": world.pupil.school.pk,
            f"school-{world.pupil.school.pk}-roles": [Role.TEACHER, Role.CARE_COORDINATOR],
        },
    )
    assert answers(role, page, response)
    given = Membership.objects.filter(user=teacher, role=Role.CARE_COORDINATOR).exists()
    assert given == (role in ALLOWED)


@pytest.mark.parametrize("role", EVERYONE)
def test_the_groups_taught(world, board_admin, login, role):
    teacher = world.users["teacher"]
    other_group = world.other_pupil.group
    client = login(world.users[role])
    response = client.post(
        reverse("staff:groups", args=[teacher.pk]),
        {"school": world.pupil.school.pk, "groups": [world.pupil.group.pk, other_group.pk]},
    )
    assert response.status_code == {"anonymous": 302}.get(role, 302 if role in ALLOWED else 404)
    teaches = GroupUserObjectPermission.objects.filter(
        user=teacher, content_object=other_group
    ).exists()
    assert teaches == (role in ALLOWED)


@pytest.mark.parametrize("role", EVERYONE)
def test_the_pupils_a_care_coordinator_follows(world, board_admin, login, role):
    coordinator = world.users["care_coordinator"]
    client = login(world.users[role])
    response = client.post(
        reverse("staff:follow", args=[coordinator.pk]), {"pupil": world.other_pupil.pk}
    )
    assert response.status_code == (302 if role == "anonymous" or role in ALLOWED else 404)
    follows = PupilUserObjectPermission.objects.filter(
        user=coordinator, content_object=world.other_pupil
    ).exists()
    assert follows == (role in ALLOWED)


@pytest.mark.parametrize("role", EVERYONE)
def test_switching_an_account_off(world, board_admin, login, role):
    teacher = world.users["teacher"]
    client = login(world.users[role])
    response = client.post(reverse("staff:switch", args=[teacher.pk]), {"active": "off"})
    assert response.status_code == (302 if role == "anonymous" or role in ALLOWED else 404)
    teacher.refresh_from_db()
    assert teacher.is_active == (role not in ALLOWED)


@pytest.mark.parametrize("role", EVERYONE)
def test_sending_an_invitation(world, board_admin, login, role):
    imported = UserFactory()
    imported.set_unusable_password()
    imported.save()
    Membership.objects.create(user=imported, school=world.pupil.school, role=Role.TEACHER)
    client = login(world.users[role])
    response = client.post(reverse("staff:send_invitation", args=[imported.pk]))
    assert response.status_code == (302 if role == "anonymous" or role in ALLOWED else 404)
    assert Invitation.objects.filter(parent=imported).exists() == (role in ALLOWED)


@pytest.mark.parametrize("role", EVERYONE)
def test_renaming_a_group(world, board_admin, login, role):
    group = world.pupil.group
    client = login(world.users[role])
    url = reverse("staff:group_edit", args=[group.pk])
    page = client.get(url)
    response = client.post(url, {"name": "Zonnebloem", "year_group": "5"})
    assert answers(role, page, response)
    group.refresh_from_db()
    assert (group.name == "Zonnebloem") == (role in ALLOWED)
