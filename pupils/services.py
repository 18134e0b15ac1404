"""Writes to the pupil dossier. One transactional, audited function per use case.

Views have already checked access through permissions.py; each service checks
again what it must not get wrong, so that an admin action or a command cannot
bypass the policy.
"""

import hashlib
import secrets
from datetime import date, timedelta

from auditlog.context import set_actor
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from schoolprivacy import audit
from schoolprivacy.authorization import grants_for
from schoolprivacy.encryption import blind_index
from schoolprivacy.models import Role, School, User

from .models import (
    Agreement,
    EmergencyAccess,
    Group,
    GroupPlacement,
    Guardianship,
    Invitation,
    Note,
    Pupil,
    SpecialRecord,
    TestResult,
)
from .permissions import EMERGENCY_MINUTES, PupilAction, PupilPolicy, special_kinds

INVITATION_DAYS = 7


def _require(user, pupil: Pupil, action: PupilAction) -> None:
    if action not in PupilPolicy().actions(user, pupil):
        raise PermissionDenied


def _save(instance) -> None:
    instance.full_clean()
    instance.save()


# --- Pupils ---------------------------------------------------------------------


def _set_bsn_index(pupil: Pupil) -> None:
    pupil.bsn_index = blind_index(pupil.bsn) if pupil.bsn else None


def _check_bsn_unique(pupil: Pupil) -> None:
    if pupil.bsn_index and (
        Pupil.objects.filter(board_id=pupil.board_id, bsn_index=pupil.bsn_index)
        .exclude(pk=pupil.pk)
        .exists()
    ):
        raise ValidationError(
            {"bsn": _("Another pupil of this school board has this citizen service number.")}
        )


@transaction.atomic
def pupil_create(
    *, school: School, acting_user: User, group: Group | None = None, **data
) -> Pupil:
    """Enrol a pupil at *school*; the BSN is encrypted and indexed for uniqueness per board."""
    if not grants_for(acting_user).has_school_role(school.pk, Role.DIRECTOR, Role.ADMINISTRATOR):
        raise PermissionDenied
    if group is not None and group.school_id != school.pk:
        raise ValidationError({"group": _("This group belongs to another school.")})
    pupil = Pupil(school=school, board_id=school.board_id, group=group, **data)
    _set_bsn_index(pupil)
    _check_bsn_unique(pupil)
    with set_actor(acting_user):
        _save(pupil)
        if group is not None:
            GroupPlacement.objects.create(pupil=pupil, group=group, start_on=pupil.enrolled_on)
    return pupil


@transaction.atomic
def pupil_update(*, pupil: Pupil, acting_user: User, **data) -> Pupil:
    """Change a pupil's personal data (not the group: pupil_change_group keeps the history)."""
    _require(acting_user, pupil, PupilAction.EDIT)
    pupil = Pupil.objects.select_for_update().get(pk=pupil.pk)
    for field, value in data.items():
        setattr(pupil, field, value)
    _set_bsn_index(pupil)
    _check_bsn_unique(pupil)
    with set_actor(acting_user):
        _save(pupil)
    return pupil


@transaction.atomic
def pupil_change_group(*, pupil: Pupil, group: Group, on: date, acting_user: User) -> Pupil:
    """Move a pupil to *group* from *on*; the placement history is kept."""
    _require(acting_user, pupil, PupilAction.EDIT)
    if group.school_id != pupil.school_id:
        raise ValidationError({"group": _("This group belongs to another school.")})
    pupil = Pupil.objects.select_for_update().get(pk=pupil.pk)
    current = GroupPlacement.objects.filter(pupil=pupil, end_on__isnull=True).first()
    if current is not None and on <= current.start_on:
        raise ValidationError(
            {
                "on": _("The pupil is in the current group since %(date)s; choose a later date.")
                % {"date": current.start_on.strftime("%d-%m-%Y")}
            }
        )
    with set_actor(acting_user):
        if current is not None:
            current.end_on = on - timedelta(days=1)
            current.save(update_fields=["end_on"])
        GroupPlacement.objects.create(pupil=pupil, group=group, start_on=on)
        pupil.group = group
        pupil.save(update_fields=["group"])
    return pupil


# --- Dossier entries ----------------------------------------------------------------


def _record(model, *, pupil: Pupil, acting_user: User, **data):
    _require(acting_user, pupil, PupilAction.RECORD)
    entry = model(pupil=pupil, author=acting_user, **data)
    with transaction.atomic(), set_actor(acting_user):
        _save(entry)
    return entry


def agreement_record(*, pupil: Pupil, acting_user: User, **data) -> Agreement:
    """Record an agreement made with the parents or the pupil."""
    return _record(Agreement, pupil=pupil, acting_user=acting_user, **data)


def test_result_record(*, pupil: Pupil, acting_user: User, **data) -> TestResult:
    """Record a test result."""
    return _record(TestResult, pupil=pupil, acting_user=acting_user, **data)


def note_record(*, pupil: Pupil, acting_user: User, **data) -> Note:
    """Record a report or a note."""
    return _record(Note, pupil=pupil, acting_user=acting_user, **data)


@transaction.atomic
def special_record_add(*, pupil: Pupil, kind: str, acting_user: User, **data) -> SpecialRecord:
    """Record special-category data of a kind the acting user may record; encrypted at rest."""
    if kind not in special_kinds(acting_user, pupil, writable=True):
        raise PermissionDenied
    record = SpecialRecord(pupil=pupil, kind=kind, author=acting_user, **data)
    with set_actor(acting_user):
        _save(record)
    return record


# --- Reading is logged ------------------------------------------------------------------


def dossier_viewed(*, pupil: Pupil, acting_user: User, part: str) -> None:
    """Write the ACCESS entry for a look at *part* of a pupil's dossier."""
    audit.log_access(actor=acting_user, obj=pupil, what=part)


# --- Break-glass ------------------------------------------------------------------------


@transaction.atomic
def emergency_access_open(*, pupil: Pupil, reason: str, acting_user: User) -> EmergencyAccess:
    """Open the safety records of *pupil* for an hour, logged and reported to the director."""
    _require(acting_user, pupil, PupilAction.EMERGENCY)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you need the medical protocol.")})
    with set_actor(acting_user):
        access = EmergencyAccess(
            pupil=pupil,
            user=acting_user,
            reason=reason,
            expires_at=timezone.now() + timedelta(minutes=EMERGENCY_MINUTES),
        )
        _save(access)
    audit.log_access(actor=acting_user, obj=pupil, what="emergency")
    from .tasks import report_emergency_access

    transaction.on_commit(lambda: report_emergency_access.delay(access.pk))
    return access


def emergency_access_report(*, access_id: int) -> int:
    """E-mail the directors of the school that break-glass access was used; returns how many."""
    access = EmergencyAccess.objects.select_related("pupil__school", "user").get(pk=access_id)
    directors = User.objects.filter(
        memberships__school=access.pupil.school_id,
        memberships__role=Role.DIRECTOR,
        is_active=True,
    ).distinct()
    sent = 0
    for director in directors:
        with translation.override(director.language):
            body = render_to_string(
                "pupils/email/emergency_access.txt",
                {
                    "director": director,
                    "access": access,
                    "url": settings.SITE_URL + reverse("pupils:history", args=[access.pupil_id]),
                },
            )
            subject = _("Emergency access to a pupil's medical protocol")
        sent += send_mail(subject, body, None, [director.email])
    return sent


# --- Parents --------------------------------------------------------------------------------


@transaction.atomic
def parent_link(
    *,
    pupil: Pupil,
    email: str,
    full_name: str,
    relation: str,
    has_parental_authority: bool,
    has_information_right: bool,
    acting_user: User,
) -> Guardianship:
    """Link a parent to a pupil (one account per e-mail address) and send an invitation if new."""
    _require(acting_user, pupil, PupilAction.MANAGE_PARENTS)
    email = email.strip().lower()
    if has_parental_authority:
        has_information_right = False
    with set_actor(acting_user):
        parent, created = User.objects.get_or_create(
            email=email, defaults={"full_name": full_name.strip()}
        )
        if created:
            parent.set_unusable_password()
            parent.save(update_fields=["password"])
        if Guardianship.objects.filter(parent=parent, pupil=pupil).exists():
            raise ValidationError({"email": _("This parent is already linked to this pupil.")})
        guardianship = Guardianship(
            parent=parent,
            pupil=pupil,
            relation=relation,
            has_parental_authority=has_parental_authority,
            has_information_right=has_information_right,
        )
        _save(guardianship)
    if not parent.has_usable_password():
        invitation_create(parent=parent, acting_user=acting_user)
    return guardianship


@transaction.atomic
def guardianship_update(
    *,
    guardianship: Guardianship,
    has_parental_authority: bool,
    has_information_right: bool,
    acting_user: User,
) -> Guardianship:
    """Record a change of custody; the audit log keeps what it was before."""
    _require(acting_user, guardianship.pupil, PupilAction.MANAGE_PARENTS)
    guardianship = Guardianship.objects.select_for_update().get(pk=guardianship.pk)
    guardianship.has_parental_authority = has_parental_authority
    guardianship.has_information_right = has_information_right and not has_parental_authority
    with set_actor(acting_user):
        _save(guardianship)
    return guardianship


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(*, parent: User, acting_user: User) -> Invitation:
    """Create an invitation; its link is made and e-mailed by a task after the commit."""
    invitation = Invitation.objects.create(
        parent=parent,
        created_by=acting_user,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    from .tasks import send_invitation

    transaction.on_commit(lambda: send_invitation.delay(invitation.pk))
    return invitation


@transaction.atomic
def invitation_send(*, invitation_id: int) -> bool:
    """Make the one-time token (only its hash is kept) and e-mail the link; once per invitation."""
    invitation = (
        Invitation.objects.select_for_update().select_related("parent").get(pk=invitation_id)
    )
    if invitation.sent_at is not None or invitation.used_at is not None:
        return False
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _token_hash(token)
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["token_hash", "sent_at"])
    parent = invitation.parent
    with translation.override(parent.language):
        body = render_to_string(
            "pupils/email/invitation.txt",
            {
                "parent": parent,
                "url": settings.SITE_URL + reverse("portal:accept_invitation", args=[token]),
                "days": INVITATION_DAYS,
            },
        )
        subject = _("Your account for your child's school")
    send_mail(subject, body, None, [parent.email])
    return True


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation behind *token* if it can still be used; None otherwise."""
    return (
        Invitation.objects.select_related("parent")
        .filter(
            token_hash=_token_hash(token),
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            parent__is_active=True,
        )
        .first()
    )


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """Set the parent's password and spend the invitation; a used or expired link does nothing."""
    invitation = invitation_for_token(token)
    if invitation is None:
        raise ValidationError(_("This link has already been used or has expired."))
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.used_at is not None:
        raise ValidationError(_("This link has already been used or has expired."))
    parent = invitation.parent
    with set_actor(parent):
        parent.set_password(password)
        parent.save(update_fields=["password"])
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    # Any other open invitation for this parent is spent too.
    Invitation.objects.filter(parent=parent, used_at__isnull=True).update(
        used_at=invitation.used_at
    )
    return parent


# --- Staff grants ---------------------------------------------------------------------------


@transaction.atomic
def group_assign_teacher(*, group: Group, teacher: User, acting_user: User | None = None) -> None:
    """Let *teacher* see and record the dossiers of the pupils in *group*."""
    if not grants_for(teacher).has_school_role(group.school_id, Role.TEACHER):
        raise ValidationError(_("Only a teacher of this school can teach this group."))
    assign_perm("pupils.teach_group", teacher, group)


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
