"""The parents of a pupil: linked without an invitation (one, or an import's many), their
custody changed, and an import's contact details. A parent added on the pupil's page is
invited instead (invitations.py)."""

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from schoolprivacy import audit
from schoolprivacy.authorization import grants_for
from schoolprivacy.models import School, User

from ..models import Guardianship, ParentContact, Pupil
from ..permissions import PupilAction
from .common import ADMINISTRATION_ROLES, _require, _save


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
def parents_link_many(*, school: School, acting_user: User, links: list[dict]) -> None:
    """Link many parents at once (an import's parents), as parent_link links one without an
    invitation: one account per e-mail address, an audit entry for each new account and link;
    one INSERT per table. *links* hold pupil_id, email, full_name, relation and
    has_parental_authority. A link that exists already refuses them all, so that the caller
    can link them one by one instead."""
    if not grants_for(acting_user).has_school_role(school.pk, *ADMINISTRATION_ROLES):
        raise PermissionDenied
    pupil_ids = {link["pupil_id"] for link in links}
    if Pupil.objects.filter(pk__in=pupil_ids, school=school).count() != len(pupil_ids):
        raise PermissionDenied
    emails = {link["email"].strip().lower() for link in links}
    accounts: dict[str, User] = {
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
    if not grants_for(acting_user).has_school_role(school.pk, *ADMINISTRATION_ROLES):
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
    new: list[ParentContact] = []
    changed = 0
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
