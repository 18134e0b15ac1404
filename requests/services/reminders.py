"""Deadlines: the sweep that reminds the handlers, escalates to the privacy officer,
and warns while an extension can still be decided.
"""

import datetime
import functools
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from schoolprivacy.models import BoardMembership, BoardRole, Membership, Role, User
from schoolprivacy.services import notice_queue_many

from ..models import UNDECIDED_STATUSES, DataRequest, Reminder
from ..permissions import handler_roles_of
from ._common import Kind, Status, _staff_path

#: The sweep looks this many days ahead (the earliest message: the extension warning).
EXTENSION_WARNING_DAYS = 10
#: An answered request whose recipients are still not all told is reminded after this long.
NOTICES_DAYS = 14
SWEEP_BATCH = 200


@dataclass
class SweepReport:
    requests: int = 0
    reminders: int = 0
    superseded: int = 0
    notices: int = 0
    batches: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


def _due_reminders(
    data_request: DataRequest, today: datetime.date
) -> list[tuple[str, datetime.date]]:
    """The (kind, due date) messages this request has reached today, least urgent first.

    An answered request still informing its recipients is past its deadline: only a
    reminder that the recipients are still to be told, once, NOTICES_DAYS on.
    """
    if data_request.status == Status.NOTIFYING:
        answered = (
            timezone.localdate(data_request.answered_at) if data_request.answered_at else today
        )
        if (today - answered).days >= NOTICES_DAYS:
            return [(Reminder.Kind.NOTICES_OPEN, data_request.due_on)]
        return []
    days_left = (data_request.due_on - today).days
    reached: list[tuple[str, datetime.date]] = []
    until_first = (data_request.first_due_on - today).days
    if data_request.extended_at is None and 0 <= until_first <= EXTENSION_WARNING_DAYS:
        reached.append((Reminder.Kind.EXTENSION, data_request.first_due_on))
    if days_left <= 7:
        reached.append((Reminder.Kind.DUE_IN_7, data_request.due_on))
    if days_left <= 2:
        reached.append((Reminder.Kind.DUE_IN_2, data_request.due_on))
    if days_left < 0:
        reached.append((Reminder.Kind.OVERDUE, data_request.due_on))
    return reached


def deadline_sweep(*, today: datetime.date | None = None, batch_size: int = SWEEP_BATCH):
    """Remind handlers 7 and 2 days before a request's due date, escalate to the privacy
    officer when it passes, and warn while an extension can still be decided.

    Reads only open requests near their due date (a partial index) that have a message
    still to send, in batches locked with SKIP LOCKED. Each message is a Reminder row,
    unique per kind and due date, written with its notices in one transaction: a run
    that is killed leaves nothing half-sent, a second run sends nothing (and reads
    nothing), and a run after an outage sends what is missing (where a later threshold
    is reached, the earlier one is skipped).
    """
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=EXTENSION_WARNING_DAYS)
    answered_before = timezone.make_aware(
        datetime.datetime.combine(
            today - datetime.timedelta(days=NOTICES_DAYS - 1), datetime.time()
        )
    )
    due = (Q(status__in=UNDECIDED_STATUSES, due_on__lte=horizon) & _not_reminded(today)) | (
        Q(status=Status.NOTIFYING, answered_at__lt=answered_before)
        & ~_reminded(Reminder.Kind.NOTICES_OPEN)
    )
    report = SweepReport()
    # The ids first, in one read of the index; then each batch by its ids, the condition
    # checked again under the lock. (Reading "the next 200 due after the last id" instead
    # made every batch find and sort all due requests again.)
    candidates = list(DataRequest.objects.filter(due).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(candidates), batch_size):
        with transaction.atomic():
            batch = list(
                DataRequest.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(due, pk__in=candidates[start : start + batch_size])
                .select_related("school", "pupil", "handler")
                .order_by("pk")
            )
            if not batch:
                continue
            report.batches += 1
            report.requests += len(batch)
            _remind(batch, today, report)
    return report


def _reminded(kind: str, due_field: str = "due_on") -> Exists:
    return Exists(
        Reminder.objects.filter(request=OuterRef("pk"), kind=kind, due_on=OuterRef(due_field))
    )


def _not_reminded(today: datetime.date) -> Q:
    """Undecided requests whose most urgent message reached today has no Reminder row yet.

    _remind writes a row for every message reached (the less urgent ones skipped), so a
    request whose most urgent one is there has nothing to send: the sweep does not lock
    or read it again, every few minutes, until it reaches the next threshold.
    """
    day = datetime.timedelta(days=1)
    overdue = Q(due_on__lt=today) & ~_reminded(Reminder.Kind.OVERDUE)
    in_2 = Q(due_on__gte=today, due_on__lte=today + 2 * day) & ~_reminded(Reminder.Kind.DUE_IN_2)
    in_7 = Q(due_on__gt=today + 2 * day, due_on__lte=today + 7 * day) & ~_reminded(
        Reminder.Kind.DUE_IN_7
    )
    extension = Q(
        extended_at__isnull=True,
        first_due_on__gte=today,
        first_due_on__lte=today + EXTENSION_WARNING_DAYS * day,
    ) & ~_reminded(Reminder.Kind.EXTENSION, "first_due_on")
    return overdue | in_2 | in_7 | extension


def _remind(batch: list[DataRequest], today: datetime.date, report: SweepReport) -> None:
    sent_before = set(
        Reminder.objects.filter(request__in=batch).values_list("request_id", "kind", "due_on")
    )
    plans: list[tuple[DataRequest, str, datetime.date]] = []
    rows: list[Reminder] = []
    for data_request in batch:
        missing = [
            (kind, due)
            for kind, due in _due_reminders(data_request, today)
            if (data_request.pk, kind, due) not in sent_before
        ]
        if not missing:
            continue
        deadline_kinds = [m for m in missing if m[0] != Reminder.Kind.EXTENSION]
        send = [m for m in missing if m[0] == Reminder.Kind.EXTENSION] + deadline_kinds[-1:]
        for kind, due in missing:
            superseded = (kind, due) not in send
            rows.append(
                Reminder(request=data_request, kind=kind, due_on=due, superseded=superseded)
            )
            if superseded:
                report.superseded += 1
            else:
                plans.append((data_request, kind, due))
    if not rows:
        return
    people = _people_to_remind(batch)
    messages = []
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for data_request, kind, due in plans:
        recipients = list(people["handlers"].get(data_request.pk, []))
        if kind == Reminder.Kind.OVERDUE:
            recipients += [
                p for p in people["officers"].get(data_request.board_id, []) if p not in recipients
            ]
        path = _staff_path(data_request)
        for person in recipients:
            with translation.override(person.language):
                subject, _text = _reminder_text(data_request, kind, due, today)
            text = functools.partial(_reminder_words, data_request, kind, due, today)
            messages.append((person, subject, text, path, data_request.pupil_id))
            counts[(data_request.pk, kind)] += 1
        report.by_kind[kind] = report.by_kind.get(kind, 0) + 1
    for row in rows:
        row.recipients = counts.get((row.request_id, row.kind), 0) if not row.superseded else 0
    Reminder.objects.bulk_create(rows)
    report.reminders += len(plans)
    report.notices += notice_queue_many(messages)


def _people_to_remind(batch: list[DataRequest]) -> dict:
    """Per request who is told: its handler while still one of the pupil's school, else the
    people routed there, else the board's privacy officers; and per board its privacy
    officers (for an escalation). Three queries for a batch.
    """
    school_ids = {r.pupil.school_id for r in batch}
    routing = handler_roles_of(school_ids)
    routed: dict[int, list[User]] = defaultdict(list)
    may_handle: dict[int, set[int]] = defaultdict(set)
    for membership in (
        Membership.objects.filter(
            school_id__in=school_ids,
            role__in=[Role.DIRECTOR, Role.TEAM_LEADER],
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user_id")
    ):
        school_id, user = membership.school_id, membership.user
        if membership.role == Role.DIRECTOR or membership.role in routing[school_id]:
            may_handle[school_id].add(user.pk)
        if membership.role in routing[school_id] and user not in routed[school_id]:
            routed[school_id].append(user)
    officers: dict[int, list[User]] = defaultdict(list)
    for board_membership in BoardMembership.objects.filter(
        board_id__in={r.board_id for r in batch},
        role=BoardRole.PRIVACY_OFFICER,
        user__is_active=True,
    ).select_related("user"):
        officers[board_membership.board_id].append(board_membership.user)
    handlers: dict[int, list[User]] = {}
    for r in batch:
        school_id = r.pupil.school_id
        handler = r.handler if r.handler_id else None
        if handler is not None and handler.is_active and handler.pk in may_handle[school_id]:
            handlers[r.pk] = [handler]
        else:
            handlers[r.pk] = routed[school_id] or officers[r.board_id]
    return {"handlers": handlers, "officers": officers}


def _reminder_words(data_request: DataRequest, kind: str, due: datetime.date, today) -> str:
    """The message of a reminder in the active language (the notice reads in the page's)."""
    return _reminder_text(data_request, kind, due, today)[1]


def _reminder_text(
    data_request: DataRequest, kind: str, due: datetime.date, today
) -> tuple[str, str]:
    """Subject and message of a reminder, in the active language; no personal data in it."""
    days = (due - today).days
    values = {
        "reference": data_request.reference,
        "kind": Kind(data_request.kind).label,  # get_kind_display, without its per-call hashing
        "school": data_request.school.name,
        "due": formats.date_format(due),
        "days": days,
    }
    if kind == Reminder.Kind.EXTENSION:
        return (
            _("Decide now whether a request needs more time"),
            _(
                "Request %(reference)s (%(kind)s, %(school)s) must be answered by %(due)s. If you "
                "need more time, decide on an extension, with reasons, on or before that day: "
                "after it, that is no longer possible."
            )
            % values,
        )
    if kind == Reminder.Kind.NOTICES_OPEN:
        return (
            _("Recipients of a correction or deletion are still to be told"),
            _(
                "Request %(reference)s (%(kind)s, %(school)s) was answered, but not every "
                "organisation that receives the data has been told yet (GDPR Art. 19). Tell "
                "them, or record why not."
            )
            % values,
        )
    if kind == Reminder.Kind.OVERDUE:
        return (
            _("A request has not been answered in time"),
            _(
                "Request %(reference)s (%(kind)s, %(school)s) had to be answered by %(due)s and "
                "is still open. The privacy officer has been told."
            )
            % values,
        )
    return (
        ngettext(
            "A request must be answered within %(days)d day",
            "A request must be answered within %(days)d days",
            days,
        )
        % values,
        ngettext(
            "Request %(reference)s (%(kind)s, %(school)s) must be answered by %(due)s: "
            "%(days)d day left.",
            "Request %(reference)s (%(kind)s, %(school)s) must be answered by %(due)s: "
            "%(days)d days left.",
            days,
        )
        % values,
    )
