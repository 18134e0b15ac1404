"""Reads of the supplier register. What a supplier receives is always asked for a day, and
what a pupil's data went to is dated per field: from the dated field sets, the day the school
started using the supplier, and the pupil's enrolment."""

import datetime
from dataclasses import dataclass, field

from django.contrib.postgres.fields import ArrayField
from django.db.models import CharField, Count, F, Func, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from pupils.models import Pupil
from schoolprivacy import personal_data
from schoolprivacy.fields import declared_field
from schoolprivacy.models import School

from . import catalogue
from .models import FieldSet, ProcessingActivity, Recipient, Supplier, SupplierUse


@dataclass(frozen=True)
class FieldPeriod:
    """A recipient received *code* from *since* to *until* (the last day; None: still does)."""

    code: str
    since: datetime.date
    until: datetime.date | None = None

    @property
    def label(self) -> str:
        return catalogue.label(self.code)

    def reaches(self, day: datetime.date | None) -> bool:
        """Whether the period runs on or after *day* (None: any day)."""
        return day is None or self.until is None or self.until >= day


@dataclass
class Receiver:
    """A supplier or legal recipient, and the pupil fields it receives."""

    name: str
    kind: str  # "supplier" or "recipient"
    fields: list[str]
    obj: Supplier | Recipient = field(repr=False)
    since: datetime.date | None = None
    leaflet_url: str = ""
    not_shared: str = ""
    legal_basis: str = ""
    withheld: list[str] = field(default_factory=list)  # not shared now: restricted
    periods: list[FieldPeriod] = field(default_factory=list)  # per field, from when to when

    @property
    def field_labels(self) -> list[str]:
        """The fields in the catalogue's order (name parts together), in the user's language."""
        return [catalogue.label(code) for code in catalogue.in_order(self.fields)]

    @property
    def withheld_labels(self) -> list[str]:
        return [catalogue.label(code) for code in catalogue.in_order(self.withheld)]

    @property
    def field_periods(self) -> list[FieldPeriod]:
        """The periods in the catalogue's order, the current ones first."""
        order = {
            code: i for i, code in enumerate(catalogue.in_order(p.code for p in self.periods))
        }
        return sorted(self.periods, key=lambda p: (p.until is not None, order[p.code], p.since))

    @property
    def contact_email(self) -> str:
        """The supplier's contact address, where the register holds one (for Art. 19 notices)."""
        return contact_email(getattr(self.obj, "contact", "") or "")


def contact_email(contact: str) -> str:
    """The first e-mail address in a free-text contact field, or ""."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    for word in contact.replace(",", " ").replace(";", " ").replace("<", " ").split():
        candidate = word.strip(">().")
        try:
            validate_email(candidate)
        except ValidationError:
            continue
        return candidate
    return ""


def field_sets_for(field_sets, school_id: int | None) -> list[FieldSet]:
    """The field sets that hold for one school (None: the board's own), newest first: the
    board's and the school's own; on a day with both, the school's own."""
    chosen: dict = {}
    for field_set in field_sets:
        if field_set.school_id not in (None, school_id):
            continue
        known = chosen.get(field_set.valid_from)
        if known is None or known.school_id is None:
            chosen[field_set.valid_from] = field_set
    return sorted(chosen.values(), key=lambda fs: fs.valid_from, reverse=True)


def current_field_set(supplier: Supplier, day=None, school: School | None = None):
    """The field set valid on *day* for *school* (None: the board's own), from the
    prefetched field sets."""
    day = day or timezone.localdate()
    sets = field_sets_for(supplier.field_sets.all(), school.pk if school else None)
    return next((fs for fs in sets if fs.valid_from <= day), None)


def _with_field_sets(suppliers: QuerySet[Supplier]) -> QuerySet[Supplier]:
    return suppliers.prefetch_related(
        Prefetch("field_sets", queryset=FieldSet.objects.order_by("-valid_from"))
    )


#: How many of a supplier's schools the register names; the rest it counts.
SCHOOLS_NAMED = 3


def board_suppliers(*, boards, school: School | None = None) -> QuerySet[Supplier]:
    """The suppliers of these boards by name, for maintenance: each with ``school_count``,
    the names of its first SCHOOLS_NAMED schools (``school_names``) and the field sets
    that hold for *school* (None: the board's own), so that a page of them reads a few
    rows each, however many schools the board has."""
    names = School.objects.filter(supplier_uses__supplier=OuterRef("pk")).order_by("name")
    sets = FieldSet.objects.filter(
        Q(school__isnull=True) | Q(school=school) if school else Q(school__isnull=True)
    ).order_by("-valid_from")
    return (
        Supplier.objects.filter(board__in=boards)
        .annotate(
            school_count=Count("uses", distinct=True),
            school_names=Func(
                Subquery(names.values("name")[:SCHOOLS_NAMED]),
                function="ARRAY",
                output_field=ArrayField(CharField()),
            ),
        )
        .prefetch_related(Prefetch("field_sets", queryset=sets))
        .order_by("name", "pk")
    )


ONE_DAY = datetime.timedelta(days=1)


def field_periods(
    field_sets, *, start: datetime.date, day: datetime.date, end: datetime.date | None = None
) -> list[FieldPeriod]:
    """Per field, the periods from *start* (to *end*, if given) in which the field sets valid
    by *day* named it.

    A field set runs from its date to the day before the next one; a field named by
    consecutive sets is one period; a period still running has no end.
    """
    sets = sorted((fs for fs in field_sets if fs.valid_from <= day), key=lambda fs: fs.valid_from)
    latest: dict[str, list] = {}
    found: list[list] = []
    for index, field_set in enumerate(sets):
        since = max(field_set.valid_from, start)
        until = sets[index + 1].valid_from - ONE_DAY if index + 1 < len(sets) else None
        if end is not None and (until is None or until > end):
            until = end
        if until is not None and until < since:
            continue
        for code in field_set.fields:
            period = latest.get(code)
            if period is not None and period[2] is not None and period[2] >= since - ONE_DAY:
                period[2] = until  # the next set names it too: the same period runs on
            else:
                latest[code] = period = [code, since, until]
                found.append(period)
    return [FieldPeriod(code, since, until) for code, since, until in found]


def school_receivers(*, school: School, day=None) -> list[Receiver]:
    """Everyone who receives pupil data of *school* on *day*: suppliers, then legal recipients;
    each supplier's fields dated from when it started receiving them at the school.
    """
    day = day or timezone.localdate()
    receivers = _receivers(school=school, day=day)
    for receiver in receivers:
        if receiver.kind == "supplier":
            receiver.periods = [p for p in receiver.periods if p.reaches(day)]
    return receivers


def _receivers(*, school: School, day, start=None, end=None) -> list[Receiver]:
    """The school's suppliers and legal recipients on *day*, with the periods in which each
    received each field: from *start* (None: since the school's use of the supplier) to
    *end* (None: still). Legal recipients are dated only from a *start*.
    """
    uses = (
        SupplierUse.objects.filter(school=school, since__lte=day)
        .select_related("supplier")
        .prefetch_related(
            Prefetch("supplier__field_sets", queryset=FieldSet.objects.order_by("-valid_from"))
        )
        .order_by("supplier__name")
    )
    receivers = []
    for use in uses:
        field_set = current_field_set(use.supplier, day, school)
        periods = field_periods(
            field_sets_for(use.supplier.field_sets.all(), school.pk),
            start=max(use.since, start) if start else use.since,
            day=day,
            end=end,
        )
        receivers.append(
            Receiver(
                name=use.supplier.name,
                kind="supplier",
                fields=[p.code for p in periods if p.until is None],
                since=use.since,
                leaflet_url=use.supplier.privacy_leaflet_url,
                not_shared=field_set.not_shared if field_set else "",
                obj=use.supplier,
                periods=periods,
            )
        )
    for recipient in Recipient.objects.filter(schools=school).order_by("name"):
        receivers.append(
            Receiver(
                name=recipient.name,
                kind="recipient",
                fields=list(recipient.fields) if end is None else [],
                since=start,
                legal_basis=recipient.legal_basis,
                obj=recipient,
                periods=[FieldPeriod(code, start, end) for code in recipient.fields]
                if start
                else [],
            )
        )
    return receivers


def pupil_schools(pupil: Pupil, day) -> list[tuple[School, datetime.date, datetime.date | None]]:
    """Each school of the board the pupil was at, from when until when (None: still), from
    the group placements; the current school from its first placement or the enrolment."""
    spans: dict[int, list] = {}
    for placement in pupil.placements.select_related("group__school").order_by("start_on"):
        school = placement.group.school
        span = spans.setdefault(school.pk, [school, placement.start_on, placement.end_on])
        span[1] = min(span[1], placement.start_on)
        if span[2] is not None:
            span[2] = None if placement.end_on is None else max(span[2], placement.end_on)
    current = spans.get(pupil.school_id)
    start = pupil.enrolled_on if current is None else max(current[1], pupil.enrolled_on)
    end = pupil.left_on if pupil.left_on and pupil.left_on < day else None
    spans[pupil.school_id] = [pupil.school, start, end]
    return [tuple(span) for span in spans.values()]


def pupil_history(*, pupil: Pupil, day=None) -> list[Receiver]:
    """Everyone who received the pupil's data, with each field dated: from when (the field
    set, the school's use of the supplier, the pupil's time at that school) and until when
    (a later field set, the pupil's leaving the school). A recipient that never received
    anything of the pupil is left out; *fields* are what it receives now.

    Not known here: a school's use of a supplier that has ended (a SupplierUse has no end),
    and from when a legal recipient was linked to a school (dated from the pupil's start).
    """
    day = day or timezone.localdate()
    merged: dict[tuple, Receiver] = {}
    for school, start, end in pupil_schools(pupil, day):
        for receiver in _receivers(school=school, day=day, start=start, end=end):
            if not receiver.periods:
                continue
            key = (receiver.kind, receiver.obj.pk)
            if key in merged:
                known = merged[key]
                known.periods += receiver.periods
                known.fields = sorted({*known.fields, *receiver.fields})
            else:
                merged[key] = receiver
    for receiver in merged.values():
        receiver.since = min(p.since for p in receiver.periods)
    return sorted(merged.values(), key=lambda r: (r.kind != "supplier", r.name))


def pupil_receivers(*, pupil: Pupil, day=None) -> list[Receiver]:
    """Who received the pupil's data (pupil_history), with what a restriction or objection
    holds back now.

    A field of a category under a restriction or objection is not shared while it
    holds (GDPR Art. 18 and 21): it moves from *fields* to *withheld*.
    """
    from pupils.selectors import restricted_categories

    held = catalogue.codes_for_categories(restricted_categories(pupil=pupil))
    receivers = pupil_history(pupil=pupil, day=day)
    for receiver in receivers:
        receiver.withheld = [code for code in receiver.fields if code in held]
        receiver.fields = [code for code in receiver.fields if code not in held]
    return receivers


def receivers_of(*, pupil: Pupil, fields, day=None) -> list[Receiver]:
    """GDPR Art. 19: the suppliers and recipients that received any of *fields* of *pupil*.

    *fields* maps each catalogue code to the first day that matters (the day an erased
    item came into being: a recipient that stopped receiving the field before it never
    got it), or None for any day; a set of codes means any day. The requests app calls
    this for a correction, erasure or restriction; each receiver comes with the affected
    fields it received (*fields*) and their periods.
    """
    wanted = fields if isinstance(fields, dict) else dict.fromkeys(fields)
    matches = []
    for receiver in pupil_history(pupil=pupil, day=day):
        periods = [p for p in receiver.periods if p.code in wanted and p.reaches(wanted[p.code])]
        if periods:
            receiver.periods = periods
            receiver.fields = catalogue.in_order({p.code for p in periods})
            matches.append(receiver)
    return matches


@dataclass
class RegisterLine:
    """One activity of the Art. 30 register, with what the system knows filled in."""

    activity: ProcessingActivity
    suppliers: list = field(default_factory=list)
    recipients: list = field(default_factory=list)
    outside_eu: list = field(default_factory=list)


def processing_register(*, boards) -> list[RegisterLine]:
    """The Art. 30 register: each activity with its recipients and transfers outside the EU."""
    suppliers = list(Supplier.objects.filter(board__in=boards).order_by("name"))
    recipients = list(Recipient.objects.filter(board__in=boards).order_by("name"))
    lines = []
    for activity in ProcessingActivity.objects.filter(board__in=boards).order_by("order", "name"):
        involved = [
            s
            for s in suppliers
            if s.board_id == activity.board_id and s.category in activity.supplier_categories
        ]
        lines.append(
            RegisterLine(
                activity=activity,
                suppliers=involved,
                recipients=[r for r in recipients if r.board_id == activity.board_id]
                if activity.includes_legal_recipients
                else [],
                outside_eu=[
                    s for s in involved if s.storage_location == Supplier.Location.OUTSIDE_EU
                ],
            )
        )
    return lines


def current_documents(*, school: School, day=None) -> list:
    """The document of each kind that applies to *school* on *day*: the newest valid one of
    the board's and the school's own; on a day with both, the school's own."""
    from .models import PrivacyDocument

    day = day or timezone.localdate()
    current: dict[str, PrivacyDocument] = {}
    for document in PrivacyDocument.objects.filter(
        Q(school__isnull=True) | Q(school=school), board_id=school.board_id, valid_from__lte=day
    ).order_by("kind", "-valid_from", F("school").asc(nulls_last=True)):
        current.setdefault(document.kind, document)
    return list(current.values())


@dataclass(frozen=True)
class HeldData:
    """What the system holds about one kind of data subject, for the Art. 30 register."""

    subject: str
    data: list[str]
    sensitive: list[str]


def held_data() -> list[HeldData]:
    """What this system holds, per data subject, as the registry of personal data declares
    it (schoolprivacy/personal_data.py): the kinds of records, and which of their fields
    are special categories, the BSN or secrets (all encrypted or kept as digests)."""
    held = []
    for subject in personal_data.Subject:
        holdings = personal_data.holdings(subject=subject)
        data = dict.fromkeys(str(h.model._meta.verbose_name_plural) for h in holdings)
        sensitive = dict.fromkeys(
            f"{h.model._meta.verbose_name}: {declared_field(h.model, name).verbose_name} "
            f"({kind.label})"
            for h in holdings
            for name, kind in h.fields.items()
            if kind in (personal_data.Kind.SPECIAL, personal_data.Kind.BSN)
        )
        held.append(HeldData(str(subject.label), list(data), list(sensitive)))
    return held
