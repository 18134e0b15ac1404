"""A small board for dossier tests: two schools, two groups, one pupil and everyone around it."""

from dataclasses import dataclass, field

import pytest

from pupils import services
from pupils.models import Guardianship, Pupil
from schoolprivacy.models import BoardMembership, BoardRole, Membership, Role, User
from tests.factories import (
    BoardFactory,
    GroupFactory,
    GuardianshipFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
)

ROLES = [
    "anonymous",
    "teacher",
    "teacher_other_group",
    "care_coordinator",
    "care_coordinator_assigned",
    "care_coordinator_other_school",
    "team_leader",
    "director",
    "administrator",
    "privacy_officer",
    "director_other_school",
    "parent",
    "parent_information_right",
    "parent_no_rights",
    "parent_other_child",
]


@dataclass
class World:
    pupil: Pupil
    other_pupil: Pupil
    users: dict[str, User | None] = field(default_factory=dict)
    guardianships: dict[str, Guardianship] = field(default_factory=dict)


def _member(school, role, **kwargs) -> User:
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, school=school, role=role)
    return user


@pytest.fixture
def world(db) -> World:
    board = BoardFactory()
    school = SchoolFactory(board=board)
    other_school = SchoolFactory(board=board)
    group = GroupFactory(school=school)
    other_group = GroupFactory(school=school)
    pupil = PupilFactory(school=school, group=group)
    other_pupil = PupilFactory(school=school, group=other_group)

    users = {"anonymous": None}
    users["teacher"] = _member(school, Role.TEACHER)
    users["teacher_other_group"] = _member(school, Role.TEACHER)
    services.group_assign_teacher(group=group, teacher=users["teacher"])
    services.group_assign_teacher(group=other_group, teacher=users["teacher_other_group"])
    users["care_coordinator"] = _member(school, Role.CARE_COORDINATOR)
    users["care_coordinator_assigned"] = _member(other_school, Role.CARE_COORDINATOR)
    services.pupil_assign_care_coordinator(
        pupil=pupil, care_coordinator=users["care_coordinator_assigned"]
    )
    users["care_coordinator_other_school"] = _member(other_school, Role.CARE_COORDINATOR)
    users["team_leader"] = _member(school, Role.TEAM_LEADER)
    users["director"] = _member(school, Role.DIRECTOR)
    users["administrator"] = _member(school, Role.ADMINISTRATOR)
    users["privacy_officer"] = UserFactory()
    BoardMembership.objects.create(
        user=users["privacy_officer"], board=board, role=BoardRole.PRIVACY_OFFICER
    )
    users["director_other_school"] = _member(other_school, Role.DIRECTOR)

    guardianships = {
        "parent": GuardianshipFactory(pupil=pupil, relation="mother"),
        "parent_information_right": GuardianshipFactory(
            pupil=pupil,
            relation="father",
            has_parental_authority=False,
            has_information_right=True,
        ),
        "parent_no_rights": GuardianshipFactory(
            pupil=pupil, relation="other", has_parental_authority=False
        ),
        "parent_other_child": GuardianshipFactory(pupil=other_pupil),
    }
    for key, guardianship in guardianships.items():
        users[key] = guardianship.parent
    return World(pupil=pupil, other_pupil=other_pupil, users=users, guardianships=guardianships)


@pytest.fixture
def login(client):
    def as_(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return as_
