"""Reads of requests, already filtered by the access policy in permissions.py."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consents.models import Decision as ConsentDecision
from pupils import corrections
from pupils import items as pupil_items
from pupils import selectors as pupil_selectors
from pupils.models import ProcessingHold, Pupil
from schoolprivacy.authorization import grants_for
from schoolprivacy.models import BoardRole, User

from . import retention
from .models import (
    OPEN_STATUSES,
    AccessCopy,
    BoardHoliday,
    DataRequest,
    ErasureCategory,
    ErasureRecord,
    RecipientNotice,
    RectificationItem,
    RequestEvent,
    RetentionRun,
    SchoolRouting,
)
from .permissions import (
    RequestAction,
    RequestPolicy,
    handler_roles_of,
    handler_schools,
    requester_role,
)


def days_left(request: DataRequest, today: datetime.date | None = None) -> int:
    """Calendar days until the due date (negative: overdue), counted in the Netherlands."""
    return (request.due_on - (today or timezone.localdate())).days


def dashboard(*, user: User, open_only: bool = True) -> QuerySet[DataRequest]:
    """The requests *user* sees as staff: open ones by due date (overdue first), with pupil."""
    requests = (
        RequestPolicy()
        .scope(user, RequestAction.VIEW)
        .select_related("pupil", "school", "handler")
    )
    if open_only:
        return requests.filter(status__in=OPEN_STATUSES).order_by("due_on", "received_at", "pk")
    # Every step out of the open statuses sets closed_at (services/_common.py): reading it
    # newest first walks the index request_closed_idx, a page at a time.
    return (
        requests.filter(closed_at__isnull=False)
        .exclude(status__in=OPEN_STATUSES)
        .order_by("-closed_at", "-pk")
    )


def overdue(*, user: User, today: datetime.date | None = None) -> int:
    """How many of the open requests *user* sees as staff are past their due date."""
    today = today or timezone.localdate()
    return dashboard(user=user).filter(due_on__lt=today).order_by().count()


def open_request_choices(user: User, pupils: QuerySet[Pupil]) -> list[tuple[str, str]]:
    """What the pupil list filters on for requests (schoolprivacy.list_filters): a pupil with
    an open request, offered only to who sees requests as staff (RequestPolicy)."""
    grants = grants_for(user)
    if not (handler_schools(user) or grants.boards_with(BoardRole.PRIVACY_OFFICER)):
        return []
    return [("open", str(_("With an open request")))]


def pupils_with_open_request(user: User, pupils: QuerySet[Pupil], value: str) -> QuerySet:
    """The ids of the pupils with an open request (received, being handled, informing the
    recipients) that *user* may see (RequestPolicy); none for any other *value*."""
    if value != "open":
        return Pupil.objects.none().values("pk")
    return (
        RequestPolicy()
        .scope(user, RequestAction.VIEW)
        .filter(status__in=OPEN_STATUSES)
        .order_by()
        .values("pupil_id")
    )


def with_days_left(requests, today=None) -> list[DataRequest]:
    """The requests, each with days_left (and overdue_days when it is negative)."""
    today = today or timezone.localdate()
    rows = list(requests)
    for request in rows:
        request.days_left = days_left(request, today)
        request.overdue_days = max(0, -request.days_left)
    return rows


def with_lateness(requests) -> list[DataRequest]:
    """Closed requests, each marked late when closed after its due date (Dutch calendar)."""
    rows = list(requests)
    for request in rows:
        request.late = bool(
            request.closed_at and timezone.localdate(request.closed_at) > request.due_on
        )
    return rows


def has_refusal(request: DataRequest) -> bool:
    """True when any part of the answer says no (then the right to complain is shown)."""
    if request.status == DataRequest.Status.REFUSED:
        return True
    return (
        request.items.filter(decision="refused").exists()
        or request.erasure_items.exclude(outcome__in=["erase", "pending", "per_item"]).exists()
    )


def portal_requests(*, user: User) -> QuerySet[DataRequest]:
    """The requests *user* made, newest first, with the pupil."""
    return (
        DataRequest.objects.filter(requester=user)
        .select_related("pupil", "school")
        .order_by(
            Case(
                When(status__in=OPEN_STATUSES, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            "-received_at",
            "-pk",
        )
    )


@dataclass
class ItemView:
    """One field of a correction request, with what the school has now and what is proposed."""

    item: RectificationItem
    label: str
    current: str
    proposed: str
    exists: bool
    #: The fingerprint of the value now, which the decision form carries back.
    seen: str = ""


def items_of(request: DataRequest, *, with_current: bool = True) -> list[ItemView]:
    """The fields of a correction request; *with_current* False leaves out what the school
    has now (for a requester who no longer acts for the pupil).
    """
    views = []
    for item in request.items.select_related("decided_by"):
        obj = corrections.find(request.pupil, item.target, item.target_id, item.field)
        if not with_current:
            obj = None
        views.append(
            ItemView(
                item=item,
                label=corrections.label(item.target, item.field),
                current=corrections.display(
                    item.target, item.field, corrections.current_value(obj, item.field)
                )
                if obj is not None
                else "–",
                proposed=corrections.display(
                    item.target,
                    item.field,
                    _parsed_or_raw(item),
                )
                if item.proposed_value
                else "–",
                exists=obj is not None,
                seen=corrections.fingerprint(obj, item.field) if obj is not None else "",
            )
        )
    return views


def _parsed_or_raw(item: RectificationItem):
    try:
        return corrections.parse(item.target, item.field, item.proposed_value)
    except Exception:
        return item.proposed_value


def history(request: DataRequest, *, for_requester: bool = False) -> QuerySet[RequestEvent]:
    """The request's events, oldest first; the requester sees what was told to them."""
    events = request.events.select_related("by").order_by("at", "pk")
    if for_requester:
        events = events.filter(to_requester=True)
    return events


def copies_of(request: DataRequest) -> QuerySet[AccessCopy]:
    return request.copies.order_by("-created_at")


def linked_of(request: DataRequest) -> list[DataRequest]:
    """Open requests of the same kind for the same child by another holder (staff only)."""
    return list(
        DataRequest.objects.filter(pupil_id=request.pupil_id, kind=request.kind)
        .exclude(pk=request.pk)
        .exclude(requester_id=request.requester_id)
        .filter(status__in=OPEN_STATUSES)
        .order_by("received_at")
    )


def requests_of_pupil(*, pupil: Pupil, user: User) -> QuerySet[DataRequest]:
    """The requests about one pupil that *user* may see as staff."""
    return (
        RequestPolicy()
        .scope(user, RequestAction.VIEW)
        .filter(pupil=pupil)
        .order_by("-received_at", "-pk")
    )


def routing_of(schools) -> list[tuple]:
    """(school, its handler roles) for each school."""
    schools = list(schools)
    roles = handler_roles_of([s.pk for s in schools])
    return [(school, roles[school.pk]) for school in schools]


def holidays_of(board) -> QuerySet[BoardHoliday]:
    return BoardHoliday.objects.filter(board=board).order_by("day")


def retention_runs(*, boards) -> QuerySet[RetentionRun]:
    return (
        RetentionRun.objects.filter(board__in=boards)
        .select_related("board")
        .order_by("-ran_on", "board__name")
    )


def active_holds(*, pupil: Pupil) -> QuerySet[ProcessingHold]:
    return pupil_selectors.active_holds(pupil=pupil).select_related("placed_by")


def legal_holds(*, pupil: Pupil) -> QuerySet[ProcessingHold]:
    return pupil_selectors.active_holds(pupil=pupil).filter(kind=ProcessingHold.Kind.LEGAL_HOLD)


def legal_holds_of_boards(*, boards) -> QuerySet[ProcessingHold]:
    """Every legal hold on pupils of these boards now (the privacy officer's overview)."""
    return (
        ProcessingHold.objects.filter(
            pupil__board__in=boards,
            kind=ProcessingHold.Kind.LEGAL_HOLD,
            lifted_at__isnull=True,
        )
        .select_related("pupil__school", "placed_by")
        .order_by("-placed_at")
    )


def request_for_staff(*, user: User, pk) -> DataRequest:
    """One request with what its page shows; 404 when *user* may not see it."""
    return RequestPolicy().get(user, pk, RequestAction.VIEW)


def school_routing(school) -> SchoolRouting | None:
    return SchoolRouting.objects.filter(school=school).first()


def pending_legal_notices(request: DataRequest) -> list[RecipientNotice]:
    """The recipients on a legal basis the handler still has to tell about *request*."""
    return list(
        request.notices.filter(
            recipient__isnull=False, status=RecipientNotice.Status.PENDING
        ).select_related("recipient")
    )


def notices_of(request: DataRequest, *, visible_kinds=None) -> list[RecipientNotice]:
    """The Art. 19 notices of *request*. With *visible_kinds* (a handler's special kinds),
    each names the single items it concerns (``item_labels``); without, none (the privacy
    officer sees the course of a request, not what it is about)."""
    notices = list(request.notices.select_related("supplier", "recipient", "done_by"))
    if visible_kinds is not None and any(notice.items for notice in notices):
        labels = {u.key: u.label_for(visible_kinds) for u in request.erasure_items.all()}
        for notice in notices:
            notice.item_labels = [labels.get(key, key) for key in notice.items]
    return notices


# --- For the handler: erasure, the copy, who is told -------------------------------------------


@dataclass
class CategoryState:
    """What the handler sees for one category: its contents, the rule, what the law requires."""

    category: str
    label: str
    items: int
    rule: retention.Rule
    keep_until: datetime.date | None
    must_keep: bool
    legal_hold: bool
    asked: bool
    contents: list = field(default_factory=list)  # its items (pupils.items), where it has them


def category_states(data_request: DataRequest, today=None) -> list[CategoryState]:
    today = today or timezone.localdate()
    pupil = data_request.pupil
    items = pupil_items.items_of(pupil)
    counts = pupil_selectors.category_counts(pupil=pupil, items=items)
    counts[ErasureCategory.CONSENTS] = ConsentDecision.objects.filter(pupil=pupil).count()
    held = pupil_selectors.under_legal_hold(pupil)
    labels = dict(ErasureCategory.choices)
    contents: dict[str, list] = defaultdict(list)
    for found in items:
        contents[found.category].append(found)
    asked = set(data_request.erasure_items.filter(asked=True).values_list("key", flat=True))
    return [
        CategoryState(
            category=c,
            label=str(labels[c]),
            items=counts.get(c, 0),
            rule=retention.RULES[c],
            keep_until=retention.keep_until(pupil, c),
            must_keep=retention.must_keep(pupil, c, today),
            legal_hold=held,
            asked=c in asked,
            contents=contents[c],
        )
        for c in retention.ORDER
    ]


def still_entitled(data_request: DataRequest) -> bool:
    """Whether the requester still acts for the pupil today (authority; the pupil from 16)."""
    try:
        requester_role(data_request.pupil, data_request.requester)
    except ValidationError:
        return False
    return True


def handlers_of(data_request: DataRequest) -> list[User]:
    """Who is told about a request: its handler while still one, else everyone routed to the
    pupil's school, else (nobody routed) the privacy officer of the board.
    """
    school_id = data_request.pupil.school_id
    handler = data_request.handler if data_request.handler_id else None
    if handler is not None and handler.is_active and school_id in handler_schools(handler):
        return [handler]
    roles = handler_roles_of([school_id])[school_id]
    people = list(
        User.objects.filter(
            is_active=True, memberships__school_id=school_id, memberships__role__in=roles
        ).distinct()
    )
    return people or list(
        User.objects.filter(
            is_active=True,
            board_memberships__board_id=data_request.board_id,
            board_memberships__role=BoardRole.PRIVACY_OFFICER,
        ).distinct()
    )


# --- For the operator (schoolprivacy/metrics.py) -----------------------------------------------


def copies_stuck_count() -> int:
    """Copies still being made after the stale-work sweep should have made them."""
    from .services import STALE_AFTER

    late = timezone.now() - 2 * STALE_AFTER
    building = AccessCopy.objects.filter(status=AccessCopy.Status.BUILDING)
    return building.filter(created_at__lt=late).count()


def recipient_notices_pending_count() -> int:
    """Art. 19 notices to suppliers and legal recipients not yet sent or settled."""
    return RecipientNotice.objects.filter(status=RecipientNotice.Status.PENDING).count()


def erasures_not_in_ledger_count() -> int:
    """Erasures whose line is not yet in the ledger kept apart from the database."""
    return ErasureRecord.objects.filter(ledgered_at__isnull=True).count()
