"""Writes of the sync with the pupil administration: read an export into a preview, confirm
it, and apply it (a worker does, in batches) through the services of the apps that own
the data, so that every change is checked and audited as any other."""

from __future__ import annotations

import base64
import io
import json
import logging
import zlib
from datetime import date, timedelta

from auditlog.context import set_actor
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import remove_perm

from pupils import services as pupil_services
from pupils.models import Group, GroupPlacement, GroupUserObjectPermission, Guardianship, Pupil
from schoolprivacy.authorization import forget_grants
from schoolprivacy.models import Membership, Role, School, User
from schoolprivacy.tasks import enqueue_on_commit

from . import edexml, notices, parents, selectors, year
from .models import ColumnMapping, ImportLine, ImportRun
from .permissions import may_import
from .planning import Planner, group_name

logger = logging.getLogger(__name__)
Kind = ImportLine.Kind
Subject = ImportLine.Subject

#: The largest export taken: a board of 60,000 pupils writes about 60 MB.
MAX_BYTES = getattr(settings, "IMPORT_MAX_BYTES", 150 * 1024 * 1024)
#: Lines applied in one transaction.
APPLY_BATCH = 200


def edexml_preview(
    *,
    school: School,
    stream,
    size: int,
    acting_user: User,
    export_date: date | None = None,
) -> ImportRun:
    """Read an EDEXML export of *school* into a run with its lines: what it would change.

    A file that cannot be used at all (too large, not XML, unsafe XML, another school's)
    is refused whole: the run says why, and holds no lines. Nothing of the school's data
    changes here.
    """
    if not may_import(acting_user, school):
        raise PermissionDenied
    run = ImportRun.objects.create(
        school=school,
        uploaded_by=acting_user,
        export_date=export_date or timezone.localdate(),
    )
    if size > MAX_BYTES:
        return _refuse(
            run,
            _("The file is larger than %(limit)s MB: it is not read.")
            % {"limit": MAX_BYTES // (1024 * 1024)},
        )
    planner = Planner(run=run, school=school)
    try:
        edexml.read(
            stream,
            on_school=planner.on_school,
            on_group=planner.on_group,
            on_pupil=planner.on_pupil,
            on_teacher=planner.on_teacher,
        )
        planner.finish()
    except edexml.Unreadable as error:
        run.lines.all().delete()
        return _refuse(run, str(error))
    _lines_counted(run)
    run.save(update_fields=["counts", "current_pupils", "school_year"])
    _statistics_refresh(run)
    return run


def parents_upload(*, school: School, stream, size: int, acting_user: User) -> ImportRun:
    """Take in a parents export (CSV). With the school's column mapping covering its columns
    the preview is made at once; otherwise the file waits, encrypted, for the mapping."""
    if not may_import(acting_user, school):
        raise PermissionDenied
    run = ImportRun.objects.create(
        school=school,
        uploaded_by=acting_user,
        source=ImportRun.Source.PARENTS,
        export_date=timezone.localdate(),
        status=ImportRun.Status.MAPPING,
    )
    if size > MAX_BYTES:
        return _refuse(
            run,
            _("The file is larger than %(limit)s MB: it is not read.")
            % {"limit": MAX_BYTES // (1024 * 1024)},
        )
    content = stream.read()
    try:
        header, _dialect, _encoding = parents.header_of(io.BytesIO(content))
    except parents.Unreadable as error:
        return _refuse(run, str(error))
    saved = ColumnMapping.objects.filter(school=school).first()
    mapping = saved.columns if saved is not None else {}
    if saved is not None and not parents.missing(mapping, header):
        return _parents_preview(run, content, mapping)
    run.pending_file = _packed(content)
    del content  # a board's export is megabytes: not held twice while it is stored
    run.save(update_fields=["pending_file"])
    return run


def pending_header(run: ImportRun) -> list[str]:
    """The columns of a parents export waiting for its mapping."""
    content = _unpacked(run.pending_file or "")
    return parents.header_of(io.BytesIO(content))[0]


@transaction.atomic
def column_mapping_save(*, run: ImportRun, mapping: dict, acting_user: User) -> ImportRun:
    """Save which column holds what for the school (kept for every later import) and read
    the waiting export with it."""
    run = ImportRun.objects.select_for_update().select_related("school").get(pk=run.pk)
    if not may_import(acting_user, run.school):
        raise PermissionDenied
    if run.status != ImportRun.Status.MAPPING or not run.pending_file:
        raise ValidationError(_("This import is not waiting for its columns."))
    content = _unpacked(run.pending_file)
    header = parents.header_of(io.BytesIO(content))[0]
    mapping = {name: column for name, column in mapping.items() if column in header}
    absent = parents.missing(mapping, header)
    if absent:
        raise ValidationError({name: _("Choose the column that holds this.") for name in absent})
    with set_actor(acting_user):
        ColumnMapping.objects.update_or_create(school=run.school, defaults={"columns": mapping})
    return _parents_preview(run, content, mapping)


def _packed(content: bytes) -> str:
    """A waiting export as it is stored (encrypted, in a text field): compressed, since a
    CSV shrinks to a fraction, then base64."""
    return "z:" + base64.b64encode(zlib.compress(content, 6)).decode("ascii")


def _unpacked(stored: str) -> bytes:
    if stored.startswith("z:"):
        return zlib.decompress(base64.b64decode(stored[2:]))
    return base64.b64decode(stored)  # stored before exports were compressed


def _parents_preview(run: ImportRun, content: bytes, mapping: dict) -> ImportRun:
    _header, dialect, encoding = parents.header_of(io.BytesIO(content))
    planner = parents.ParentsPlanner(run, run.school, mapping)
    for line, row in parents.rows(io.BytesIO(content), dialect, encoding):
        planner.on_row(line, row)
    planner.finish()
    run.status = ImportRun.Status.PREVIEW
    run.pending_file = None
    _lines_counted(run)
    run.save(update_fields=["counts", "status", "pending_file"])
    _statistics_refresh(run)
    return run


def _lines_counted(run: ImportRun) -> None:
    """Keep in the run's counts how many lines of each kind the preview wrote: its pages
    then say how many pages there are without counting a board's lines each time."""
    run.counts["lines"] = dict(
        run.lines.order_by().values_list("kind").annotate(number=Count("pk"))
    )


#: A preview of more lines than this has PostgreSQL's statistics of the lines refreshed.
ANALYZE_AFTER = 5000


def _statistics_refresh(run: ImportRun) -> None:
    """Tell PostgreSQL about the lines a large preview just wrote (ANALYZE, a sample).

    The administrator opens the preview at once; until autovacuum gets to it, the planner
    takes the table for as small as before and sorts all of a board's 65,000 lines for
    each page instead of reading the page's index (bench/FINDINGS.md)."""
    written = sum(run.counts.get(k, 0) for k in ("new", "changed", "moved", "leaving", "errors"))
    if written > ANALYZE_AFTER:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {ImportLine._meta.db_table}")


@transaction.atomic
def year_preview(
    *, school: School, targets: dict[int, str], leave_on: date, acting_user: User
) -> ImportRun:
    """Plan a new school year made here: *targets* says, per group of this year (by id), the
    name of its group in the new year or year.LEAVE. Nothing changes until it is confirmed."""
    if not may_import(acting_user, school):
        raise PermissionDenied
    current, moves = selectors.year_proposal(school)
    if current is None:
        raise ValidationError(_("The school has no groups with pupils yet."))
    today = timezone.localdate()
    if leave_on > today or leave_on < date(current, 8, 1):
        raise ValidationError(
            {
                "leave_on": _(
                    "The leave date lies in the school year %(year)s–%(next)s, and not after "
                    "today."
                )
                % {"year": current, "next": current + 1}
            }
        )
    names = {move.group.name for move in moves}
    for move in moves:
        target = targets.get(move.group.pk, move.target)
        if target != year.LEAVE and target not in names:
            raise ValidationError(_("Choose a group of the new year, or leaving the school."))
        move.target = target
    run = ImportRun.objects.create(
        school=school,
        uploaded_by=acting_user,
        source=ImportRun.Source.YEAR,
        export_date=today,
        school_year=current + 1,
        status=ImportRun.Status.PREVIEW,
        current_pupils=Pupil.objects.filter(
            school=school, left_on__isnull=True, anonymised_at__isnull=True
        ).count(),
    )
    year.plan(run, moves, leave_on)
    _lines_counted(run)
    run.save(update_fields=["counts"])
    return run


#: A preview nobody confirms is removed after this many days: its lines hold pupils' data.
STALE_DAYS = 14


def stale_imports_sweep(*, now=None) -> int:
    """Remove what was read for imports nobody confirmed (or whose columns nobody set) within
    STALE_DAYS: their lines and any waiting file. Idempotent; returns how many runs."""
    cutoff = (now or timezone.now()) - timedelta(days=STALE_DAYS)
    stale = ImportRun.objects.filter(
        status__in=(ImportRun.Status.PREVIEW, ImportRun.Status.MAPPING), uploaded_at__lt=cutoff
    )
    swept = 0
    for run_id in list(stale.values_list("pk", flat=True)):
        with transaction.atomic():
            run = stale.select_for_update(skip_locked=True).filter(pk=run_id).first()
            if run is None:
                continue  # confirmed meanwhile, or another sweep has it
            run.lines.all().delete()
            run.status = ImportRun.Status.EXPIRED
            run.pending_file = None
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "pending_file", "finished_at"])
            swept += 1
    return swept


def _refuse(run: ImportRun, reason: str) -> ImportRun:
    run.status = ImportRun.Status.REFUSED
    run.refused_reason = reason
    run.finished_at = timezone.now()
    run.pending_file = None
    run.save(update_fields=["status", "refused_reason", "finished_at", "pending_file"])
    return run


@transaction.atomic
def import_confirm(
    *,
    run: ImportRun,
    acting_user: User,
    leavers_confirmed: bool = False,
    errors_confirmed: bool = False,
) -> ImportRun:
    """Confirm the preview: a worker applies it. Many leavers at once, or lines with errors,
    need their own explicit confirmation; without it nothing happens."""
    run = ImportRun.objects.select_for_update().select_related("school").get(pk=run.pk)
    if not may_import(acting_user, run.school):
        raise PermissionDenied
    if run.status != ImportRun.Status.PREVIEW:
        raise ValidationError(_("This import has already been confirmed or refused."))
    errors = {}
    if run.leavers_guarded and not leavers_confirmed:
        errors["leavers_confirmed"] = _(
            "%(count)s of the school's %(total)s pupils would leave at once. Check the export; "
            "if it is right, confirm the leavers explicitly."
        ) % {"count": run.counts.get("leaving", 0), "total": run.current_pupils}
    if run.counts.get("errors", 0) and not errors_confirmed:
        errors["errors_confirmed"] = _(
            "Some lines cannot be used. Correct them in the administration and import again, "
            "or confirm that the valid lines are applied without them."
        )
    if errors:
        raise ValidationError(errors)
    run.leavers_confirmed = leavers_confirmed
    run.errors_confirmed = errors_confirmed
    run.status = ImportRun.Status.QUEUED
    run.save(update_fields=["leavers_confirmed", "errors_confirmed", "status"])
    from .tasks import apply_import

    enqueue_on_commit(apply_import, run.pk)
    return run


def import_apply(*, run_id: int) -> ImportRun:
    """Apply a confirmed run, in batches of APPLY_BATCH lines, each in a transaction of its
    own: groups first, then pupils (new, changed, moved, leaving), then teachers. A run
    that was stopped halfway (a worker killed) continues where it was: applied lines stay
    applied. Once done, the values the lines held are removed."""
    with transaction.atomic():
        run = (
            ImportRun.objects.select_for_update()
            .select_related("school", "uploaded_by")
            .get(pk=run_id)
        )
        if run.status not in (ImportRun.Status.QUEUED, ImportRun.Status.RUNNING):
            return run
        run.status = ImportRun.Status.RUNNING
        run.started_at = run.started_at or timezone.now()
        run.save(update_fields=["status", "started_at"])
    applier = _Applier(run)
    try:
        for subject, kinds in (
            (Subject.GROUP, (Kind.NEW, Kind.CHANGED)),
            (Subject.PUPIL, (Kind.NEW, Kind.CHANGED, Kind.MOVED, Kind.LEAVING)),
            (Subject.TEACHER, (Kind.NEW, Kind.CHANGED)),
            (Subject.PARENT, (Kind.NEW, Kind.CHANGED)),
        ):
            for kind in kinds:
                applier.apply(subject, kind)
    except Exception as error:
        logger.exception("Import %s stopped", run.pk)
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.FAILED,
            failure=type(error).__name__,
            finished_at=timezone.now(),
        )
        raise
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        run.status = ImportRun.Status.DONE
        run.finished_at = timezone.now()
        run.counts = {
            **run.counts,
            "failed": run.lines.exclude(kind=Kind.ERROR).exclude(message="").count(),
        }
        run.save(update_fields=["status", "finished_at", "counts"])
        for line in run.lines.exclude(data__isnull=True).only("pk", "uid", "data"):
            line.data = None
            line.save(update_fields=["data"])
    return run


class _Applier:
    """Applies the lines of one run through the apps' services, as its uploader."""

    def __init__(self, run: ImportRun):
        self.run = run
        self.user = run.uploaded_by
        self.school = run.school
        self.failed = 0
        self.groups: dict[str, Group] = {}
        if run.school_year is not None:  # an export's run (a parents run has no groups)
            self.groups = {
                g.external_key: g
                for g in Group.objects.filter(
                    school=self.school, school_year=run.school_year, external_key__isnull=False
                )
                if g.external_key
            }

    @property
    def school_year(self) -> int:
        """The school year of the export; a parents run has none, nor groups or teachers."""
        if self.run.school_year is None:
            raise ValueError(f"import run {self.run.pk} names no school year")
        return self.run.school_year

    def apply(self, subject: str, kind: str) -> None:
        todo = self.run.lines.filter(subject=subject, kind=kind, applied=False).order_by("pk")
        while True:
            with transaction.atomic():
                batch = list(todo.select_for_update(skip_locked=True)[:APPLY_BATCH])
                if not batch:
                    return
                done = len(batch)
                if (subject, kind) == (Subject.PUPIL, Kind.NEW) and self._pupils_new(batch):
                    batch = []  # enrolled together
                if (subject, kind) == (Subject.PARENT, Kind.NEW) and self._parents_new(batch):
                    batch = []  # linked together
                if (subject, kind) == (Subject.TEACHER, Kind.NEW) and self._teachers_new(batch):
                    batch = []  # taken on together
                for line in batch:
                    try:
                        with transaction.atomic():
                            getattr(self, f"_{subject}_{kind}")(
                                line, json.loads(line.data or "null")
                            )
                    except ValidationError as error:
                        # The line could not be written after all (the school changed it in
                        # the meantime): it is reported, the rest goes on.
                        line.message = " ".join(error.messages)[:300]
                        self.failed += 1
                    line.applied = True
                    line.data = None
                    line.save(update_fields=["applied", "data", "message"])
                ImportRun.objects.filter(pk=self.run.pk).update(progress=F("progress") + done)

    # --- Groups ------------------------------------------------------------------------------

    def _group_new(self, line, data) -> None:
        if data.get("by_name"):  # a new school year made here (sync/year.py)
            with set_actor(self.user):
                group, _created = Group.objects.get_or_create(
                    school=self.school,
                    school_year=self.run.school_year,
                    name=data["name"],
                    defaults={"year_group": data["year_group"]},
                )
            self.groups[line.key] = group
            return
        if data.get("match"):  # a group made here gets the administration's key
            group = Group.objects.select_for_update().get(pk=data["match"], school=self.school)
            group.external_key = line.key
            group.year_group = data["year_group"]
            with set_actor(self.user):
                group.save(update_fields=["external_key", "year_group"])
            self.groups[line.key] = group
            return
        with set_actor(self.user):
            group, _created = Group.objects.update_or_create(
                school=self.school,
                school_year=self.run.school_year,
                external_key=line.key,
                defaults={
                    "name": _unique_name(self, data["name"], line.key),
                    "year_group": data["year_group"],
                },
            )
        self.groups[line.key] = group

    def _group_changed(self, line, data) -> None:
        self._group_new(line, data)

    # --- Pupils ------------------------------------------------------------------------------

    def _values(self, data) -> dict:
        values = {
            "first_name": data["first_name"],
            "name_prefix": data["name_prefix"],
            "last_name": data["last_name"],
            "date_of_birth": date.fromisoformat(data["date_of_birth"]),
            "gender": data["gender"],
            "eckid": data["eckid"],
        }
        if data.get("bsn"):
            values["bsn"] = data["bsn"]
        return values

    def _pupils_new(self, lines) -> bool:
        """Enrol a batch of new pupils at once (pupils_enrol); False, with nothing written, when
        one of them is refused: then each line is enrolled, or reported, on its own."""
        rows = []
        for line in lines:
            data = json.loads(line.data or "null")
            rows.append(
                {
                    "group": self.groups.get(data.get("group_key")),
                    "external_key": line.key,
                    "enrolled_on": self.run.export_date,
                    **self._values(data),
                }
            )
        try:
            with transaction.atomic():
                pupils = pupil_services.pupils_enrol(
                    school=self.school, acting_user=self.user, pupils=rows
                )
        except ValidationError:
            return False
        # Each line gets its pupil from the rows just written, by key: asking the database
        # per line (a subquery) let the planner, whose statistics still saw an empty school,
        # scan all the school's pupils for each line of a board's export (bench/FINDINGS.md).
        enrolled = {pupil.external_key: pupil.pk for pupil in pupils}
        for line in lines:
            line.pupil_id, line.applied, line.data = enrolled.get(line.key), True, None
        ImportLine.objects.bulk_update(lines, ["pupil", "applied", "data"])
        return len(pupils) == len(lines)

    def _parents_new(self, lines) -> bool:
        """Link a batch of new parents at once (parents_link_many); False, with nothing
        written, when one link is refused: then each line is linked, or reported, alone."""
        links, contacts = [], {}
        for line in lines:
            data = json.loads(line.data or "null")
            links.append(
                {
                    "pupil_id": line.pupil_id,
                    "email": data["email"],
                    "full_name": data["full_name"],
                    "relation": data["relation"],
                    "has_parental_authority": data["has_parental_authority"],
                }
            )
            if data.get("contact"):
                contacts[data["email"]] = data["contact"]
        try:
            with transaction.atomic():
                pupil_services.parents_link_many(
                    school=self.school, acting_user=self.user, links=links
                )
                if contacts:
                    pupil_services.parent_contacts_set(
                        school=self.school, acting_user=self.user, contacts=contacts
                    )
        except (ValidationError, PermissionDenied):
            return False
        ImportLine.objects.filter(pk__in=[line.pk for line in lines]).update(
            applied=True, data=None
        )
        return True

    def _teachers_new(self, lines) -> bool:
        """Take on a batch of new teachers at once (teachers_take_on); False, with nothing
        written, when that is refused: then each line is applied, or reported, alone."""
        teachers = []
        for line in lines:
            data = json.loads(line.data or "null")
            teachers.append(
                {
                    "email": data["email"],
                    "full_name": data["full_name"],
                    "groups": [self.groups[k] for k in data["groups"] if k in self.groups],
                }
            )
        try:
            with transaction.atomic():
                accounts = pupil_services.teachers_take_on(
                    school=self.school, acting_user=self.user, teachers=teachers
                )
                # Groups of earlier school years are no longer taught (as _teacher_changed).
                with set_actor(self.user):
                    for permission in GroupUserObjectPermission.objects.filter(
                        user__in=accounts,
                        content_object__school=self.school,
                        content_object__school_year__lt=self.run.school_year,
                    ):
                        permission.delete()
        except (ValidationError, PermissionDenied):
            return False
        ImportLine.objects.filter(pk__in=[line.pk for line in lines]).update(
            applied=True, data=None
        )
        return True

    def _pupil_new(self, line, data) -> None:
        pupil = pupil_services.pupil_create(
            school=self.school,
            acting_user=self.user,
            group=self.groups.get(data.get("group_key")),
            external_key=line.key,
            enrolled_on=self.run.export_date,
            **self._values(data),
        )
        line.pupil = pupil
        line.save(update_fields=["pupil"])

    def _pupil_changed(self, line, data) -> None:
        pupil = Pupil.objects.get(pk=line.pupil_id)
        values = self._values(data)
        values["external_key"] = line.key
        if "left_on" in line.fields:
            values["left_on"] = None
        pupil = pupil_services.pupil_update(pupil=pupil, acting_user=self.user, **values)
        # Art. 19: the receivers of a corrected name, date of birth or gender are told.
        notices.notices_create(
            run=self.run, pupil=pupil, fields=line.fields, before=data.get("before") or {}
        )

    def _pupil_moved(self, line, data) -> None:
        group = self.groups.get(data.get("group_key"))
        pupil = Pupil.objects.get(pk=line.pupil_id)
        if group is None:
            return  # no group in the export: the pupil keeps the current one
        current = GroupPlacement.objects.filter(pupil=pupil, end_on__isnull=True).first()
        on = self.run.export_date
        if current is not None and on <= current.start_on:
            on = current.start_on + timedelta(days=1)
        pupil_services.pupil_change_group(pupil=pupil, group=group, on=on, acting_user=self.user)

    def _pupil_leaving(self, line, data) -> None:
        pupil = Pupil.objects.get(pk=line.pupil_id)
        left_on = max(date.fromisoformat(data["left_on"]), pupil.enrolled_on)
        pupil_services.pupil_update(pupil=pupil, acting_user=self.user, left_on=left_on)

    # --- Teachers ----------------------------------------------------------------------------

    def _teacher_new(self, line, data) -> None:
        with set_actor(self.user):
            user = User.objects.filter(email__iexact=data["email"]).first()
            if user is None:
                user = User(email=data["email"], full_name=data["full_name"])
                user.set_unusable_password()
                user.save()
            Membership.objects.get_or_create(user=user, school=self.school, role=Role.TEACHER)
        self._teacher_changed(line, data, user=user)

    def _parent_new(self, line, data) -> None:
        _parent_line(self, line, data, new=True)

    def _parent_changed(self, line, data) -> None:
        _parent_line(self, line, data, new=False)

    def _teacher_changed(self, line, data, user=None) -> None:
        user = user or User.objects.get(email__iexact=data["email"])
        forget_grants(user)
        wanted = {self.groups[k].pk for k in data["groups"] if k in self.groups}
        taught = set(
            GroupUserObjectPermission.objects.filter(
                user=user,
                permission__codename="teach_group",
                content_object__school=self.school,
                content_object__school_year=self.school_year,
                content_object__external_key__isnull=False,
            ).values_list("content_object_id", flat=True)
        )
        for group in Group.objects.filter(pk__in=wanted - taught):
            pupil_services.group_assign_teacher(group=group, teacher=user, acting_user=self.user)
        for group in Group.objects.filter(pk__in=taught - wanted):
            remove_perm("pupils.teach_group", user, group)
        # The groups of earlier school years are no longer taught.
        with set_actor(self.user):
            for permission in GroupUserObjectPermission.objects.filter(
                user=user,
                content_object__school=self.school,
                content_object__school_year__lt=self.run.school_year,
            ):
                permission.delete()


def _parent_line(applier, line, data, *, new: bool) -> None:
    pupil = Pupil.objects.get(pk=line.pupil_id)
    if new:
        pupil_services.parent_link(
            pupil=pupil,
            email=data["email"],
            full_name=data["full_name"],
            relation=data["relation"],
            has_parental_authority=data["has_parental_authority"],
            has_information_right=False,
            acting_user=applier.user,
        )
    elif {"relation", "has_parental_authority"} & set(line.fields):
        guardianship = Guardianship.objects.get(pupil=pupil, parent__email__iexact=data["email"])
        pupil_services.guardianship_update(
            guardianship=guardianship,
            has_parental_authority=data["has_parental_authority"],
            has_information_right=guardianship.has_information_right,
            relation=data["relation"],
            acting_user=applier.user,
        )
    if data.get("contact"):
        pupil_services.parent_contacts_set(
            school=applier.school,
            acting_user=applier.user,
            contacts={data["email"]: data["contact"]},
        )


def _unique_name(applier: _Applier, name: str, key: str) -> str:
    """The group's name, made unique within the school year (two groups may share a name in
    the administration, never here)."""
    taken = Group.objects.filter(
        school=applier.school, school_year=applier.school_year, name=name
    ).exclude(external_key=key)
    return group_name(name, key, taken=taken.exists())
