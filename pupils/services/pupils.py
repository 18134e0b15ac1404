"""A pupil's administration: enrolment (one pupil, or an import's many), the personal
data, and the group, with the history of placements kept."""

from datetime import date, timedelta

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from schoolprivacy import audit
from schoolprivacy.authorization import grants_for
from schoolprivacy.encryption import blind_index
from schoolprivacy.models import School, User

from ..models import Group, GroupPlacement, Pupil
from ..permissions import PupilAction
from .common import ADMINISTRATION_ROLES, _require, _save


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
    if not grants_for(acting_user).has_school_role(school.pk, *ADMINISTRATION_ROLES):
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
    if not grants_for(acting_user).has_school_role(school.pk, *ADMINISTRATION_ROLES):
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
                % {"date": formats.date_format(current.start_on)}
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
