"""What staff record in the dossier: agreements, test results, reports and notes, and the
special-category records (a voluntary kind only with explicit consent)."""

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from schoolprivacy.models import User

from .. import voluntary
from ..models import Agreement, Note, Pupil, SpecialRecord, TestResult
from ..permissions import PupilAction, special_kinds
from .common import _require, _save


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
