"""The one authorization mechanism. Every app builds its access policy on it.

Rules (docs/architecture.md, "Rules that hold everywhere"):

* A user may do nothing unless a grant says so. Grants come from memberships
  (a role at a school), board memberships (a board-wide role) and, in the
  apps, object relations such as a guardianship or a django-guardian
  permission row.
* What a user may not see is *hidden*: a 404, never a 403 that would confirm
  that the object exists. "Missing" and "not yours" answer the same.
* The core knows no domain app. An app writes, in ``<app>/permissions.py``,
  one ``AccessPolicy`` per model kind; views and selectors go through it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from enum import StrEnum
from functools import wraps
from typing import Generic, NoReturn, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Value
from django.http import Http404, HttpRequest

from .models import BoardMembership, BoardRole, Membership, Role, User

M = TypeVar("M", bound=models.Model)

STAFF_ROLES = frozenset(Role)
#: Roles that see a whole school (docs/architecture.md, "Who uses it").
SCHOOL_WIDE_ROLES = frozenset({Role.TEAM_LEADER, Role.DIRECTOR})


class Action(StrEnum):
    VIEW = "view"
    CREATE = "create"
    CHANGE = "change"
    DELETE = "delete"
    EXPORT = "export"


@dataclass(frozen=True)
class Grants:
    """The roles one user holds, read once per request."""

    school_roles: dict[int, frozenset[str]] = field(default_factory=dict)
    board_roles: dict[int, frozenset[str]] = field(default_factory=dict)

    @property
    def is_staff_member(self) -> bool:
        return bool(self.school_roles) or bool(self.board_roles)

    def schools_with(self, *roles: str) -> frozenset[int]:
        """Ids of the schools where the user holds any of *roles* (any role if none given)."""
        wanted = set(roles) or STAFF_ROLES
        return frozenset(s for s, held in self.school_roles.items() if held & wanted)

    def has_school_role(self, school_id: int, *roles: str) -> bool:
        wanted = set(roles) or STAFF_ROLES
        return bool(self.school_roles.get(school_id, frozenset()) & wanted)

    def boards_with(self, *roles: str) -> frozenset[int]:
        wanted = set(roles) or set(BoardRole)
        return frozenset(b for b, held in self.board_roles.items() if held & wanted)

    def has_any_role(self, *roles: str) -> bool:
        """True when the user holds one of *roles* at some school or board."""
        wanted = set(roles)
        held = set().union(*self.school_roles.values(), *self.board_roles.values())
        return bool(held & wanted)


_EMPTY = Grants()


def grants_for(user) -> Grants:
    """The user's roles at schools and boards, from one query, cached on the user object
    (every page of a signed-in user asks it)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return _EMPTY
    cached = getattr(user, "_schoolprivacy_grants", None)
    if cached is not None:
        return cached
    at_schools = (
        Membership.objects.filter(user=user)
        .annotate(at=Value("school"))
        .values_list("at", "school_id", "role")
    )
    at_boards = (
        BoardMembership.objects.filter(user=user)
        .annotate(at=Value("board"))
        .values_list("at", "board_id", "role")
    )
    roles: dict[str, dict[int, set[str]]] = {"school": {}, "board": {}}
    for at, pk, role in at_schools.union(at_boards, all=True):
        roles[at].setdefault(pk, set()).add(role)
    grants = Grants(
        school_roles={k: frozenset(v) for k, v in roles["school"].items()},
        board_roles={k: frozenset(v) for k, v in roles["board"].items()},
    )
    user._schoolprivacy_grants = grants
    return grants


def forget_grants(user) -> None:
    """Drop the cached grants, after a change of roles within one request."""
    with suppress(AttributeError):
        del user._schoolprivacy_grants


def hidden() -> NoReturn:
    """Answer as if the object did not exist."""
    raise Http404


class AccessPolicy(Generic[M]):
    """One model kind's access rules: which rows a user may act on, and how.

    Subclasses implement :meth:`scope`; everything else derives from it, so a
    list, a detail page and a yes/no question can never disagree.
    """

    model: type[M]

    # *action*: an Action, or a model kind's own (PupilAction, RequestAction): all StrEnums.

    def scope(self, user, action: str) -> models.QuerySet[M]:
        """The rows *user* may perform *action* on (``none()`` when nothing)."""
        raise NotImplementedError

    def get(self, user, pk, action: str = Action.VIEW) -> M:
        """The object with *pk* if *user* may perform *action* on it; otherwise 404."""
        try:
            return self.scope(user, action).get(pk=pk)
        except (ObjectDoesNotExist, ValueError, TypeError):  # scope() holds self.model's rows
            hidden()

    def allows(self, user, obj: M, action: str = Action.VIEW) -> bool:
        return self.scope(user, action).filter(pk=obj.pk).exists()


class LoggedInRequest(HttpRequest):
    """The request of a view behind @login_required or require_roles (or just after a
    login): its user is a User, never AnonymousUser. For type annotations only."""

    user: User


def _login_redirect(request: HttpRequest):
    return redirect_to_login(request.get_full_path())


def require_roles(*roles: str, board_roles: Iterable[str] = ()) -> Callable[[Callable], Callable]:
    """A view decorator: logged in, and holding one of *roles* or *board_roles* somewhere.

    Anonymous visitors go to the login page; anyone else without the role
    gets a 404, as for a page that does not exist.
    """
    wanted = (*roles, *board_roles)

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                return _login_redirect(request)
            if not grants_for(request.user).has_any_role(*wanted):
                hidden()
            return view(request, *args, **kwargs)

        wrapped.required_roles = frozenset(wanted)
        return wrapped

    return decorator
