"""Reads of staff management, already limited to whom the user manages (permissions.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from pupils.models import (
    Group,
    GroupUserObjectPermission,
    Invitation,
    Pupil,
    PupilUserObjectPermission,
)
from schoolprivacy.authorization import Action
from schoolprivacy.models import Board, BoardMembership, Membership, Role, School, User

from .permissions import STAFF, boards_managed, groups_managed, schools_managed


def staff_list(*, user: User, search: str = "", school: School | None = None) -> QuerySet[User]:
    """The members of staff *user* manages, with their roles at the schools and boards that
    *user* manages (``shown_memberships``, ``shown_board_memberships``)."""
    schools = schools_managed(user)
    members = STAFF.scope(user, Action.VIEW)
    if school is not None:
        members = members.filter(memberships__school=school)
    for word in search.split()[:4]:
        members = members.filter(Q(full_name__icontains=word) | Q(email__icontains=word))
    return (
        members.distinct()
        .order_by("full_name", "pk")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(school__in=schools)
                .select_related("school")
                .order_by("school__name", "role"),
                to_attr="shown_memberships",
            ),
            Prefetch(
                "board_memberships",
                queryset=BoardMembership.objects.filter(board__in=boards_managed(user))
                .select_related("board")
                .order_by("role"),
                to_attr="shown_board_memberships",
            ),
        )
    )


@dataclass
class SchoolPart:
    """One school's part of a member's page: the roles held, and the groups taught there."""

    school: School
    roles: set[str]
    groups: list[Group] = field(default_factory=list)
    taught: set[int] = field(default_factory=set)


def member_schools(*, member: User, user: User) -> list[SchoolPart]:
    """For every school *user* manages where *member* holds a role (or that *user* could give
    one at), the roles and the current groups with those *member* teaches."""
    schools = list(schools_managed(user).order_by("name"))
    held: dict[int, set[str]] = {}
    for school_id, role in Membership.objects.filter(user=member, school__in=schools).values_list(
        "school_id", "role"
    ):
        held.setdefault(school_id, set()).add(role)
    taught = set(
        GroupUserObjectPermission.objects.filter(
            user=member, content_object__school__in=schools
        ).values_list("content_object_id", flat=True)
    )
    parts = []
    groups_by_school: dict[int, list[Group]] = {}
    teaching = [pk for pk, roles in held.items() if Role.TEACHER in roles]
    for group in Group.objects.filter(school__in=teaching).order_by(
        "-school_year", "year_group", "name"
    ):
        groups_by_school.setdefault(group.school_id, []).append(group)
    for school in schools:
        roles = held.get(school.pk, set())
        groups = _current(groups_by_school.get(school.pk, []))
        parts.append(SchoolPart(school, roles, groups, taught & {g.pk for g in groups}))
    return parts


def _current(groups: list[Group]) -> list[Group]:
    """The groups of the newest school year among *groups*."""
    if not groups:
        return []
    newest = max(group.school_year for group in groups)
    return [group for group in groups if group.school_year == newest]


def pupils_followed(*, member: User, user: User) -> list[Pupil]:
    """The pupils of schools *user* manages that the care coordinator *member* follows."""
    return list(
        Pupil.objects.filter(
            pk__in=PupilUserObjectPermission.objects.filter(user=member).values(
                "content_object_id"
            ),
            school__in=schools_managed(user),
        )
        .select_related("school")
        .order_by("last_name", "first_name", "pk")
    )


def pupil_candidates(*, user: User, search: str, limit: int = 20) -> list[Pupil]:
    """Current pupils of the schools *user* manages whose name matches *search*."""
    words = search.split()[:4]
    if not words:
        return []
    pupils = Pupil.objects.filter(
        school__in=schools_managed(user), left_on__isnull=True, anonymised_at__isnull=True
    )
    for word in words:
        pupils = pupils.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return list(pupils.select_related("school").order_by("last_name", "first_name", "pk")[:limit])


def is_care_coordinator(*, member: User) -> bool:
    return Membership.objects.filter(user=member, role=Role.CARE_COORDINATOR).exists()


def member_boards(*, member: User, user: User) -> list[tuple[Board, set[str]]]:
    """The boards *user* manages, each with the board roles *member* holds on it."""
    boards = list(boards_managed(user).order_by("name"))
    held: dict[int, set[str]] = {}
    for board_id, role in BoardMembership.objects.filter(
        user=member, board__in=boards
    ).values_list("board_id", "role"):
        held.setdefault(board_id, set()).add(role)
    return [(board, held.get(board.pk, set())) for board in boards]


def invitation_open(*, member: User) -> bool:
    """Whether an invitation of *member* can still be used."""
    return Invitation.objects.filter(
        parent=member, used_at__isnull=True, expires_at__gt=timezone.now()
    ).exists()


def groups_list(*, user: User, school_year: int | None = None) -> tuple[list[int], list[Group]]:
    """The school years with groups, and the groups of *school_year* (else the newest) of the
    schools *user* manages, each with ``current`` pupils and ``teachers``."""
    groups = groups_managed(user)
    years = sorted(set(groups.values_list("school_year", flat=True)), reverse=True)
    if school_year not in years:
        school_year = years[0] if years else None
    shown = list(
        groups.filter(school_year=school_year)
        .select_related("school")
        .annotate(
            current=Count(
                "pupils",
                filter=Q(pupils__left_on__isnull=True, pupils__anonymised_at__isnull=True),
            )
        )
        .order_by("school__name", "year_group", "name")
    )
    teachers: dict[int, list[str]] = {}
    for group_id, name in (
        GroupUserObjectPermission.objects.filter(
            content_object__in=[g.pk for g in shown], user__is_active=True
        )
        .values_list("content_object_id", "user__full_name")
        .order_by("user__full_name")
    ):
        teachers.setdefault(group_id, []).append(name)
    for group in shown:
        group.teachers = teachers.get(group.pk, [])
    return years, shown
