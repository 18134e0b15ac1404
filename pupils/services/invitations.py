"""Invitations: a one-time link, mailed by a task, on which a parent (or a member of staff)
sets a password, or accepts or declines the link to a pupil that staff proposed."""

import hashlib
import secrets
from datetime import timedelta

from auditlog.context import set_actor
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from schoolprivacy.authorization import grants_for
from schoolprivacy.models import School, User
from schoolprivacy.tasks import enqueue_on_commit

from ..models import Guardianship, Invitation, Pupil
from ..permissions import PupilAction
from .common import ADMINISTRATION_ROLES, _require
from .parents import _account_for

INVITATION_DAYS = 7


@transaction.atomic
def parent_invite(
    *,
    pupil: Pupil,
    email: str,
    full_name: str,
    relation: str,
    has_parental_authority: bool,
    has_information_right: bool,
    acting_user: User,
) -> Invitation:
    """Invite the owner of *email* to be linked to *pupil* with the custody staff recorded.

    Whether or not the address has an account, the answer is the same: an invitation is
    mailed and the pupil's page shows it waiting. The Guardianship is made when the owner
    accepts (invitation_accept, invitation_link_accept), never before."""
    _require(acting_user, pupil, PupilAction.MANAGE_PARENTS)
    Pupil.objects.select_for_update().filter(pk=pupil.pk).exists()  # one proposal at a time
    email = email.strip().lower()
    if has_parental_authority:
        has_information_right = False
    existing = User.objects.filter(email=email).first()
    if existing and Guardianship.objects.filter(parent=existing, pupil=pupil).exists():
        raise ValidationError({"email": _("This parent is already linked to this pupil.")})
    if existing and _waiting(Invitation.objects.filter(pupil=pupil, parent=existing)).exists():
        raise ValidationError(
            {"email": _("An invitation to this address is already waiting for an answer.")}
        )
    with set_actor(acting_user):
        parent = existing or _account_for(email, full_name)
        invitation = Invitation.objects.create(
            parent=parent,
            pupil=pupil,
            full_name=full_name.strip(),
            relation=relation,
            has_parental_authority=has_parental_authority,
            has_information_right=has_information_right,
            created_by=acting_user,
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        )
    from ..tasks import send_invitation

    enqueue_on_commit(send_invitation, invitation.pk)
    return invitation


def _waiting(invitations):
    """The invitations among *invitations* that can still be answered."""
    return invitations.filter(
        used_at__isnull=True, declined_at__isnull=True, expires_at__gt=timezone.now()
    )


@transaction.atomic
def invitations_send_pending(*, school, acting_user: User) -> int:
    """Invite every parent of the school's pupils who has no password and no open invitation
    yet (parents an import linked); returns how many were invited."""
    if not grants_for(acting_user).has_school_role(school.pk, *ADMINISTRATION_ROLES):
        raise PermissionDenied
    from ..selectors import uninvited_parents

    invited = 0
    for parent in uninvited_parents(school).select_for_update(of=("self",)):
        invitation_create(parent=parent, acting_user=acting_user)
        invited += 1
    return invited


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(*, parent: User, acting_user: User) -> Invitation:
    """Create an invitation; its link is made and e-mailed by a task after the commit."""
    invitation = Invitation.objects.create(
        parent=parent,
        created_by=acting_user,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    from ..tasks import send_invitation

    enqueue_on_commit(send_invitation, invitation.pk)
    return invitation


@transaction.atomic
def invitation_send(*, invitation_id: int) -> bool:
    """Make the one-time token (only its hash is kept) and e-mail the link; once per invitation."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("parent", "pupil__school")
        .get(pk=invitation_id)
    )
    if (
        invitation.sent_at is not None
        or invitation.used_at is not None
        or invitation.declined_at is not None
    ):
        return False
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _token_hash(token)
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["token_hash", "sent_at"])
    parent = invitation.parent
    # The same link invites staff (staff/services.py): their e-mail names the schools instead.
    grants = grants_for(parent)
    if invitation.pupil is not None:
        template = "pupils/email/invitation_link.txt"
        schools = invitation.pupil.school.name
    else:
        template = (
            "pupils/email/invitation_staff.txt"
            if grants.is_staff_member
            else "pupils/email/invitation.txt"
        )
        schools = ", ".join(
            School.objects.filter(pk__in=grants.schools_with())
            .order_by("name")
            .values_list("name", flat=True)
        )
    with translation.override(parent.language):
        body = render_to_string(
            template,
            {
                "parent": parent,
                "has_password": parent.has_usable_password(),
                "schools": schools,
                "url": settings.SITE_URL + reverse("portal:accept_invitation", args=[token]),
                "days": INVITATION_DAYS,
            },
        )
        subject = (
            _("Your account in the school's privacy system")
            if grants.is_staff_member and invitation.pupil is None
            else _("Your account for your child's school")
        )
    send_mail(subject, body, None, [parent.email])
    return True


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation behind *token* if it can still be answered; None otherwise."""
    return (
        _waiting(Invitation.objects.select_related("parent", "pupil__school"))
        .filter(token_hash=_token_hash(token), parent__is_active=True)
        .first()
    )


def _spend(token: str) -> Invitation:
    """The invitation behind *token*, locked, if it can still be answered."""
    invitation = invitation_for_token(token)
    if invitation is not None:
        invitation = _waiting(
            Invitation.objects.select_for_update(of=("self",)).select_related("parent", "pupil")
        ).get(pk=invitation.pk)
    if invitation is None:
        raise ValidationError(_("This link has already been used or has expired."))
    return invitation


def _link_as_proposed(invitation: Invitation) -> None:
    """Make the link an accepted invitation proposed, as its parent (once, however often)."""
    if invitation.pupil is None:
        return
    Guardianship.objects.get_or_create(
        parent=invitation.parent,
        pupil=invitation.pupil,
        defaults={
            "relation": invitation.relation,
            "has_parental_authority": invitation.has_parental_authority,
            "has_information_right": invitation.has_information_right,
        },
    )


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """Set the password of an account that has none, spend the invitation and make the link it
    proposed; a used, declined or expired link does nothing. An account with a password
    answers a link invitation signed in instead (invitation_link_accept)."""
    invitation = _spend(token)
    parent = invitation.parent
    if parent.has_usable_password():
        raise ValidationError(_("This link has already been used or has expired."))
    now = timezone.now()
    with set_actor(parent):
        parent.set_password(password)
        parent.save(update_fields=["password"])
        invitation.used_at = now
        invitation.save(update_fields=["used_at"])
        _link_as_proposed(invitation)
    # Any other open invitation to set a password is spent too; one that proposes a link to
    # another pupil waits for its own answer.
    Invitation.objects.filter(parent=parent, pupil=None, used_at__isnull=True).update(used_at=now)
    return parent


@transaction.atomic
def invitation_link_accept(*, token: str, user: User) -> Invitation:
    """The signed-in owner of an account accepts the link an invitation proposes."""
    invitation = _spend(token)
    if invitation.parent_id != user.pk or invitation.pupil is None:
        raise PermissionDenied
    with set_actor(user):
        invitation.used_at = timezone.now()
        invitation.save(update_fields=["used_at"])
        _link_as_proposed(invitation)
    return invitation


@transaction.atomic
def invitation_decline(*, token: str, user: User | None) -> None:
    """The owner of the address says no: nothing is linked, and the pupil's page shows the
    invitation declined. For an account with a password the owner is signed in as it."""
    invitation = _spend(token)
    parent = invitation.parent
    if invitation.pupil is None or (
        parent.has_usable_password() and (user is None or user.pk != parent.pk)
    ):
        raise PermissionDenied
    with set_actor(parent):
        invitation.declined_at = timezone.now()
        invitation.save(update_fields=["declined_at"])
