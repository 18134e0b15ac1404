"""What an EDEXML export would change at a school: the preview, line by line.

The file is read as a stream; each pupil is compared with what the school holds, by
its key in the administration. On the first import a pupil without a key is matched
by BSN, or by name and date of birth where no BSN is held; a match that is not
unique is reported, never guessed. Only what changes is written down (a second
import of the same file writes nothing); the school's pupils that the export does not
name are the leavers.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from pupils.models import Group, GroupUserObjectPermission, Pupil
from pupils.validators import validate_bsn, validate_date_of_birth
from schoolprivacy.encryption import blind_index
from schoolprivacy.models import Membership, Role, School, User

from . import edexml
from .models import ImportLine, ImportRun

Kind = ImportLine.Kind
Subject = ImportLine.Subject

#: The pupil fields a sync writes, as Pupil attributes.
PUPIL_FIELDS = ("first_name", "name_prefix", "last_name", "date_of_birth", "gender", "eckid")
#: Lines are written in batches of this many.
BATCH = 1000


def group_name(name: str, key: str, *, taken: bool) -> str:
    """A group's name here: as the administration names it, or, when another group of the
    school year already has that name, with its key added (names are unique here)."""
    return f"{name[:56]} ({key[:6]})" if taken else name[:64]


def _name_key(value) -> tuple:
    """What a pupil without a BSN is matched by: date of birth and names, in any case.
    *value* gives a pupil field's value by its name."""
    return (str(value("date_of_birth")), value("last_name").lower(), value("first_name").lower())


#: Between the values of a packed pupil (a control character no name holds).
SEP = "\x1f"


def packed(values) -> str:
    """A pupil's PUPIL_FIELDS values as one string (a date as YYYY-MM-DD): what is compared."""
    return SEP.join(
        v.isoformat() if isinstance(v, date) else str(v or "").replace(SEP, " ") for v in values
    )


@dataclass(slots=True)
class _Known:
    """A pupil the school holds, as far as a sync compares it. A board's school holds tens
    of thousands: slots and a tuple keep each small (the worker's memory is benched)."""

    pk: int
    key: str | None
    values: str  # packed(): one string, not six objects
    bsn_index: str | None
    group_key: str | None
    left_on: object

    def value(self, name: str) -> str:
        return self.values.split(SEP)[PUPIL_FIELDS.index(name)]


@dataclass
class Planner:
    """Reads one export (the edexml callbacks) and writes the run's lines."""

    run: ImportRun
    school: School
    lines: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)  # key → GroupRow of the file
    seen: set = field(default_factory=set)
    matched: set = field(default_factory=set)
    teachers: list = field(default_factory=list)  # (row, data) of the file's teachers

    def __post_init__(self):
        self.counts = dict.fromkeys(
            ("new", "changed", "moved", "unchanged", "leaving", "errors"), 0
        )
        self.counts.update(
            updated=0, groups_new=0, groups_changed=0, teachers_new=0, teachers_changed=0
        )
        self.school_info = None
        self._load()

    # --- What the school holds ------------------------------------------------------------

    def _load(self) -> None:
        # A group made here has no key yet: "#<pk>" stands for it until the first import
        # gives it the key of the administration's group with its name (on_group).
        group_keys: dict[int, str] = {}
        self.group_labels: dict[str | None, str] = {}
        for pk, key, name in Group.objects.filter(school=self.school).values_list(
            "pk", "external_key", "name"
        ):
            group_keys[pk] = key or f"#{pk}"
            self.group_labels[f"#{pk}"] = name
        self.by_key: dict[str, _Known] = {}
        self.unkeyed: list[_Known] = []
        # The first import matches the pupils without a key by these (no pass over all).
        self.unkeyed_by_bsn: dict[str, list[_Known]] = defaultdict(list)
        self.unkeyed_by_name: dict[tuple, list[_Known]] = defaultdict(list)
        current = 0
        rows = Pupil.objects.filter(school=self.school, anonymised_at__isnull=True).values_list(
            "pk", "external_key", "bsn_index", "group_id", "left_on", *PUPIL_FIELDS
        )
        for pk, key, bsn_index, group_id, left_on, *values in rows.iterator(chunk_size=2000):
            known = _Known(
                pk,
                key,
                packed(values),
                bsn_index,
                group_keys.get(group_id),
                left_on,
            )
            if left_on is None:
                current += 1
            if key:
                self.by_key[key] = known
            else:
                self.unkeyed.append(known)
                if bsn_index:
                    self.unkeyed_by_bsn[bsn_index].append(known)
                else:
                    self.unkeyed_by_name[_name_key(known.value)].append(known)
        self.run.current_pupils = current
        # Another school of the board may hold a BSN: it is unique per board.
        self.board_bsn = set(
            Pupil.objects.filter(board_id=self.school.board_id, bsn_index__isnull=False)
            .exclude(school=self.school)
            .values_list("bsn_index", flat=True)
        )

    # --- The file, record by record -------------------------------------------------------

    def on_school(self, info: edexml.SchoolInfo) -> None:
        self.school_info = info
        if info.brin.upper() != self.school.brin.upper():
            raise edexml.Unreadable(
                _(
                    "This export is of school %(file)s, not of %(school)s (%(brin)s): "
                    "nothing was read."
                )
                % {"file": info.brin or "?", "school": self.school.name, "brin": self.school.brin}
            )
        if info.first_year is None:
            raise edexml.Unreadable(
                _("The export names no school year (schooljaar): nothing was read.")
            )
        self.run.school_year = self.school_year = info.first_year
        self.existing_groups: dict[str, Group] = {}
        self.unkeyed_groups: dict[str, Group] = {}
        # "#<pk>" of a group made here → the key the administration gives it.
        self.adopted: dict[str | None, str] = {}
        for group in Group.objects.filter(school=self.school, school_year=info.first_year):
            if group.external_key:
                self.existing_groups[group.external_key] = group
            else:
                self.unkeyed_groups.setdefault(group.name.lower(), group)

    def on_group(self, row: edexml.GroupRow) -> None:
        if self.school_info is None:
            raise edexml.Unreadable(_("The export names its groups before its school."))
        if not row.key or not row.name:
            self._error(row.line, Subject.GROUP, row.key, _("A group without a key or a name."))
            return
        if row.key in self.groups:
            self._error(
                row.line,
                Subject.GROUP,
                row.key,
                _("The group key %(key)s occurs twice in the file.") % {"key": row.key},
            )
            return
        self.groups[row.key] = row
        year_group = int(row.year_group) if row.year_group.isdigit() else None
        name = row.name[:64]
        data = {"name": name, "year_group": year_group, "combined": row.combined}
        existing = self.existing_groups.get(row.key)
        unkeyed = self.unkeyed_groups.pop(row.name.lower(), None) if existing is None else None
        if unkeyed is not None:
            # The first import: the group made here by hand gets the administration's key.
            self.adopted[f"#{unkeyed.pk}"] = row.key
            self.counts["groups_changed"] += 1
            data["match"] = unkeyed.pk
            self._add(Kind.CHANGED, Subject.GROUP, row.line, row.key, data=data)
        elif existing is None:
            self.counts["groups_new"] += 1
            self._add(Kind.NEW, Subject.GROUP, row.line, row.key, data=data)
        elif (
            existing.name not in (name, group_name(name, row.key, taken=True))
            or existing.year_group != year_group
        ):
            self.counts["groups_changed"] += 1
            self._add(Kind.CHANGED, Subject.GROUP, row.line, row.key, data=data)

    def on_pupil(self, row: edexml.PersonRow) -> None:
        if self.school_info is None:
            raise edexml.Unreadable(_("The export names its pupils before its school."))
        problem = self._pupil_problem(row)
        birth = row.birth_date
        if problem or birth is None:  # (no date of birth is a problem)
            self._error(row.line, Subject.PUPIL, row.key, problem or "")
            return
        self.seen.add(row.key)
        values = {
            "first_name": row.first_name[:100],
            "name_prefix": row.prefix[:20],
            "last_name": row.last_name[:100],
            "date_of_birth": birth,
            "gender": edexml.GENDERS.get(row.gender, ""),
            "eckid": row.eckid[:200],
        }
        bsn_index = blind_index(row.bsn) if row.bsn else None
        group_key = row.group_keys[0] if row.group_keys else None
        known = self.by_key.get(row.key)
        if known is None:
            known, ambiguity = self._match(values, bsn_index)
            if ambiguity:
                self._error(row.line, Subject.PUPIL, row.key, ambiguity)
                return
        if bsn_index and bsn_index in self.board_bsn:
            self._error(
                row.line,
                Subject.PUPIL,
                row.key,
                _("Another school of the board holds a pupil with this BSN."),
            )
            return
        data: dict[str, object] = {**values, "date_of_birth": birth.isoformat()}
        if row.bsn:
            data["bsn"] = row.bsn
        data["group_key"] = group_key
        if known is None:
            self.counts["new"] += 1
            self._add(Kind.NEW, Subject.PUPIL, row.line, row.key, data=data)
            return
        self.matched.add(known.pk)
        known_group = self.adopted.get(known.group_key, known.group_key)
        held = known.values.split(SEP)
        now = packed(values[name] for name in PUPIL_FIELDS).split(SEP)
        changed = [name for name, a, b in zip(PUPIL_FIELDS, held, now, strict=True) if a != b]
        if bsn_index and bsn_index != known.bsn_index:
            changed.append("bsn")
        if known.key != row.key:
            changed.append("external_key")
        if known.left_on is not None:
            changed.append("left_on")  # back at the school
        if changed:
            before = dict(zip(PUPIL_FIELDS, held, strict=True))
            before = {name: before[name] for name in changed if name in before}
            self.counts["changed"] += 1
            self._add(
                Kind.CHANGED,
                Subject.PUPIL,
                row.line,
                row.key,
                pupil_id=known.pk,
                fields=changed,
                data={**data, "before": before},
            )
        if group_key != known_group:
            self.counts["moved"] += 1
            self._add(
                Kind.MOVED,
                Subject.PUPIL,
                row.line,
                row.key,
                pupil_id=known.pk,
                fields=["group"],
                data={
                    "group_key": group_key,
                    "before": self.group_labels.get(known_group, known_group),
                },
            )
        if not changed and group_key == known_group:
            self.counts["unchanged"] += 1
        else:
            self.counts["updated"] += 1

    def _pupil_problem(self, row: edexml.PersonRow) -> str | None:
        if not row.key:
            return _("A pupil without a key (leerling/@key).")
        if row.key in self.seen:
            return _("The pupil key %(key)s occurs twice in the file.") % {"key": row.key}
        if not row.last_name or not row.first_name:
            return _("The pupil's first or last name is missing.")
        birth = row.birth_date
        if birth is None:
            return _("The date of birth is missing or not a date (%(value)s).") % {
                "value": row.birth or "–"
            }
        try:
            validate_date_of_birth(birth)
            validate_bsn(row.bsn)
        except ValidationError as error:
            return " ".join(error.messages)
        unknown = [k for k in row.group_keys if k not in self.groups]
        if unknown:
            return _("The group key %(key)s is not among the export's groups.") % {
                "key": unknown[0]
            }
        return None

    def _match(self, values: dict, bsn_index: str | None):
        """The school's pupil without a key that is this one (first import), or None; and a
        reason when more than one could be."""
        if bsn_index:
            found = [k for k in self.unkeyed_by_bsn[bsn_index] if k.pk not in self.matched]
            if found:
                return found[0], None
        candidates = [
            known
            for known in self.unkeyed_by_name[_name_key(values.get)]
            if known.pk not in self.matched
        ]
        if len(candidates) > 1:
            return None, _(
                "More than one pupil of the school has this name and date of birth: "
                "link the right one by hand first; nothing was guessed."
            )
        return (candidates[0] if candidates else None), None

    def on_teacher(self, row: edexml.PersonRow) -> None:
        email = row.email.strip().lower()
        name = " ".join(p for p in (row.first_name, row.prefix, row.last_name) if p)
        if not email or "@" not in email:
            self._error(
                row.line,
                Subject.TEACHER,
                row.key,
                _("The teacher %(name)s has no e-mail address: not imported.") % {"name": name},
            )
            return
        unknown = [k for k in row.group_keys if k not in self.groups]
        if unknown:
            self._error(
                row.line,
                Subject.TEACHER,
                row.key,
                _("The group key %(key)s is not among the export's groups.") % {"key": unknown[0]},
            )
            return
        keys = sorted({*row.group_keys, *row.combined_keys})
        data = {"email": email, "full_name": name[:150], "groups": keys}
        self.teachers.append((row, data))  # compared with the school's teachers at the end

    def _plan_teachers(self) -> None:
        """Each teacher of the file against the school's: new (not yet a teacher here), or
        changed (teaching other groups than the file says); a few queries for all."""
        emails = {data["email"] for _row, data in self.teachers}
        users = dict(
            User.objects.annotate(address=Lower("email"))
            .filter(address__in=emails)
            .values_list("address", "pk")
        )
        members = set(
            Membership.objects.filter(
                user__in=users.values(), school=self.school, role=Role.TEACHER
            ).values_list("user_id", flat=True)
        )
        taught = defaultdict(set)
        for teacher_id, key in GroupUserObjectPermission.objects.filter(
            user__in=users.values(),
            permission__codename="teach_group",
            content_object__school=self.school,
            content_object__school_year=self.school_year,
            content_object__external_key__isnull=False,
        ).values_list("user_id", "content_object__external_key"):
            taught[teacher_id].add(key)
        for row, data in self.teachers:
            user_id = users.get(data["email"])
            if user_id not in members:
                self.counts["teachers_new"] += 1
                self._add(Kind.NEW, Subject.TEACHER, row.line, row.key, data=data)
            elif taught[user_id] != set(data["groups"]):
                self.counts["teachers_changed"] += 1
                self._add(Kind.CHANGED, Subject.TEACHER, row.line, row.key, data=data)

    # --- The end: the leavers, the counts ---------------------------------------------------

    def finish(self) -> None:
        if self.school_info is None:
            raise edexml.Unreadable(_("The export names no school: nothing was read."))
        self._plan_teachers()
        leave_on = self.run.export_date.isoformat()
        for known in [*self.by_key.values(), *self.unkeyed]:
            if known.left_on is not None or known.pk in self.matched:
                continue
            if known.key and known.key in self.seen:
                continue
            self.counts["leaving"] += 1
            self._add(
                Kind.LEAVING,
                Subject.PUPIL,
                0,
                known.key or "",
                pupil_id=known.pk,
                fields=["left_on"],
                data={"left_on": leave_on},
            )
        self._flush()
        self.run.counts = self.counts

    # --- Writing lines ----------------------------------------------------------------------

    def _error(self, line: int, subject: str, key: str, message: str) -> None:
        if subject == Subject.PUPIL:
            self.counts["errors"] += 1
        else:
            self.counts[f"{subject}_errors"] = self.counts.get(f"{subject}_errors", 0) + 1
        self._add(Kind.ERROR, subject, line, key, message=str(message)[:300])

    def _add(self, kind, subject, line, key, *, pupil_id=None, fields=(), data=None, message=""):
        self.lines.append(
            ImportLine(
                run=self.run,
                kind=kind,
                subject=subject,
                line=line,
                key=(key or "")[:100],
                pupil_id=pupil_id,
                fields=list(fields),
                data=json.dumps(data) if data is not None else None,
                message=message,
            )
        )
        if len(self.lines) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if self.lines:
            ImportLine.objects.bulk_create(self.lines)
            self.lines = []
