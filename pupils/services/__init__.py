"""Writes to the pupil dossier. One transactional, audited function per use case.

Views have already checked access through permissions.py; each service checks
again what it must not get wrong, so that an admin action or a command cannot
bypass the policy.
"""

import contextlib
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from auditlog.context import set_actor
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from schoolprivacy import audit
from schoolprivacy.authorization import forget_grants, grants_for
from schoolprivacy.encryption import blind_index
from schoolprivacy.models import Membership, Role, School, User
from schoolprivacy.services import notice_queue_many, notices_scrub
from schoolprivacy.tasks import enqueue_on_commit

from .. import ages, corrections, items, voluntary
from ..models import (
    AdulthoodNotice,
    Agreement,
    DataCategory,
    EmergencyAccess,
    EmergencyContact,
    Group,
    GroupPlacement,
    GroupUserObjectPermission,
    Guardianship,
    Invitation,
    Note,
    ParentContact,
    ParentDeclaration,
    ProcessingHold,
    Pupil,
    PupilUserObjectPermission,
    RestrictedAccess,
    Source,
    SpecialRecord,
    TestResult,
)
from ..permissions import (
    EMERGENCY_MINUTES,
    PupilAction,
    PupilPolicy,
    SpecialRecordPolicy,
    acts_for,
    special_kinds,
)

INVITATION_DAYS = 7


class ChangedMeanwhile(ValidationError):
    """The data changed between the page the user saw and their decision; nothing was done."""


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
def pupils_enrol(*, school: School, acting_user: User, pupils: list[dict]) -> list[Pupil]:
    """Enrol many pupils at once (an import's new pupils), as pupil_create enrols one: the
    same checks, the BSN encrypted and indexed, the first placement, an audit entry for each
    row; written with one INSERT per table. A BSN another pupil of the board holds (or two in
    *pupils*) refuses them all, so that the caller can enrol them one by one instead."""
    if not grants_for(acting_user).has_school_role(school.pk, Role.DIRECTOR, Role.ADMINISTRATOR):
        raise PermissionDenied
    enrolled = []
    for data in pupils:
        data = dict(data)
        group = data.pop("group", None)
        if group is not None and group.school_id != school.pk:
            raise ValidationError({"group": _("This group belongs to another school.")})
        pupil = Pupil(school=school, board_id=school.board_id, group=group, **data)
        _set_bsn_index(pupil)
        # The school, board and group are in hand: no query per pupil to find them again.
        pupil.full_clean(
            exclude=["school", "board", "group"], validate_unique=False, validate_constraints=False
        )
        enrolled.append(pupil)
    indexes = [p.bsn_index for p in enrolled if p.bsn_index]
    if len(set(indexes)) != len(indexes) or (
        indexes and Pupil.objects.filter(board_id=school.board_id, bsn_index__in=indexes).exists()
    ):
        raise ValidationError(
            {"bsn": _("Another pupil of this school board has this citizen service number.")}
        )
    Pupil.objects.bulk_create(enrolled)
    placements = [
        GroupPlacement(pupil=p, group=p.group, start_on=p.enrolled_on)
        for p in enrolled
        if p.group is not None
    ]
    GroupPlacement.objects.bulk_create(placements)
    with set_actor(acting_user):
        audit.write_created([*enrolled, *placements])
    return enrolled


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
    """Record special-category data of a kind the acting user may record; encrypted at rest.

    A voluntary kind (religion) only while the person who decides for the child has given
    explicit consent (GDPR Art. 9(2)(a)).
    """
    if kind not in special_kinds(acting_user, pupil, writable=True):
        raise PermissionDenied
    if kind in voluntary.VOLUNTARY_KINDS and not voluntary.has_consent(pupil, kind):
        raise ValidationError(
            {
                "kind": _(
                    "%(kind)s may only be recorded with the explicit consent of a parent with "
                    "parental authority, or of the pupil from 16. No such consent is recorded: "
                    "ask for it under Consents first."
                )
                % {"kind": SpecialRecord.Kind(kind).label.capitalize()}
            }
        )
    record = SpecialRecord(pupil=pupil, kind=kind, author=acting_user, **data)
    with set_actor(acting_user):
        _save(record)
    return record


@transaction.atomic
def voluntary_data_erase(*, pupil: Pupil, kind: str, acting_user: User | None) -> list[int]:
    """Delete the records of a voluntary kind once consent for it no longer stands (a
    withdrawal or refusal, a material change of the text, the pupil turning 16, a parent
    losing authority): audited, their values masked in the audit log, and kept in the
    erasure ledger. A legal hold keeps them. Returns the ids deleted.

    Called by the consents app right after it recorded a decision, and by the daily
    voluntary_sweep for the ways consent ends without one.
    """
    if kind not in voluntary.VOLUNTARY_KINDS or voluntary.has_consent(pupil, kind):
        raise ValidationError(_("Consent stands: nothing is deleted."))
    if under_legal_hold(pupil):
        return []
    erased: dict[str, list[int]] = {}
    actor = set_actor(acting_user) if acting_user else contextlib.nullcontext()
    with actor:
        audit.delete_rows(SpecialRecord.objects.filter(pupil=pupil, kind=kind), erased)
    if erased:
        voluntary.record_erasure(pupil=pupil, erased=erased, by=acting_user)
    return erased.get(SpecialRecord._meta.label, [])


def voluntary_sweep() -> int:
    """Daily: voluntary data (religion) whose consent has ended without a decision being
    recorded goes; returns how many pupils lost it."""
    swept = 0
    pupils = Pupil.objects.filter(
        Exists(
            SpecialRecord.objects.filter(
                pupil_id=OuterRef("pk"), kind__in=voluntary.VOLUNTARY_KINDS
            )
        )
    ).select_related("school")
    for pupil in pupils:
        for kind in voluntary.VOLUNTARY_KINDS:
            if not voluntary.has_consent(pupil, kind):
                swept += bool(voluntary_data_erase(pupil=pupil, kind=kind, acting_user=None))
    return swept


# --- Reading is logged ------------------------------------------------------------------


def dossier_viewed(*, pupil: Pupil, acting_user: User, part: str) -> None:
    """Write the ACCESS entry for a look at *part* of a pupil's dossier."""
    audit.log_access(actor=acting_user, obj=pupil, what=part)


@transaction.atomic
def restricted_access_record(*, pupil: Pupil, reason: str, acting_user: User) -> list:
    """A look at the pupil's restricted safety records, with the reason (GDPR Art. 18(2)):
    kept encrypted and logged. Returns the records the look opens.
    """
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": _("Say why you need to look at this record now.")})
    _readable, records = SpecialRecordPolicy().readable(acting_user, pupil)
    if not records:
        raise PermissionDenied
    kinds = sorted({record.kind for record in records})
    with set_actor(acting_user):
        _save(RestrictedAccess(pupil=pupil, user=acting_user, reason=reason, kinds=kinds))
    audit.log_access(actor=acting_user, obj=pupil, what="restricted:" + ",".join(kinds))
    return records


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
    from ..tasks import report_emergency_access

    enqueue_on_commit(report_emergency_access, access.pk)
    return access


@transaction.atomic
def emergency_access_report(*, access_id: int) -> int:
    """E-mail the directors of the school that break-glass access was used, once; returns how
    many. Run by a task after the opening, or by the sweep if that task was lost."""
    access = (
        EmergencyAccess.objects.select_for_update(of=("self",))
        .select_related("pupil__school", "user")
        .get(pk=access_id)
    )
    if access.reported_at is not None:
        return 0
    access.reported_at = timezone.now()
    access.save(update_fields=["reported_at"])
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
                    "url": settings.SITE_URL
                    + reverse("pupils:history", args=[access.pupil_id])
                    + "#emergency",
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
    """Link a parent to a pupil at once (one account per e-mail address), without an
    invitation: for the parents of the school's administration system (sync/services.py),
    whose custody the school has recorded there. A parent added on the pupil's page is
    invited instead (parent_invite) and linked only on accepting."""
    _require(acting_user, pupil, PupilAction.MANAGE_PARENTS)
    email = email.strip().lower()
    if has_parental_authority:
        has_information_right = False
    with set_actor(acting_user):
        parent = _account_for(email, full_name)
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
    return guardianship


def _account_for(email: str, full_name: str) -> User:
    """The account of *email* (lower case); a new one without a password if there is none."""
    parent, created = User.objects.get_or_create(
        email=email, defaults={"full_name": full_name.strip()}
    )
    if created:
        parent.set_unusable_password()
        parent.save(update_fields=["password"])
    return parent


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
def parents_link_many(*, school: School, acting_user: User, links: list[dict]) -> None:
    """Link many parents at once (an import's parents), as parent_link links one without an
    invitation: one account per e-mail address, an audit entry for each new account and link;
    one INSERT per table. *links* hold pupil_id, email, full_name, relation and
    has_parental_authority. A link that exists already refuses them all, so that the caller
    can link them one by one instead."""
    if not grants_for(acting_user).has_school_role(school.pk, Role.DIRECTOR, Role.ADMINISTRATOR):
        raise PermissionDenied
    pupil_ids = {link["pupil_id"] for link in links}
    if Pupil.objects.filter(pk__in=pupil_ids, school=school).count() != len(pupil_ids):
        raise PermissionDenied
    emails = {link["email"].strip().lower() for link in links}
    accounts = {
        user.email.lower(): user
        for user in User.objects.annotate(address=Lower("email")).filter(address__in=emails)
    }
    new_accounts = []
    for link in links:
        email = link["email"].strip().lower()
        if email not in accounts:
            account = User(email=email, full_name=link["full_name"].strip())
            account.set_unusable_password()
            accounts[email] = account
            new_accounts.append(account)
    User.objects.bulk_create(new_accounts)
    guardianships = [
        Guardianship(
            parent=accounts[link["email"].strip().lower()],
            pupil_id=link["pupil_id"],
            relation=link["relation"],
            has_parental_authority=link["has_parental_authority"],
            has_information_right=False,
        )
        for link in links
    ]
    pairs = {(g.parent.pk, g.pupil_id) for g in guardianships}
    if (
        len(pairs) != len(guardianships)
        or Guardianship.objects.filter(
            parent__in=[a.pk for a in accounts.values()], pupil_id__in=pupil_ids
        )
        .filter(
            Q(*[Q(parent_id=parent, pupil_id=pupil) for parent, pupil in pairs], _connector=Q.OR)
        )
        .exists()
    ):
        raise ValidationError({"email": _("This parent is already linked to this pupil.")})
    for guardianship in guardianships:
        guardianship.full_clean(
            exclude=["parent", "pupil"], validate_unique=False, validate_constraints=False
        )
    Guardianship.objects.bulk_create(guardianships)
    with set_actor(acting_user):
        audit.write_created([*new_accounts, *guardianships])


@transaction.atomic
def parent_contacts_set(*, school: School, acting_user: User, contacts: dict[str, dict]) -> int:
    """Set the contact details of parents of *school*'s pupils (an import's): *contacts* maps
    an e-mail address to the fields to set (ParentContact.FIELDS; the others stay). New
    contacts are written together, changed ones each through its save (audited as any
    change). A parent who is no parent at the school is refused, with nothing written.
    Returns how many contacts changed."""
    if not grants_for(acting_user).has_school_role(school.pk, Role.DIRECTOR, Role.ADMINISTRATOR):
        raise PermissionDenied
    emails = {email.strip().lower() for email in contacts}
    parents = {
        user.address: user
        for user in User.objects.annotate(address=Lower("email")).filter(
            address__in=emails, guardianships__pupil__school=school
        )
    }
    if set(parents) != emails:
        raise ValidationError({"email": _("This is no parent of a pupil of this school.")})
    held = {c.parent_id: c for c in ParentContact.objects.filter(parent__in=parents.values())}
    new, changed = [], 0
    with set_actor(acting_user):
        for email, values in contacts.items():
            parent = parents[email.strip().lower()]
            contact = held.get(parent.pk) or ParentContact(parent=parent)
            fields = [f for f in ParentContact.FIELDS if f in values]
            if contact.pk and all(getattr(contact, f) == values[f] for f in fields):
                continue
            for name in fields:
                setattr(contact, name, values[name].strip())
            contact.full_clean(exclude=["parent"], validate_unique=False)
            if contact.pk is None:
                new.append(contact)
            else:
                contact.save(update_fields=[*fields, "updated_at"])
            changed += 1
        ParentContact.objects.bulk_create(new)
        audit.write_created(new)
    return changed


@transaction.atomic
def invitations_send_pending(*, school, acting_user: User) -> int:
    """Invite every parent of the school's pupils who has no password and no open invitation
    yet (parents an import linked); returns how many were invited."""
    if not grants_for(acting_user).has_school_role(school.pk, Role.DIRECTOR, Role.ADMINISTRATOR):
        raise PermissionDenied
    from ..selectors import uninvited_parents

    invited = 0
    for parent in uninvited_parents(school).select_for_update(of=("self",)):
        invitation_create(parent=parent, acting_user=acting_user)
        invited += 1
    return invited


@transaction.atomic
def guardianship_update(
    *,
    guardianship: Guardianship,
    has_parental_authority: bool,
    has_information_right: bool,
    acting_user: User,
    relation: str | None = None,
    contact_shared: bool | None = None,
) -> Guardianship:
    """Record a change of custody (and of the relation, and whether the other parents may see
    this parent's contact details); the audit log keeps what it was."""
    _require(acting_user, guardianship.pupil, PupilAction.MANAGE_PARENTS)
    guardianship = Guardianship.objects.select_for_update().get(pk=guardianship.pk)
    guardianship.has_parental_authority = has_parental_authority
    guardianship.has_information_right = has_information_right and not has_parental_authority
    if relation is not None:
        guardianship.relation = relation
    if contact_shared is not None:
        guardianship.contact_shared = contact_shared
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


# --- Staff grants ---------------------------------------------------------------------------


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
    if not grants_for(acting_user).has_school_role(school.pk, Role.DIRECTOR, Role.ADMINISTRATOR):
        raise PermissionDenied
    if any(g.school_id != school.pk for t in teachers for g in t["groups"]):
        raise ValidationError({"group": _("This group belongs to another school.")})
    emails = {t["email"].strip().lower() for t in teachers}
    accounts = {
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


# --- The parents' declarations for the funding rules ----------------------------------------


def declaration_basis() -> str:
    """The legal basis recorded with a declaration, in the school's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "Funding rules for primary schools (Besluit bekostiging WPO, the weighting of "
            "pupils): a legal obligation of the school, not consent."
        )


@transaction.atomic
def declaration_record(
    *,
    pupil: Pupil,
    parent: User,
    education_level: str,
    declared_on: date,
    acting_user: User,
    nationality: str = "",
) -> ParentDeclaration:
    """Record (or replace) what a parent declared for the funding rules, with its date and
    legal basis; the audit log keeps what it was before."""
    _require(acting_user, pupil, PupilAction.DECLARATIONS)
    if not Guardianship.objects.filter(pupil=pupil, parent=parent).exists():
        raise ValidationError({"parent": _("This person is not a parent of the pupil.")})
    if declared_on > timezone.localdate():
        raise ValidationError({"declared_on": _("This date lies in the future.")})
    declaration = ParentDeclaration.objects.select_for_update().filter(
        pupil=pupil, parent=parent
    ).first() or ParentDeclaration(pupil=pupil, parent=parent)
    declaration.education_level = education_level
    declaration.nationality = (nationality or "").strip()
    declaration.declared_on = declared_on
    declaration.legal_basis = declaration_basis()
    declaration.recorded_by = acting_user
    with set_actor(acting_user):
        _save(declaration)
    return declaration


# --- Data-subject rights: corrections, holds and erasure (called by the requests app) -------

#: Who writes a decision on a parent's request into the dossier: the school's handlers.
REQUEST_ROLES = (Role.DIRECTOR, Role.TEAM_LEADER)


def _require_request_role(user: User, pupil: Pupil) -> None:
    if not grants_for(user).has_school_role(pupil.school_id, *REQUEST_ROLES):
        raise PermissionDenied


#: Holds the person acting for the child starts by asking (and ends by withdrawing).
_ASKED_HOLDS = (ProcessingHold.Kind.OBJECTION, ProcessingHold.Kind.RESTRICTION)


@transaction.atomic
def correction_apply(
    *,
    pupil: Pupil,
    target: str,
    target_id: int,
    field: str,
    value: str,
    acting_user: User,
    seen: str | None = None,
):
    """Write an accepted correction (GDPR Art. 16) into the dossier, validated and audited.

    *seen* is the fingerprint (pupils/corrections.py) of the value the handler saw when
    deciding: when the field changed since, nothing is written and ChangedMeanwhile says so.
    """
    _require_request_role(acting_user, pupil)
    obj = corrections.find(pupil, target, target_id, field)
    if obj is None:
        raise ValidationError(_("The data to correct no longer exists."))
    # NO KEY: rows that point at it (written earlier in this transaction) hold a key-share
    # lock, which a plain FOR UPDATE of two deciders would deadlock on.
    obj = type(obj).objects.select_for_update(no_key=True).get(pk=obj.pk)
    if seen is not None and corrections.fingerprint(obj, field) != seen:
        raise ChangedMeanwhile(
            _(
                "%(field)s was changed meanwhile, by another decision: it is now %(now)s. "
                "Nothing was saved; look at the field again and decide."
            )
            % {
                "field": corrections.label(target, field),
                "now": corrections.display(target, field, corrections.current_value(obj, field)),
            }
        )
    try:
        parsed = corrections.parse(target, field, value)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None
    setattr(obj, field, parsed)
    if target == "pupil":
        _set_bsn_index(obj)
        _check_bsn_unique(obj)
    with set_actor(acting_user):
        _save(obj)
    return obj


@transaction.atomic
def statement_record(
    *, pupil: Pupil, target: str, target_id: int, field: str, statement: str, acting_user: User
):
    """Add a parent's supplementary statement (GDPR Art. 16) to the dossier, as the parent's.

    It goes where the data it is about is: a statement on a special-category record is a
    special-category record of the same kind (encrypted, with that kind's access), one on
    a referral report is referral data; anything else is a note.
    """
    _require_request_role(acting_user, pupil)
    obj = corrections.find(pupil, target, target_id, field)
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Supplementary statement of a parent about: %(about)s") % {
            "about": corrections.label(target, field)
        }
    if target == "special" and obj is not None:
        record = SpecialRecord(
            pupil=pupil,
            kind=obj.kind,
            content=f"{title}\n\n{statement}",
            author=acting_user,
            source=Source.PARENT,
        )
    else:
        referral = target == "note" and obj is not None and obj.kind == Note.Kind.REFERRAL
        record = Note(
            pupil=pupil,
            author=acting_user,
            kind=Note.Kind.REFERRAL if referral else Note.Kind.NOTE,
            written_on=timezone.localdate(),
            title=title[:200],
            body=statement,
            source=Source.PARENT,
        )
    with set_actor(acting_user):
        _save(record)
    return record


@transaction.atomic
def hold_place(
    *,
    pupil: Pupil,
    kind: str,
    categories=(),
    reason: str,
    acting_user: User,
    reference: str = "",
    item_keys=(),
) -> ProcessingHold:
    """Stop staff from processing (restriction, objection) or anyone deleting (legal hold).

    A hold covers whole *categories*, or, with *item_keys* (pupils.items), only those
    items (a restriction decided on one report). The school's handlers place holds; an
    objection also stops processing the moment the person entitled to act for the
    child makes it (GDPR Art. 21).
    """
    if not (kind in _ASKED_HOLDS and acts_for(acting_user, pupil)):
        _require_request_role(acting_user, pupil)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the hold.")})
    if kind == ProcessingHold.Kind.LEGAL_HOLD:
        categories, item_keys = DataCategory.values, ()
    held_items = []
    for key in sorted(set(item_keys)):
        ref = items.ItemRef.parse(key)
        found = items.item(pupil, ref) if ref is not None and not ref.field else None
        if found is None:
            raise ValidationError({"items": _("This item is not in the pupil's dossier.")})
        held_items.append(found)
    if held_items:
        categories = {found.category for found in held_items}
    categories = sorted(set(categories or ()))
    if not categories or set(categories) - set(DataCategory.values):
        raise ValidationError({"categories": _("Choose the data the hold covers.")})
    hold = ProcessingHold(
        pupil=pupil,
        kind=kind,
        categories=categories,
        items=[found.key for found in held_items],
        reason=reason,
        reference=reference,
        placed_by=acting_user,
    )
    with set_actor(acting_user):
        _save(hold)
    return hold


@transaction.atomic
def hold_lift(*, hold: ProcessingHold, reason: str, acting_user: User) -> ProcessingHold:
    """End a hold, with the reason; the history stays."""
    hold = ProcessingHold.objects.select_for_update().select_related("pupil").get(pk=hold.pk)
    if not (hold.kind in _ASKED_HOLDS and acts_for(acting_user, hold.pupil)):
        _require_request_role(acting_user, hold.pupil)
    if hold.lifted_at is not None:
        raise ValidationError(_("This hold has already been lifted."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for lifting the hold.")})
    hold.lifted_at = timezone.now()
    hold.lifted_by = acting_user
    hold.lift_reason = reason
    with set_actor(acting_user):
        _save(hold)
    return hold


def under_legal_hold(pupil: Pupil) -> bool:
    return ProcessingHold.objects.filter(
        pupil=pupil, kind=ProcessingHold.Kind.LEGAL_HOLD, lifted_at__isnull=True
    ).exists()


@transaction.atomic
def pupil_data_erase(
    *,
    pupil: Pupil,
    categories=(),
    item_keys=(),
    acting_user: User | None = None,
    declared_by: User | None = None,
) -> dict[str, list[int]]:
    """Erase whole *categories* of the pupil's data (entries deleted, the administration
    anonymised) and single items (*item_keys* of pupils.items: an entry or record is
    deleted, a field of the personal details emptied), and nothing else.

    The audit log keeps the fact of every row (who, when, which fields) and loses the
    values (schoolprivacy.audit.scrub). A legal hold refuses the erasure. Returns, per
    model, the ids erased (``"app.Model"``), and per emptied field the ids of its rows
    (``"app.Model.field"``): the erasure ledger of the requests app keeps them. A parent's
    request erases only the parent's own declaration (*declared_by*); retention all of them.
    """
    if acting_user is not None:
        _require_request_role(acting_user, pupil)  # the retention sweep acts as the system
    pupil = Pupil.objects.select_for_update().get(pk=pupil.pk)
    if under_legal_hold(pupil):
        raise ValidationError(_("A legal hold is on this pupil's data: nothing may be deleted."))
    categories = set(categories)
    erased: dict[str, list[int]] = {}
    actor = set_actor(acting_user) if acting_user else contextlib.nullcontext()
    with actor:
        _erase_items(pupil, item_keys, erased)
        if DataCategory.DOSSIER in categories:
            for model in (Agreement, TestResult):
                audit.delete_rows(model.objects.filter(pupil=pupil), erased)
            audit.delete_rows(
                Note.objects.filter(pupil=pupil).exclude(kind=Note.Kind.REFERRAL), erased
            )
        if DataCategory.REFERRAL in categories:
            audit.delete_rows(Note.objects.filter(pupil=pupil, kind=Note.Kind.REFERRAL), erased)
        if DataCategory.SPECIAL in categories:
            audit.delete_rows(SpecialRecord.objects.filter(pupil=pupil), erased)
            audit.delete_rows(EmergencyAccess.objects.filter(pupil=pupil), erased)
            audit.delete_rows(RestrictedAccess.objects.filter(pupil=pupil), erased)
        if DataCategory.DECLARATION in categories:
            declarations = ParentDeclaration.objects.filter(pupil=pupil)
            if declared_by is not None:
                declarations = declarations.filter(parent=declared_by)
            audit.delete_rows(declarations, erased)
        if DataCategory.ADMINISTRATION in categories and pupil.anonymised_at is None:
            _anonymise(pupil, erased)
    return erased


def _erase_items(pupil: Pupil, item_keys, erased: dict[str, list[int]]) -> None:
    """Delete the entries and records named, and empty the fields named (audited)."""
    refs = [items.ItemRef.parse(key) for key in item_keys]
    if None in refs:
        raise ValidationError(_("This item is not in the pupil's dossier."))
    rows: dict[type, list[int]] = {}
    for ref in refs:
        if not ref.field:
            rows.setdefault(ref.model, []).append(ref.target_id)
    for model, ids in rows.items():
        audit.delete_rows(model.objects.filter(pupil=pupil, pk__in=ids), erased)
    emptied = sorted({ref.field for ref in refs if ref.field and ref.target_id == pupil.pk})
    if not emptied:
        return
    for name in emptied:
        setattr(pupil, name, None if Pupil._meta.get_field(name).null else "")
        erased.setdefault(f"{Pupil._meta.label}.{name}", []).append(pupil.pk)
    _set_bsn_index(pupil)
    pupil.save(update_fields=[*emptied, "bsn_index"])
    audit.scrub(Pupil, [pupil.pk])


def _account_anonymise(account: User) -> None:
    """The pupil's own login goes with the administration: disabled, without name or address.

    The row stays (its requests and decisions point to it), as an empty account.
    """
    account.full_name = ""
    account.email = f"erased-{uuid.uuid4().hex}@invalid.invalid"
    account.is_active = False
    account.set_unusable_password()
    account.save(update_fields=["full_name", "email", "is_active", "password"])
    audit.scrub(User, [account.pk])


def _anonymise(pupil: Pupil, erased: dict[str, list[int]]) -> None:
    notices_scrub(pupil.full_name)
    audit.delete_rows(GroupPlacement.objects.filter(pupil=pupil), erased)
    parents = list(pupil.guardianships.values_list("parent_id", flat=True))
    # Whom to call about the child (other people's names and numbers, the GP) goes with it.
    audit.delete_rows(EmergencyContact.objects.filter(pupil=pupil), erased)
    audit.delete_rows(Guardianship.objects.filter(pupil=pupil), erased)
    # A parent's address and phone numbers are held to reach them about their children:
    # with the last child gone, they go too.
    audit.delete_rows(
        ParentContact.objects.filter(parent__in=parents).exclude(
            parent__guardianships__isnull=False
        ),
        erased,
    )
    audit.delete_rows(PupilUserObjectPermission.objects.filter(content_object=pupil), erased)
    pupil.first_name = ""
    pupil.name_prefix = ""
    pupil.last_name = ""
    pupil.date_of_birth = date(pupil.date_of_birth.year, 1, 1)
    pupil.enrolled_on = date(pupil.enrolled_on.year, 1, 1)
    if pupil.left_on is not None:
        pupil.left_on = max(date(pupil.left_on.year, 1, 1), pupil.enrolled_on)
    pupil.gender = ""
    pupil.bsn = None
    pupil.bsn_index = None
    if pupil.account_id:
        _account_anonymise(pupil.account)
    pupil.account = None
    pupil.group = None
    pupil.anonymised_at = timezone.now()
    pupil.save()
    erased.setdefault(Pupil._meta.label, []).append(pupil.pk)
    audit.scrub(Pupil, [pupil.pk])


# --- The 18th birthday: parental authority ends (Civil Code 1:233) ---------------------------

#: How many days before the 18th birthday the pupil and the parents are told.
ADULTHOOD_NOTICE_DAYS = 30


@transaction.atomic
def parent_access_set(
    *, pupil: Pupil, guardianship: Guardianship, grant: bool, acting_user: User
) -> Guardianship:
    """The pupil of 16 or older lets a parent see the whole dossier (read only), or takes that
    back; it outlasts parental authority, which ends at 18 (permissions.portal_right). Only
    the pupil decides, from the own account."""
    if pupil.account_id is None or pupil.account_id != acting_user.pk:
        raise PermissionDenied
    if ages.age_on(pupil.date_of_birth, timezone.localdate()) < ages.CONSENT_AGE:
        raise PermissionDenied
    guardianship = Guardianship.objects.select_for_update().get(
        pk=guardianship.pk, pupil_id=pupil.pk
    )
    if grant == (guardianship.access_granted_at is not None):
        return guardianship
    guardianship.access_granted_at = timezone.now() if grant else None
    with set_actor(acting_user):
        guardianship.save(update_fields=["access_granted_at", "updated_at"])
    return guardianship


@dataclass
class AdulthoodReport:
    told_beforehand: int = 0
    ended: int = 0


#: Rights that end at 18, where they did not end before: a right the school gives again
#: afterwards (a parent appointed guardian of an adult, curatele) is left alone.
_ENDING_RIGHTS = (Q(has_parental_authority=True) | Q(has_information_right=True)) & Q(
    authority_ended_on__isnull=True
)


def _with_parental_rights():
    return Exists(Guardianship.objects.filter(_ENDING_RIGHTS, pupil_id=OuterRef("pk")))


def _told(kind: str):
    return Exists(AdulthoodNotice.objects.filter(pupil_id=OuterRef("pk"), kind=kind))


def adulthood_sweep(*, today: date | None = None) -> AdulthoodReport:
    """Tell pupils who turn 18 within ADULTHOOD_NOTICE_DAYS, and their parents, what changes;
    from the birthday end parental authority and the information right (audited), and tell
    them again. Each notice once (a unique row); a run after an outage catches up.
    """
    today = today or timezone.localdate()
    report = AdulthoodReport()
    pupils = Pupil.objects.filter(anonymised_at__isnull=True).filter(_with_parental_rights())
    soon = pupils.filter(
        date_of_birth__gt=ages.born_by(today, ages.ADULT_AGE),
        date_of_birth__lte=ages.born_by(
            today + timedelta(days=ADULTHOOD_NOTICE_DAYS), ages.ADULT_AGE
        ),
    ).exclude(_told(AdulthoodNotice.Kind.COMING))
    for pupil_id in soon.values_list("pk", flat=True):
        report.told_beforehand += _adulthood_tell(pupil_id, AdulthoodNotice.Kind.COMING)
    adults = pupils.filter(date_of_birth__lte=ages.born_by(today, ages.ADULT_AGE))
    for pupil_id in adults.values_list("pk", flat=True):
        report.ended += _adulthood_carry_out(pupil_id)
    return report


def sixteen_sweep(*, today: date | None = None) -> int:
    """Tell the pupils who are 16 or 17, and their parents, once, that the pupil now decides
    on consents, requests and who sees the whole dossier (permissions.portal_right). A run
    after an outage, or the first run for pupils already 16, catches up."""
    today = today or timezone.localdate()
    pupils = (
        Pupil.objects.filter(anonymised_at__isnull=True)
        .filter(_with_parental_rights())
        .filter(
            date_of_birth__lte=ages.born_by(today, ages.CONSENT_AGE),
            date_of_birth__gt=ages.born_by(today, ages.ADULT_AGE),
        )
        .exclude(_told(AdulthoodNotice.Kind.SIXTEEN))
    )
    return sum(
        _adulthood_tell(pupil_id, AdulthoodNotice.Kind.SIXTEEN)
        for pupil_id in pupils.values_list("pk", flat=True)
    )


@transaction.atomic
def _adulthood_carry_out(pupil_id: int) -> int:
    """Parental authority and the information right end on the 18th birthday."""
    pupil = Pupil.objects.select_for_update(skip_locked=True).filter(pk=pupil_id).first()
    if pupil is None:
        return 0
    adult_on = ages.birthday(pupil.date_of_birth, ages.ADULT_AGE)
    ended = 0
    for guardianship in Guardianship.objects.select_for_update().filter(
        _ENDING_RIGHTS, pupil=pupil
    ):
        guardianship.has_parental_authority = False
        guardianship.has_information_right = False
        guardianship.authority_ended_on = adult_on
        _save(guardianship)  # no actor: the law, carried out by the system
        ended += 1
    if ended:
        _adulthood_tell(pupil.pk, AdulthoodNotice.Kind.DONE, parents_of_before=True)
    return ended


def _adulthood_tell(pupil_id: int, kind: str, *, parents_of_before: bool = False) -> int:
    """Tell the pupil and the parents, once per kind (the unique row decides)."""
    with transaction.atomic():
        pupil = Pupil.objects.select_related("school").get(pk=pupil_id)
        adult_on = ages.birthday(pupil.date_of_birth, ages.ADULT_AGE)
        _notice, created = AdulthoodNotice.objects.get_or_create(
            pupil=pupil, kind=kind, defaults={"adult_on": adult_on}
        )
        if not created:
            return 0
        guardianships = Guardianship.objects.filter(pupil=pupil).select_related("parent")
        if parents_of_before:
            guardianships = guardianships.filter(authority_ended_on=adult_on)
        else:
            guardianships = guardianships.filter(
                Q(has_parental_authority=True) | Q(has_information_right=True)
            )
        messages = []
        for guardianship in guardianships:
            person = guardianship.parent
            with translation.override(person.language):
                messages.append(
                    (
                        person,
                        _("A message from %(school)s about your child")
                        % {"school": pupil.school.name},
                        _adulthood_text(kind, pupil, guardianship),
                        reverse("portal:child", args=[pupil.pk]),
                    )
                )
        if pupil.account_id and pupil.account.is_active:
            with translation.override(pupil.account.language):
                messages.append(
                    (
                        pupil.account,
                        _("A message from %(school)s about your data")
                        % {"school": pupil.school.name},
                        _adulthood_text(kind, pupil, None),
                        reverse("portal:parents_access", args=[pupil.pk]),
                    )
                )
        notice_queue_many(messages)
    return 1


def _adulthood_text(kind: str, pupil: Pupil, guardianship) -> str:
    """What the 16th or 18th birthday changes, to a parent (*guardianship*) or to the pupil.
    It goes by e-mail too: no name, and no date that would tell the date of birth."""
    if guardianship is None and kind == AdulthoodNotice.Kind.SIXTEEN:
        text = _(
            "You are 16 now: you decide on your own consents and requests at %(school)s, and "
            "which of your parents see your whole dossier. You decide that in the portal, "
            "under “Your parents' access”."
        )
    elif kind == AdulthoodNotice.Kind.SIXTEEN:
        text = _(
            "Your child is 16 now and decides on their own consents and requests at "
            "%(school)s, and on whether you see the whole dossier. Until your child turns 18 "
            "you keep seeing the progress, and with parental authority the consents."
        )
    elif guardianship is None and kind == AdulthoodNotice.Kind.COMING:
        text = _(
            "You turn 18 soon. From then on your parents no longer see your data at "
            "%(school)s, unless you let them. You decide that in the portal, under “Your "
            "parents' access”."
        )
    elif guardianship is None:
        text = _(
            "You are 18 now: your parents no longer see your data at %(school)s, except a "
            "parent you let see it. You can change that in the portal at any time."
        )
    elif kind == AdulthoodNotice.Kind.COMING:
        text = _(
            "Your child turns 18 soon. Parental authority then ends, and with it your access "
            "to your child's data at %(school)s, unless your child lets you keep seeing it. "
            "The date is in the portal."
        )
    elif guardianship.access_granted_at is not None:
        text = _(
            "Your child is 18 now and parental authority has ended. Your child lets you keep "
            "seeing the data at %(school)s, read only."
        )
    else:
        text = _(
            "Your child is 18 now and parental authority has ended: you no longer see your "
            "child's data at %(school)s. Your child can let you see it again."
        )
    return text % {"school": pupil.school.name}


#: Work whose task should have run by now: the sweep does it itself.
UNSENT_AFTER = timedelta(minutes=5)


def unsent_sweep(*, now=None) -> int:
    """Send the invitations and break-glass reports whose task never ran (a lost message)."""
    now = now or timezone.now()
    before = now - UNSENT_AFTER
    done = 0
    for pk in Invitation.objects.filter(
        sent_at__isnull=True, used_at__isnull=True, created_at__lt=before, expires_at__gt=now
    ).values_list("pk", flat=True):
        done += invitation_send(invitation_id=pk)
    for pk in EmergencyAccess.objects.filter(
        reported_at__isnull=True, opened_at__lt=before
    ).values_list("pk", flat=True):
        done += bool(emergency_access_report(access_id=pk))
    return done


# The dossier's life and the contact details, in modules of their own (they use the helpers above).
from .contacts import (  # noqa: E402, F401 (re-exported)
    emergency_contact_move,
    emergency_contact_remove,
    emergency_contact_save,
    emergency_sheet_printed,
    parent_contact_update,
)
from .dossier import (  # noqa: E402, F401 (re-exported)
    attachment_add,
    attachment_bytes,
    attachment_content,
    entry_correct,
    revision_values,
    special_record_end,
    special_record_replace,
)
