"""A parent's request for rectification (GDPR Art. 16), as the requests app decides it: the
correction written into the dossier, or the parent's supplementary statement added."""

from auditlog.context import set_actor
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from schoolprivacy.models import User

from .. import corrections
from ..models import Note, Pupil, Source, SpecialRecord
from .common import _require_request_role, _save
from .pupils import _check_bsn_unique, _set_bsn_index


class ChangedMeanwhile(ValidationError):
    """The data changed between the page the user saw and their decision; nothing was done."""


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
    record: SpecialRecord | Note
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
