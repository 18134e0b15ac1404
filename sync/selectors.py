"""Reads of the sync, already filtered by sync/permissions.py."""

import json
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from pupils import selectors as pupil_selectors
from pupils.models import Group, Guardianship, ParentContact, Pupil
from schoolprivacy.models import School

from . import parents
from . import year as year_module
from .models import ColumnMapping, ImportLine, ImportRun
from .permissions import runs_for


def recent_runs(*, user, limit: int = 20) -> list[ImportRun]:
    return list(runs_for(user).select_related("school", "uploaded_by")[:limit])


def lines_of(run: ImportRun, kind: str | None = None) -> QuerySet[ImportLine]:
    """The lines of *run* (of one *kind*), in the order of the file, each with its pupil."""
    lines = run.lines.select_related("pupil").order_by("kind", "subject", "line", "pk")  # indexed
    return lines.filter(kind=kind) if kind else lines


def uninvited_parents(schools) -> list[School]:
    """The schools, each with ``waiting``: how many parents of its current pupils nobody has
    invited yet (see pupils/selectors.py)."""
    result = []
    for school in schools:
        school.waiting = pupil_selectors.uninvited_parents(school).count()
        result.append(school)
    return result


def proposed_mapping(run: ImportRun, header: list[str]) -> dict:
    """The school's saved mapping where it still fits the columns, else a guess by name."""
    saved = ColumnMapping.objects.filter(school=run.school_id).first()
    proposal = parents.guess(header)
    if saved is not None:
        proposal.update({k: v for k, v in saved.columns.items() if v in header})
    return proposal


def _label(name: str, model=Pupil) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def readable(lines) -> list[ImportLine]:
    """The lines with what they are about in words (``who``) and, for a change, what was and
    what will be (``changes``); the values are read only for the page shown."""
    for line in lines:
        data = json.loads(line.data) if line.data else {}
        if line.subject == ImportLine.Subject.PUPIL:
            if data.get("last_name"):
                line.who = " ".join(
                    p for p in (data["first_name"], data["name_prefix"], data["last_name"]) if p
                )
            elif line.pupil_id:
                line.who = line.pupil.full_name
            else:
                line.who = line.key
        elif line.subject == ImportLine.Subject.TEACHER:
            line.who = data.get("full_name") or data.get("email") or line.key
        elif line.subject == ImportLine.Subject.PARENT:
            parent = data.get("full_name") or data.get("email") or ""
            child = line.pupil.full_name if line.pupil_id else line.key
            line.who = f"{parent} ({data.get('email', '')}) – {child}" if parent else child
        else:
            line.who = data.get("name") or line.key
        before = data.get("before")
        if not isinstance(before, dict):
            before = {}
        if line.kind == ImportLine.Kind.MOVED:
            before = {"group": data.get("before") or ""}
            data = {"group": (data.get("group_key") or "").removeprefix("name:")}
        if line.subject == ImportLine.Subject.TEACHER and data.get("groups"):
            keys = [key.removeprefix("name:") for key in data["groups"]]
            line.changes = [(_("groups taught"), "", ", ".join(keys))]
            continue
        model = Guardianship if line.subject == ImportLine.Subject.PARENT else Pupil
        line.changes = [
            (
                _label(name, ParentContact if name in ParentContact.FIELDS else model),
                _shown(before.get(name, ""), model),
                _shown(data.get(name, ""), model),
            )
            for name in line.fields
            if name != "external_key"
        ]
    return list(lines)


def _shown(value, model):
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if model is Guardianship and value in Guardianship.Relation.values:
        return Guardianship.Relation(value).label
    return value


# --- A new school year made here (sync/year.py plans it) ------------------------------


@dataclass
class GroupMove:
    """One group of this year: its current pupils, and where they go."""

    group: Group
    pupils: int
    target: str  # a group name of the new year, or LEAVE


def current_school_year(school) -> int | None:
    """The school year of the school's newest groups that hold current pupils."""
    return (
        Group.objects.filter(
            school=school, pupils__left_on__isnull=True, pupils__anonymised_at__isnull=True
        )
        .order_by("-school_year")
        .values_list("school_year", flat=True)
        .first()
    )


def year_proposal(school) -> tuple[int | None, list[GroupMove]]:
    """This year's groups with their pupils, each proposed to move to the group of the next
    year group (same name as it has now), the highest year group to leave."""
    year = current_school_year(school)
    if year is None:
        return None, []
    groups = list(
        Group.objects.filter(school=school, school_year=year)
        .annotate(
            current=Count(
                "pupils",
                filter=Q(pupils__left_on__isnull=True, pupils__anonymised_at__isnull=True),
            )
        )
        .order_by("year_group", "name")
    )
    by_year_group: dict[int, str] = {}
    for group in groups:
        if group.year_group is not None:
            by_year_group.setdefault(group.year_group, group.name)
    highest = max(by_year_group, default=None)
    moves = []
    for group in groups:
        if group.year_group is None:
            target = group.name
        elif group.year_group == highest:
            target = year_module.LEAVE
        else:
            target = by_year_group.get(group.year_group + 1, group.name)
        moves.append(GroupMove(group, group.current, target))
    return year, moves
