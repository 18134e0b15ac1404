"""The life of what the dossier holds: entries corrected with their earlier versions kept,
special-category records ended and replaced, documents attached. Nothing here deletes
an entry: only erasure and retention do (pupils/services/erasure.py)."""

import datetime
import json

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schoolprivacy import audit
from schoolprivacy.encryption import new_data_key, open_bytes, seal_bytes
from schoolprivacy.fields import declared_field
from schoolprivacy.models import User
from schoolprivacy.uploads import DOCUMENT_KINDS, verified_upload

from ..models import Attachment, EntryRevision, SpecialRecord
from ..permissions import ENTRY_MODELS, EntryPolicy, PupilPolicy, special_kinds

REASON_MAX = 1000


def _reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: _("Say why.")})
    if len(reason) > REASON_MAX:
        raise ValidationError({field: _("Keep the reason under 1,000 characters.")})
    return reason


def target_of(entry) -> str:
    """The item kind (pupils.items) of a dossier entry or record."""
    if isinstance(entry, SpecialRecord):
        return "special"
    return next(t for t, model in ENTRY_MODELS.items() if isinstance(entry, model))


def _link(target: str, entry) -> dict:
    """The keyword that links a revision or attachment to *entry*."""
    return {Attachment.TARGETS[target]: entry}


@transaction.atomic
def entry_correct(*, entry, acting_user: User, version: int, reason: str, **data):
    """Correct a dossier entry: its author (with the right to record) or a care coordinator
    or director. The text as it was is kept as an EntryRevision with who, when and why.
    *version* is the one the user saw: if someone corrected it meanwhile, nothing changes."""
    pupil = entry.pupil
    actions = PupilPolicy().actions(acting_user, pupil)
    if not EntryPolicy.may_correct(acting_user, entry, actions):
        raise PermissionDenied
    reason = _reason(reason)
    model = type(entry)
    locked = model.objects.select_for_update().get(pk=entry.pk)
    if locked.version != version:
        raise ValidationError(
            _(
                "Someone corrected this entry while you were working on it. Look at the "
                "new version and correct it again if needed."
            )
        )
    changed = [
        name for name in model.CORRECTABLE if name in data and getattr(locked, name) != data[name]
    ]
    if not changed:
        raise ValidationError(_("Nothing was changed."))
    before = {name: getattr(locked, name) for name in model.CORRECTABLE}
    for name in changed:
        setattr(locked, name, data[name])
    locked.version += 1
    locked.revised_at = timezone.now()
    locked.revised_by = acting_user
    locked.full_clean()
    revision = EntryRevision(
        pupil=pupil,
        version=version,
        values=json.dumps(before, cls=DjangoJSONEncoder),
        reason=reason,
        corrected_by=acting_user,
        **_link(target_of(locked), locked),
    )
    with set_actor(acting_user):
        locked.save(update_fields=[*changed, "version", "revised_at", "revised_by"])
        revision.save()
    return locked


def revision_values(revision: EntryRevision) -> dict:
    """The fields of an entry as they were in *revision*, dates as dates."""
    values = json.loads(revision.values)
    target, _pk = revision.target
    model = ENTRY_MODELS[target]
    for name, value in values.items():
        if value and declared_field(model, name).get_internal_type() == "DateField":
            values[name] = datetime.date.fromisoformat(value)
    return values


def _writable(acting_user: User, record: SpecialRecord) -> None:
    if record.kind not in special_kinds(acting_user, record.pupil, writable=True):
        raise PermissionDenied


@transaction.atomic
def special_record_end(
    *, record: SpecialRecord, ended_on: datetime.date, reason: str, acting_user: User
) -> SpecialRecord:
    """End a special-category record (a medication stopped, a protocol no longer needed). It
    stays in the dossier, marked ended, until retention removes it."""
    _writable(acting_user, record)
    reason = _reason(reason, "end_reason")
    locked = SpecialRecord.objects.select_for_update().get(pk=record.pk)
    if locked.ended_on is not None:
        raise ValidationError(_("This record has already been ended."))
    if ended_on < timezone.localdate(locked.recorded_at):
        raise ValidationError({"ended_on": _("A record cannot end before it was recorded.")})
    locked.ended_on = ended_on
    locked.end_reason = reason
    locked.ended_by = acting_user
    with set_actor(acting_user):
        locked.save(update_fields=["ended_on", "end_reason", "ended_by"])
    return locked


@transaction.atomic
def special_record_replace(
    *, record: SpecialRecord, content: str, reason: str, acting_user: User, **data
) -> SpecialRecord:
    """Replace a special-category record by a new version (a new protocol): the old one ends
    today with *reason*, the new one says what it replaces."""
    ended = special_record_end(
        record=record, ended_on=timezone.localdate(), reason=reason, acting_user=acting_user
    )
    new = SpecialRecord(
        pupil=ended.pupil,
        kind=ended.kind,
        content=content,
        author=acting_user,
        replaces=ended,
        **data,
    )
    new.full_clean()
    with set_actor(acting_user):
        new.save()
    return new


@transaction.atomic
def attachment_add(*, entry, file, title: str, acting_user: User) -> Attachment:
    """Attach a document (PDF or image, checked by its content) to a dossier entry or a
    special-category record, sealed with a key of its own. Who may correct the entry, or
    record the record's kind, may attach."""
    if isinstance(entry, SpecialRecord):
        _writable(acting_user, entry)
    elif not EntryPolicy.may_correct(
        acting_user, entry, PupilPolicy().actions(acting_user, entry.pupil)
    ):
        raise PermissionDenied
    upload = verified_upload("file", file, kinds=tuple(DOCUMENT_KINDS))
    kind, data = upload.kind, upload.content
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Describe the document in a few words.")})
    attachment = Attachment(
        pupil=entry.pupil,
        title=title,
        kind=kind,
        size=len(data),
        data_key=new_data_key(),
        added_by=acting_user,
        **_link(target_of(entry), entry),
    )
    attachment.content = seal_bytes(
        data, data_key=attachment.data_key, context=_context(attachment)
    )
    attachment.full_clean(exclude=["content"])
    with set_actor(acting_user):
        attachment.save()
    return attachment


def _context(attachment: Attachment) -> str:
    return f"{Attachment._meta.db_table}.content.{attachment.uid}"


def attachment_content(*, attachment: Attachment, acting_user: User) -> bytes:
    """The document's bytes, for someone the caller let see the entry; the look is logged on
    the pupil, so that it shows in the parent's "who looked"."""
    audit.log_access(
        actor=acting_user,
        obj=attachment.pupil,
        what="document",
        details={"document": attachment.uid},
    )
    return attachment_bytes(attachment)


def attachment_bytes(attachment: Attachment) -> bytes:
    """The document's bytes (for the parent's copy, which logs itself)."""
    return open_bytes(
        attachment.content, data_key=attachment.data_key, context=_context(attachment)
    )
