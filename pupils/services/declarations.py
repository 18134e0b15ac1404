"""The parents' declarations for the funding rules (the gewichtenregeling)."""

from datetime import date

from auditlog.context import set_actor
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from schoolprivacy.models import User

from ..models import Guardianship, ParentDeclaration, Pupil
from ..permissions import PupilAction
from .common import _require, _save


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
