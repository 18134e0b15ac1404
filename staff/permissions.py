"""Who manages whom. A school's administrator and director manage the staff of their school
(their roles there, the groups they teach, the pupils a care coordinator follows); a board
administrator manages the board roles and the staff of every school of the board. A member
of staff someone may not manage is a 404 (schoolprivacy/authorization.py). Nobody changes
their own roles: that check is in the services."""

from django.db.models import Q, QuerySet

from pupils.models import Group
from schoolprivacy.authorization import AccessPolicy, Action, grants_for, hidden
from schoolprivacy.capabilities import Capability, board_roles_with, school_roles_with
from schoolprivacy.models import (
    Board,
    BoardMembership,
    Membership,
    School,
    User,
)

MANAGER_ROLES = school_roles_with(Capability.MANAGE_STAFF)
BOARD_MANAGER_ROLES = board_roles_with(Capability.MANAGE_BOARD_STAFF)


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def schools_managed(user) -> QuerySet[School]:
    """The schools whose staff *user* manages."""
    if not _active(user):
        return School.objects.none()
    grants = grants_for(user)
    return School.objects.filter(
        Q(pk__in=grants.schools_with(*MANAGER_ROLES))
        | Q(board_id__in=grants.boards_with(*BOARD_MANAGER_ROLES))
    )


def boards_managed(user) -> QuerySet[Board]:
    """The boards whose board roles *user* manages."""
    if not _active(user):
        return Board.objects.none()
    return Board.objects.filter(pk__in=grants_for(user).boards_with(*BOARD_MANAGER_ROLES))


def may_manage(user, school: School) -> bool:
    if not _active(user):
        return False
    grants = grants_for(user)
    return grants.has_school_role(school.pk, *MANAGER_ROLES) or (
        school.board_id in grants.boards_with(*BOARD_MANAGER_ROLES)
    )


def may_manage_board(user, board: Board) -> bool:
    return _active(user) and board.pk in grants_for(user).boards_with(*BOARD_MANAGER_ROLES)


def manages_anyone(user, grants) -> bool:
    """For the menu: holds a role with which staff are managed."""
    return grants.has_any_role(*MANAGER_ROLES, *BOARD_MANAGER_ROLES)


class StaffPolicy(AccessPolicy[User]):
    """Members of staff: those with a role at a school, or on a board, that *user* manages."""

    model = User

    def scope(self, user, action: str) -> QuerySet[User]:
        if not _active(user):
            return User.objects.none()
        schools = schools_managed(user).values("pk")
        boards = boards_managed(user).values("pk")
        return User.objects.filter(
            Q(pk__in=Membership.objects.filter(school__in=schools).values("user_id"))
            | Q(pk__in=BoardMembership.objects.filter(board__in=boards).values("user_id"))
        )


STAFF = StaffPolicy()


def member_for(user, pk, action: Action = Action.VIEW) -> User:
    return STAFF.get(user, pk, action)


def groups_managed(user):
    """The groups of the schools whose staff *user* manages."""
    return Group.objects.filter(school__in=schools_managed(user))


def group_for(user, pk):
    """A group of a school *user* manages; otherwise 404."""
    try:
        return groups_managed(user).select_related("school").get(pk=pk)
    except (Group.DoesNotExist, ValueError, TypeError):
        hidden()
