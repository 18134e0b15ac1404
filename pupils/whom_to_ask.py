"""Reads of whom parents and pupils ask about a child (QuestionContact): per topic, the
people who answer it, as the school chose their role."""

from dataclasses import dataclass

from schoolprivacy.authorization import grants_for
from schoolprivacy.capabilities import Capability, school_roles_with
from schoolprivacy.models import Board, Membership, Role, School, User

from .models import Pupil, QuestionContact


@dataclass(frozen=True)
class Answerer:
    """Who answers the questions on one topic about one pupil."""

    topic: str
    role: str
    people: list[User]


def question_roles(*, school_id: int) -> dict[str, str]:
    """Per topic, the role that answers it at the school (its own choice, else the default)."""
    chosen = dict(QuestionContact.objects.filter(school_id=school_id).values_list("topic", "role"))
    return {topic: chosen.get(topic, role) for topic, role in QuestionContact.DEFAULTS.items()}


def whom_to_ask(*, pupil: Pupil) -> list[Answerer]:
    """Per topic, the people who answer questions about *pupil*: the teachers of its group
    where the teacher answers, else the holders of the role at its school. Where nobody
    holds the role, the director answers. Three queries."""
    roles = question_roles(school_id=pupil.school_id)
    people: dict[str, list[User]] = {role: [] for role in roles.values()}
    if Role.TEACHER in people and pupil.group_id:
        people[Role.TEACHER] = list(
            User.objects.filter(
                is_active=True,
                groupuserobjectpermission__content_object_id=pupil.group_id,
                groupuserobjectpermission__permission__codename="teach_group",
            )
            .distinct()
            .only("full_name", "email")
            .order_by("full_name")
        )
    staff = (
        Membership.objects.filter(
            school_id=pupil.school_id,
            role__in={*people, Role.DIRECTOR} - {Role.TEACHER},
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__full_name")
    )
    for membership in staff:
        people.setdefault(membership.role, []).append(membership.user)
    labels = dict(QuestionContact.Topic.choices)
    answerers = []
    for topic, role in roles.items():
        found = people.get(role) or people.get(Role.DIRECTOR, [])
        answering = role if people.get(role) else Role.DIRECTOR
        answerers.append(Answerer(str(labels[topic]), str(Role(answering).label), found))
    return answerers


def board_of(*, pupil: Pupil):
    """The school board responsible for *pupil*'s data, with its privacy contact."""
    return Board.objects.only("name", "privacy_contact_email").get(schools=pupil.school_id)


def schools_for_question_contacts(*, user: User) -> list[School]:
    """The schools where *user* sets whom parents and pupils ask."""
    ids = grants_for(user).schools_with(*school_roles_with(Capability.QUESTION_CONTACTS))
    return list(School.objects.filter(pk__in=ids).order_by("name"))
