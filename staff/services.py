"""Writes of staff management: invitations, roles per school and board, the groups a teacher
teaches, the pupils a care coordinator follows, and accounts switched off. Every write is
audited (the memberships, permission rows and accounts are followed by django-auditlog) and
checked here: the acting user manages the school or board, and never changes their own
roles or grants."""

from __future__ import annotations

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pupils import services as pupil_services
from pupils.models import (
    Group,
    GroupUserObjectPermission,
    Guardianship,
    Invitation,
    Pupil,
    PupilUserObjectPermission,
)
from schoolprivacy.authorization import Action, forget_grants, grants_for
from schoolprivacy.models import (
    Board,
    BoardMembership,
    BoardRole,
    Membership,
    Role,
    School,
    User,
)
from schoolprivacy.services import sessions_end

from .permissions import STAFF, may_manage, may_manage_board, schools_managed


def _not_self(user: User, acting_user: User) -> None:
    if user.pk == acting_user.pk:
        raise ValidationError(
            _("Nobody changes their own roles or access: ask another administrator.")
        )


def _require_school(acting_user: User, school: School) -> None:
    if not may_manage(acting_user, school):
        raise PermissionDenied


def _require_member(acting_user: User, user: User) -> None:
    if not STAFF.scope(acting_user, Action.CHANGE).filter(pk=user.pk).exists():
        raise PermissionDenied


def _account_for(email: str, full_name: str, acting_user: User) -> User:
    """The account with *email*, made (without a password) when there is none."""
    email = email.strip().lower()
    if email == acting_user.email.lower():
        raise ValidationError(
            {"email": _("Nobody changes their own roles or access: ask another administrator.")}
        )
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email, full_name=full_name.strip())
        user.set_unusable_password()
        user.save()
    elif not user.is_active:
        raise ValidationError(
            {"email": _("This account is switched off. Switch it on again on its page first.")}
        )
    return user


def _invite(user: User, acting_user: User) -> bool:
    """Send an invitation when the account has no password and no open invitation yet."""
    if user.has_usable_password():
        return False
    if Invitation.objects.filter(
        parent=user, used_at__isnull=True, expires_at__gt=timezone.now()
    ).exists():
        return False
    pupil_services.invitation_create(parent=user, acting_user=acting_user)
    return True


def _grant(model, roles, email: str, full_name: str, acting_user: User, **place) -> User:
    """Give the account with *email* (made and invited when there is none) *roles* of *model*
    (Membership or BoardMembership) at *place* (a school or a board)."""
    if not roles:
        raise ValidationError({"roles": _("Choose at least one role.")})
    with set_actor(acting_user):
        user = _account_for(email, full_name, acting_user)
        for role in roles:
            model.objects.get_or_create(user=user, role=role, **place)
    forget_grants(user)
    _invite(user, acting_user)
    return user


def _roles_replace(model, wanted: set, acting_user: User, **where) -> tuple[set, set]:
    """Make *wanted* exactly the roles of *model* that match *where* (a user at a school or on
    a board), audited; returns (given, taken)."""
    held = set(model.objects.select_for_update().filter(**where).values_list("role", flat=True))
    given, taken = wanted - held, held - wanted
    with set_actor(acting_user):
        for role in sorted(given):
            model.objects.create(role=role, **where)
        for membership in model.objects.filter(role__in=taken, **where):
            membership.delete()
    forget_grants(where["user"])
    return given, taken


@transaction.atomic
def staff_invite(*, school: School, email: str, full_name: str, roles, acting_user: User) -> User:
    """Give a person roles at *school*: an account is made and invited when there is none."""
    _require_school(acting_user, school)
    return _grant(
        Membership, [Role(r) for r in roles], email, full_name, acting_user, school=school
    )


@transaction.atomic
def school_roles_set(*, user: User, school: School, roles, acting_user: User) -> tuple[set, set]:
    """Make *roles* exactly the roles *user* holds at *school*; returns (given, taken). Taking
    the teacher role ends the groups taught there; taking the last care-coordinator role on
    the board ends the pupils followed on it."""
    _require_school(acting_user, school)
    _require_member(acting_user, user)
    _not_self(user, acting_user)
    wanted = {Role(role) for role in roles}
    given, taken = _roles_replace(Membership, wanted, acting_user, user=user, school=school)
    with set_actor(acting_user):
        if Role.TEACHER in taken:
            for group_permission in GroupUserObjectPermission.objects.filter(
                user=user, content_object__school=school
            ):
                group_permission.delete()
        if (
            Role.CARE_COORDINATOR in taken
            and not Membership.objects.filter(
                user=user, school__board_id=school.board_id, role=Role.CARE_COORDINATOR
            ).exists()
        ):
            for pupil_permission in PupilUserObjectPermission.objects.filter(
                user=user, content_object__board_id=school.board_id
            ):
                pupil_permission.delete()
    return given, taken


@transaction.atomic
def teacher_groups_set(*, teacher: User, school: School, groups, acting_user: User) -> None:
    """Make *groups* exactly the groups of *school* that *teacher* teaches."""
    _require_school(acting_user, school)
    _require_member(acting_user, teacher)
    _not_self(teacher, acting_user)
    wanted = {group.pk: group for group in groups}
    if any(group.school_id != school.pk for group in wanted.values()):
        raise PermissionDenied
    held = set(
        GroupUserObjectPermission.objects.filter(
            user=teacher, content_object__school=school
        ).values_list("content_object_id", flat=True)
    )
    with set_actor(acting_user):
        for pk in sorted(wanted.keys() - held):
            pupil_services.group_assign_teacher(
                group=wanted[pk], teacher=teacher, acting_user=acting_user
            )
        for group in Group.objects.filter(pk__in=held - wanted.keys()):
            pupil_services.group_unassign_teacher(
                group=group, teacher=teacher, acting_user=acting_user
            )


@transaction.atomic
def care_pupil_follow(*, coordinator: User, pupil: Pupil, acting_user: User) -> None:
    """Let a care coordinator of the board follow a pupil of a school the acting user manages."""
    _require_school(acting_user, pupil.school)
    _require_member(acting_user, coordinator)
    _not_self(coordinator, acting_user)
    with set_actor(acting_user):
        pupil_services.pupil_assign_care_coordinator(
            pupil=pupil, care_coordinator=coordinator, acting_user=acting_user
        )


@transaction.atomic
def care_pupil_unfollow(*, coordinator: User, pupil: Pupil, acting_user: User) -> None:
    _require_school(acting_user, pupil.school)
    _require_member(acting_user, coordinator)
    _not_self(coordinator, acting_user)
    with set_actor(acting_user):
        for permission in PupilUserObjectPermission.objects.filter(
            user=coordinator, content_object=pupil
        ):
            permission.delete()


@transaction.atomic
def staff_invitation_send(*, user: User, acting_user: User) -> bool:
    """Invite a member of staff who has no password yet (made by an import, say); False when
    there is nothing to send (a password chosen, or an invitation still open)."""
    _require_member(acting_user, user)
    if not user.is_active:
        raise ValidationError(
            _("This account is switched off. Switch it on again on its page first.")
        )
    return _invite(user, acting_user)


def _switch_allowed(user: User, acting_user: User) -> None:
    """An account may be switched off or on only by someone who manages everything it does."""
    _require_member(acting_user, user)
    _not_self(user, acting_user)
    if user.is_staff or user.is_superuser:
        raise PermissionDenied
    grants = grants_for(acting_user)
    managed = set(schools_managed(acting_user).values_list("pk", flat=True))
    elsewhere = Membership.objects.filter(user=user).exclude(school__in=managed).exists() or (
        BoardMembership.objects.filter(user=user)
        .exclude(board__in=grants.boards_with(BoardRole.BOARD_ADMINISTRATOR))
        .exists()
    )
    if elsewhere:
        raise ValidationError(
            _(
                "This person also has a role elsewhere that you do not manage: take the roles "
                "at your school instead."
            )
        )
    if Guardianship.objects.filter(parent=user).exists():
        raise ValidationError(
            _(
                "This account is also a parent's account: take the roles instead, so that the "
                "parent keeps access to their child's data."
            )
        )


@transaction.atomic
def account_switch_off(*, user: User, acting_user: User) -> int:
    """Switch off a staff account: no login any more, and its sessions end at once. Returns
    how many sessions ended. The roles stay, so that switching it on again restores them."""
    user = User.objects.select_for_update().get(pk=user.pk)
    _switch_allowed(user, acting_user)
    if not user.is_active:
        return 0
    with set_actor(acting_user):
        user.is_active = False
        user.save(update_fields=["is_active"])
    forget_grants(user)
    return sessions_end(user=user)


@transaction.atomic
def account_switch_on(*, user: User, acting_user: User) -> None:
    user = User.objects.select_for_update().get(pk=user.pk)
    _switch_allowed(user, acting_user)
    if user.is_active:
        return
    with set_actor(acting_user):
        user.is_active = True
        user.save(update_fields=["is_active"])
    forget_grants(user)


@transaction.atomic
def board_member_invite(
    *, board: Board, email: str, full_name: str, roles, acting_user: User
) -> User:
    """Give a person board roles (privacy officer, board administrator)."""
    if not may_manage_board(acting_user, board):
        raise PermissionDenied
    roles = [BoardRole(role) for role in roles]
    return _grant(BoardMembership, roles, email, full_name, acting_user, board=board)


@transaction.atomic
def board_roles_set(*, user: User, board: Board, roles, acting_user: User) -> tuple[set, set]:
    """Make *roles* exactly the board roles *user* holds on *board*; returns (given, taken)."""
    if not may_manage_board(acting_user, board):
        raise PermissionDenied
    _require_member(acting_user, user)
    _not_self(user, acting_user)
    wanted = {BoardRole(role) for role in roles}
    return _roles_replace(BoardMembership, wanted, acting_user, user=user, board=board)


def _group_save(group: Group, acting_user: User) -> Group:
    taken = Group.objects.filter(
        school=group.school_id, school_year=group.school_year, name__iexact=group.name
    ).exclude(pk=group.pk)
    if taken.exists():
        raise ValidationError(
            {"name": _("The school already has a group with this name in this school year.")}
        )
    with set_actor(acting_user):
        group.save()
    return group


@transaction.atomic
def group_create(
    *,
    school: School,
    name: str,
    school_year: int,
    year_group: int | None,
    acting_user: User,
    department: str = "",
) -> Group:
    """A group made by hand (a school that imports gets its groups from the import)."""
    _require_school(acting_user, school)
    group = Group(
        school=school,
        name=name.strip(),
        school_year=school_year,
        year_group=year_group,
        department=department.strip(),
    )
    return _group_save(group, acting_user)


@transaction.atomic
def group_update(
    *, group: Group, name: str, year_group: int | None, acting_user: User, department: str = ""
) -> Group:
    """Rename a group, change its year group or its department. A group of the
    administration (with a key) is named there: the next import would undo a new name or
    year group. Its department the administration does not know: the school sets it here."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    _require_school(acting_user, group.school)
    if group.external_key and (name.strip(), year_group) != (group.name, group.year_group):
        raise ValidationError(
            _("This group comes from the pupil administration: change it there.")
        )
    group.name, group.year_group, group.department = name.strip(), year_group, department.strip()
    return _group_save(group, acting_user)
