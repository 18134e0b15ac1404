"""How the school reaches the people around a pupil: a parent's own contact details, entered
at the school or corrected by the parent, and the pupil's emergency contacts, GP and
hospital. Every change is audited; the values are encrypted (ParentContact in
pupils/models/guardianship.py, pupils/models/emergency_contacts.py)."""

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from schoolprivacy import audit
from schoolprivacy.models import User

from ..models import EmergencyContact, Group, Guardianship, ParentContact, Pupil
from ..permissions import PupilAction, PupilPolicy, holds_authority


def _may_manage(acting_user: User, pupil: Pupil) -> bool:
    """Staff who manage the pupil's parents, or a parent with parental authority."""
    return PupilAction.MANAGE_PARENTS in PupilPolicy().actions(
        acting_user, pupil
    ) or holds_authority(acting_user, pupil)


@transaction.atomic
def parent_contact_update(
    *, parent: User, acting_user: User, pupil: Pupil | None = None, **values
) -> ParentContact:
    """Set a parent's address and phone numbers (ParentContact.FIELDS given in *values*).

    The parent corrects their own directly, without a request; staff who manage the parents
    of *pupil* enter them for a parent of that pupil. Audited either way."""
    if acting_user.pk != parent.pk:
        if pupil is None or not Guardianship.objects.filter(pupil=pupil, parent=parent).exists():
            raise PermissionDenied
        if PupilAction.MANAGE_PARENTS not in PupilPolicy().actions(acting_user, pupil):
            raise PermissionDenied
    contact = ParentContact.objects.select_for_update().filter(parent=parent).first()
    contact = contact or ParentContact(parent=parent)
    fields = [name for name in ParentContact.FIELDS if name in values]
    for name in fields:
        setattr(contact, name, (values[name] or "").strip())
    contact.full_clean(exclude=["parent"], validate_unique=False)
    with set_actor(acting_user):
        if contact.pk is None:
            contact.save()
        else:
            contact.save(update_fields=[*fields, "updated_at"])
    return contact


def _check_contact(contact: EmergencyContact, pupil: Pupil) -> None:
    if contact.parent_id is not None:
        if contact.kind != EmergencyContact.Kind.PERSON:
            raise ValidationError({"parent": _("A parent is a person to call.")})
        if not Guardianship.objects.filter(pupil=pupil, parent_id=contact.parent_id).exists():
            raise ValidationError({"parent": _("This is no parent of this pupil.")})
    elif not contact.name.strip():
        raise ValidationError({"name": _("Fill in a name, or choose a parent.")})
    if contact.parent_id is None and not contact.phone.strip():
        raise ValidationError({"phone": _("Fill in the phone number.")})
    if contact.kind != EmergencyContact.Kind.PERSON:
        contact.position = 1  # one GP, one hospital
        taken = EmergencyContact.objects.filter(pupil=pupil, kind=contact.kind).exclude(
            pk=contact.pk
        )
        if taken.exists():
            raise ValidationError(
                {"kind": _("This pupil already has one: change that one instead.")}
            )
    elif contact.parent_id is not None:
        duplicate = EmergencyContact.objects.filter(pupil=pupil, parent_id=contact.parent_id)
        if duplicate.exclude(pk=contact.pk).exists():
            raise ValidationError({"parent": _("This parent is on the list already.")})


@transaction.atomic
def emergency_contact_save(
    *, pupil: Pupil, acting_user: User, contact: EmergencyContact | None = None, **data
) -> EmergencyContact:
    """Add an emergency contact (a new person goes last in the order) or change one. Staff
    who manage the pupil's parents, or a parent with parental authority."""
    if not _may_manage(acting_user, pupil):
        raise PermissionDenied
    Pupil.objects.select_for_update().filter(pk=pupil.pk).first()  # one change of order at a time
    if contact is None:
        contact = EmergencyContact(pupil=pupil)
        last = EmergencyContact.objects.filter(pupil=pupil, kind=data.get("kind", "person"))
        contact.position = (last.aggregate(n=Max("position"))["n"] or 0) + 1
    elif contact.pupil_id != pupil.pk:
        raise PermissionDenied
    for name, value in data.items():
        setattr(contact, name, value.strip() if isinstance(value, str) else value)
    _check_contact(contact, pupil)
    contact.full_clean(exclude=["pupil", "parent"], validate_unique=False)
    with set_actor(acting_user):
        contact.save()
    return contact


@transaction.atomic
def emergency_contact_move(*, contact: EmergencyContact, up: bool, acting_user: User) -> None:
    """Move a person one place up or down the order of whom to call."""
    pupil = contact.pupil
    if not _may_manage(acting_user, pupil):
        raise PermissionDenied
    Pupil.objects.select_for_update().filter(pk=pupil.pk).first()
    people = list(EmergencyContact.objects.filter(pupil=pupil, kind=contact.kind))
    index = next(i for i, c in enumerate(people) if c.pk == contact.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(people):
        return
    mine, theirs = people[index], people[other]
    first, second = mine.position, theirs.position
    with set_actor(acting_user):
        mine.position = 0  # out of the way: (pupil, kind, position) is unique
        mine.save(update_fields=["position"])
        theirs.position = first
        theirs.save(update_fields=["position", "updated_at"])
        mine.position = second
        mine.save(update_fields=["position", "updated_at"])


@transaction.atomic
def emergency_contact_remove(*, contact: EmergencyContact, acting_user: User) -> None:
    """Take a contact off the list (no longer to be called); audited."""
    if not _may_manage(acting_user, contact.pupil):
        raise PermissionDenied
    with set_actor(acting_user):
        contact.delete()


def emergency_sheet_printed(*, group: Group, pupil_ids: list[int], acting_user: User) -> None:
    """Log the class emergency sheet as an export: who, when, which group, and for each
    pupil on it a look at its dossier."""
    audit.log_access(actor=acting_user, obj=group, what="emergency_sheet")
    for pupil in Pupil.objects.filter(pk__in=pupil_ids):
        audit.log_access(actor=acting_user, obj=pupil, what="emergency_sheet")
