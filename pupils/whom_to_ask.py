"""Reads of whom parents and pupils ask about a child (QuestionContact): per topic, the
people who answer it, as the school chose their role."""

import functools
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.db import connection

from schoolprivacy.authorization import grants_for
from schoolprivacy.capabilities import Capability, school_roles_with
from schoolprivacy.models import Board, Membership, Role, School, User

from .models import GroupUserObjectPermission, Pupil, QuestionContact


@dataclass(frozen=True)
class Person:
    """Someone who answers questions: name and e-mail address only."""

    pk: int
    full_name: str
    email: str


@dataclass(frozen=True)
class Answerer:
    """Who answers the questions on one topic about one pupil."""

    topic: str
    role: str
    people: list[Person]


def question_roles(*, school_id: int) -> dict[str, str]:
    """Per topic, the role that answers it at the school (its own choice, else the default)."""
    chosen = dict(QuestionContact.objects.filter(school_id=school_id).values_list("topic", "role"))
    return {topic: chosen.get(topic, role) for topic, role in QuestionContact.DEFAULTS.items()}


@dataclass(frozen=True)
class AskBox:
    """Whom to ask about one pupil: per topic, and the board's privacy contact."""

    answerers: list[Answerer]
    board_name: str
    privacy_contact_email: str


def whom_to_ask(*, pupil: Pupil) -> AskBox:
    """Per topic, the people who answer questions about *pupil*: the teachers of its group
    where the teacher answers, else the holders of the role at its school. Where nobody
    holds the role, the director answers. With the board's privacy contact.

    One statement (_ask_sql): every portal page about a child shows this box, and the
    ORM took longer to build its four queries than PostgreSQL to run them
    (docs/benchmarks.md, M3 portal).
    """
    chosen: dict[str, str] = {}
    people: dict[str, list[Person]] = defaultdict(list)
    board_name = privacy_email = ""
    with connection.cursor() as cursor:
        cursor.execute(
            _ask_sql(),
            {"school": pupil.school_id, "group": pupil.group_id, "teacher": Role.TEACHER},
        )
        for kind, topic, role, pk, email, name in cursor.fetchall():
            if kind == "chosen":
                chosen[topic] = role
            elif kind == "board":
                board_name, privacy_email = name, email or ""
            else:
                people[role].append(Person(pk, name, email))
    labels = dict(QuestionContact.Topic.choices)
    answerers = []
    for topic, default in QuestionContact.DEFAULTS.items():
        role = chosen.get(topic, default)
        answering = role if people.get(role) else Role.DIRECTOR
        answerers.append(
            Answerer(str(labels[topic]), str(Role(answering).label), people.get(answering, []))
        )
    return AskBox(answerers, board_name, privacy_email)


@functools.cache
def _ask_sql() -> str:
    """The rows of whom_to_ask: the school's choices; the active teachers of the pupil's
    group; the active holders of the other roles at its school; its board. By name."""
    choices, users = QuestionContact._meta.db_table, User._meta.db_table
    grants, permissions = GroupUserObjectPermission._meta.db_table, Permission._meta.db_table
    memberships, schools, boards = (
        Membership._meta.db_table,
        School._meta.db_table,
        Board._meta.db_table,
    )
    return f"""
        SELECT 'chosen', c.topic, c.role, NULL::bigint, NULL, NULL
          FROM {choices} c WHERE c.school_id = %(school)s
        UNION ALL
        SELECT 'person', NULL, %(teacher)s, u.id, u.email, u.full_name
          FROM {users} u
         WHERE u.is_active AND u.id IN (
               SELECT g.user_id FROM {grants} g JOIN {permissions} p ON p.id = g.permission_id
                WHERE g.content_object_id = %(group)s AND p.codename = 'teach_group')
        UNION ALL
        SELECT 'person', NULL, m.role, u.id, u.email, u.full_name
          FROM {memberships} m JOIN {users} u ON u.id = m.user_id
         WHERE m.school_id = %(school)s AND m.role <> %(teacher)s AND u.is_active
        UNION ALL
        SELECT 'board', NULL, NULL, b.id, b.privacy_contact_email, b.name
          FROM {schools} s JOIN {boards} b ON b.id = s.board_id WHERE s.id = %(school)s
        ORDER BY 6, 4
    """  # noqa: S608 (table names from the models)


def schools_for_question_contacts(*, user: User) -> list[School]:
    """The schools where *user* sets whom parents and pupils ask."""
    ids = grants_for(user).schools_with(*school_roles_with(Capability.QUESTION_CONTACTS))
    return list(School.objects.filter(pk__in=ids).order_by("name"))
