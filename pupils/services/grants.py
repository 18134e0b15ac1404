"""Staff grants on groups and pupils: the teachers of a group (one by one, or an import's at
once) and the care coordinator who follows a pupil."""

from auditlog.context import set_actor
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from schoolprivacy import audit
from schoolprivacy.authorization import forget_grants, grants_for
from schoolprivacy.models import Membership, Role, School, User

from ..models import Group, GroupUserObjectPermission, Pupil
from .common import ADMINISTRATION_ROLES


@transaction.atomic
def group_assign_teacher(*, group: Group, teacher: User, acting_user: User | None = None) -> None:
    """Let *teacher* see and record the dossiers of the pupils in *group*."""
    if not grants_for(teacher).has_school_role(group.school_id, Role.TEACHER):
        raise ValidationError(_("Only a teacher of this school can teach this group."))
    assign_perm("pupils.teach_group", teacher, group)


@transaction.atomic
def teachers_take_on(*, school: School, acting_user: User, teachers: list[dict]) -> list[User]:
    """Make an import's teachers teachers of *school* at once, as the pages would one by one:
    one account per e-mail address (never a password: they are invited from the staff
    pages), the teacher role at the school, and the groups each teaches. *teachers* hold
    email, full_name and groups (the school's Group rows). What a teacher has already stays;
    one INSERT per table and an audit entry for every new row. Returns the accounts."""
    if not grants_for(acting_user).has_school_role(school.pk, *ADMINISTRATION_ROLES):
        raise PermissionDenied
    if any(g.school_id != school.pk for t in teachers for g in t["groups"]):
        raise ValidationError({"group": _("This group belongs to another school.")})
    emails = {t["email"].strip().lower() for t in teachers}
    accounts: dict[str, User] = {
        user.email.lower(): user
        for user in User.objects.annotate(address=Lower("email")).filter(address__in=emails)
    }
    new_accounts = []
    for teacher in teachers:
        email = teacher["email"].strip().lower()
        if email not in accounts:
            account = User(email=email, full_name=teacher["full_name"].strip()[:150])
            account.set_unusable_password()
            accounts[email] = account
            new_accounts.append(account)
    User.objects.bulk_create(new_accounts)
    members = set(
        Membership.objects.filter(
            school=school, role=Role.TEACHER, user__in=accounts.values()
        ).values_list("user_id", flat=True)
    )
    memberships = Membership.objects.bulk_create(
        Membership(user=user, school=school, role=Role.TEACHER)
        for user in accounts.values()
        if user.pk not in members
    )
    teach = Permission.objects.get(content_type__app_label="pupils", codename="teach_group")
    wanted = {
        (accounts[t["email"].strip().lower()].pk, group.pk): group
        for t in teachers
        for group in t["groups"]
    }
    taught = set(
        GroupUserObjectPermission.objects.filter(
            permission=teach, content_object__in={g.pk for g in wanted.values()}
        ).values_list("user_id", "content_object_id")
    )
    grants = GroupUserObjectPermission.objects.bulk_create(
        GroupUserObjectPermission(user_id=user_id, permission=teach, content_object=group)
        for (user_id, group_id), group in wanted.items()
        if (user_id, group_id) not in taught
    )
    with set_actor(acting_user):
        audit.write_created([*new_accounts, *memberships, *grants])
    for user in accounts.values():
        forget_grants(user)
    return list(accounts.values())


@transaction.atomic
def group_unassign_teacher(
    *, group: Group, teacher: User, acting_user: User | None = None
) -> None:
    remove_perm("pupils.teach_group", teacher, group)


@transaction.atomic
def pupil_assign_care_coordinator(
    *, pupil: Pupil, care_coordinator: User, acting_user: User | None = None
) -> None:
    """Let a care coordinator of the board follow one pupil (e.g. of another school)."""
    grants = grants_for(care_coordinator)
    boards = set(
        School.objects.filter(pk__in=grants.schools_with(Role.CARE_COORDINATOR)).values_list(
            "board_id", flat=True
        )
    )
    if pupil.board_id not in boards:
        raise ValidationError(
            _("Only a care coordinator of this school board can follow the pupil.")
        )
    assign_perm("pupils.follow_pupil", care_coordinator, pupil)
