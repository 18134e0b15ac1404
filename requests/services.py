"""Writes of data-subject requests: intake, the workflow, the answers, and the sweeps.

Every change of a request is a function here: it locks the request's row,
checks the move is allowed from where the request stands, writes an event to
the request's history (with the note), and lets django-auditlog record the
change. What touches the pupil's data (a correction, a deletion, a hold) is
done by the service of the app that owns the data, in the same transaction.
The requester hears of every answer in their own language (in the portal and
by e-mail, through the core's notice outbox).
"""

import base64
import contextlib
import datetime
import hashlib
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from auditlog.context import set_actor
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consents import services as consent_services
from consents.models import ConsentEvent, ConsentRequest, Takedown
from consents.models import Decision as ConsentDecision
from pupils import corrections
from pupils import items as pupil_items
from pupils import selectors as pupil_selectors
from pupils import services as pupil_services
from pupils.models import (
    Agreement,
    DataCategory,
    EmergencyAccess,
    Guardianship,
    Note,
    ParentDeclaration,
    ProcessingHold,
    Pupil,
    RestrictedAccess,
    SpecialRecord,
    TestResult,
)
from schoolprivacy import audit
from schoolprivacy.models import BoardMembership, BoardRole, Membership, Role, User
from schoolprivacy.services import notice_queue, notice_queue_many
from schoolprivacy.tasks import enqueue_on_commit
from suppliers import catalogue
from suppliers import selectors as supplier_selectors

from . import copies, deadlines, ledger, retention, workflow
from .models import (
    OPEN_STATUSES,
    UNDECIDED_STATUSES,
    AccessCopy,
    BoardHoliday,
    DataRequest,
    Decision,
    ErasureCategory,
    ErasureItem,
    ErasureRecord,
    RecipientNotice,
    RectificationItem,
    Reminder,
    RequestEvent,
    RetentionRun,
    SchoolRouting,
)
from .permissions import handler_roles_of, handler_schools, requester_role

logger = logging.getLogger(__name__)

Kind = DataRequest.Kind
Status = DataRequest.Status

#: How long a copy can be downloaded.
COPY_DAYS = 14
#: The categories a parent can name for each kind of request.
CATEGORY_KINDS = (Kind.ERASURE, Kind.RESTRICTION, Kind.OBJECTION)
#: Where a request may go from where it stands.
TRANSITIONS = {
    Status.RECEIVED: {Status.IN_PROGRESS, Status.REFUSED, Status.WITHDRAWN},
    Status.IN_PROGRESS: {Status.NOTIFYING, Status.COMPLETED, Status.REFUSED, Status.WITHDRAWN},
    Status.NOTIFYING: {Status.COMPLETED},
}
MIN_REASON = 10


class AlreadyOpen(ValidationError):
    """The same person asked the same again while the first request is still open."""

    def __init__(self, request: DataRequest):
        self.request = request
        super().__init__(
            _(
                "You already asked this on %(date)s (%(reference)s). The school answers by "
                "%(due)s; you can follow it under My requests."
            )
            % {
                "date": request.received_on.strftime("%d-%m-%Y"),
                "reference": request.reference,
                "due": request.due_on.strftime("%d-%m-%Y"),
            },
            code="already_open",
        )


# --- Helpers ----------------------------------------------------------------------------------


def _lock(request: DataRequest) -> DataRequest:
    return (
        DataRequest.objects.select_for_update(of=("self",))
        .select_related("pupil", "school", "board", "requester")
        .get(pk=request.pk)
    )


def _require_handler(user: User, request: DataRequest) -> None:
    """A handler of the pupil's school now, and not the requester or a parent of the child."""
    if request.pupil.school_id not in handler_schools(user):
        raise PermissionDenied
    if (
        user.pk == request.requester_id
        or Guardianship.objects.filter(pupil_id=request.pupil_id, parent=user).exists()
    ):
        raise ValidationError(
            _(
                "You are a parent of this pupil: another handler or the privacy officer "
                "handles this request."
            ),
            code="own_child",
        )


def _event(request, kind, *, by=None, note="", from_status="", to_status="", to_requester=False):
    return RequestEvent.objects.create(
        request=request,
        kind=kind,
        by=by,
        note=note,
        from_status=from_status,
        to_status=to_status,
        to_requester=to_requester,
    )


def _move(request: DataRequest, to: str, *, by, note: str = "", to_requester=False) -> None:
    """Change the status (the caller holds the row lock), with its event."""
    if to not in TRANSITIONS.get(request.status, set()):
        raise ValidationError(
            _("This request has the status “%(status)s”: that step is not possible now.")
            % {"status": request.get_status_display()},
            code="transition",
        )
    before = request.status
    request.status = to
    fields = ["status"]
    now = timezone.now()
    if to not in UNDECIDED_STATUSES and request.answered_at is None:
        request.answered_at = now  # decided: the deadline is met (or missed) now
        fields.append("answered_at")
    if to not in OPEN_STATUSES:
        request.closed_at = now
        fields.append("closed_at")
    if request.handler_id is None and by is not None and by.pk != request.requester_id:
        request.handler = by
        fields.append("handler")
    with set_actor(by) if by else contextlib.nullcontext():
        request.save(update_fields=fields)
    _event(
        request,
        RequestEvent.Kind.STATUS,
        by=by,
        note=note,
        from_status=before,
        to_status=to,
        to_requester=to_requester,
    )


def _start(request: DataRequest, by: User) -> None:
    """A decision on a request that was only received takes it up first."""
    if request.status == Status.RECEIVED:
        _move(request, Status.IN_PROGRESS, by=by)


def _reason(text: str, field_name: str = "reason") -> str:
    text = (text or "").strip()
    if len(text) < MIN_REASON:
        raise ValidationError(
            {
                field_name: _(
                    "Give the reasons in at least one full sentence: the parent reads them."
                )
            }
        )
    return text


def extra_holidays(board_id: int) -> list[datetime.date]:
    return list(BoardHoliday.objects.filter(board_id=board_id).values_list("day", flat=True))


def _portal_path(request: DataRequest) -> str:
    return reverse("requests:portal_detail", args=[request.pk])


def _staff_path(request: DataRequest) -> str:
    return reverse("requests:detail", args=[request.pk])


def _tell_requester(request: DataRequest, message: str) -> None:
    """Tell the requester in the portal and by e-mail: the reference, what happened, a link.

    No names and no contents: the mail leaves the system, the details stay in the portal.
    """
    person = request.requester
    with translation.override(person.language):
        subject = _("Your request to %(school)s") % {"school": request.school.name}
        text = _("Your request %(reference)s (%(kind)s): %(message)s") % {
            "reference": request.reference,
            "kind": request.get_kind_display(),
            "message": message,
        }
    notice_queue(user=person, subject=subject, message=text, path=_portal_path(request))


def _say(person: User, text_func):
    with translation.override(person.language):
        return text_func()


def handlers_of(request: DataRequest) -> list[User]:
    """Who is told about a request: its handler while still one, else everyone routed to the
    pupil's school, else (nobody routed) the privacy officer of the board.
    """
    school_id = request.pupil.school_id
    if (
        request.handler_id
        and request.handler.is_active
        and school_id in handler_schools(request.handler)
    ):
        return [request.handler]
    roles = handler_roles_of([school_id])[school_id]
    people = list(
        User.objects.filter(
            is_active=True, memberships__school_id=school_id, memberships__role__in=roles
        ).distinct()
    )
    return people or list(
        User.objects.filter(
            is_active=True,
            board_memberships__board_id=request.board_id,
            board_memberships__role=BoardRole.PRIVACY_OFFICER,
        ).distinct()
    )


def _tell_handlers(request: DataRequest, text_func, subject_func) -> None:
    messages = []
    for person in handlers_of(request):
        with translation.override(person.language):
            messages.append((person, subject_func(), text_func(), _staff_path(request)))
    notice_queue_many(messages)


# --- Intake -----------------------------------------------------------------------------------


@dataclass
class ItemProposal:
    """One field a parent says is wrong: where it is, and the correct value."""

    target: str
    target_id: int
    field: str
    value: str
    statement: str = ""


def _check_item(pupil: Pupil, item: ItemProposal) -> None:
    obj = corrections.find(pupil, item.target, item.target_id, item.field)
    if obj is None:
        raise ValidationError(_("This cannot be corrected here."))
    if not item.value.strip() and not item.statement.strip():
        raise ValidationError(
            {"value": _("Fill in the correct value, or add a statement of your own.")}
        )
    if item.value.strip():
        try:
            parsed = corrections.parse(item.target, item.field, item.value)
        except ValidationError as error:
            raise ValidationError({"value": error.messages}) from None
        if parsed == corrections.current_value(obj, item.field):
            raise ValidationError({"value": _("This is what the school has now.")})


def _new_item(request: DataRequest, item: ItemProposal) -> RectificationItem:
    return RectificationItem.objects.create(
        request=request,
        target=item.target,
        target_id=item.target_id,
        field=item.field,
        proposed_value=item.value.strip(),
        statement=item.statement.strip(),
    )


@transaction.atomic
def request_submit(
    *,
    pupil: Pupil,
    kind: str,
    requester: User,
    acting_user: User,
    channel: str = DataRequest.Channel.PORTAL,
    received_on: datetime.date | None = None,
    identity_check: str = DataRequest.IdentityCheck.PORTAL_LOGIN,
    identity_note: str = "",
    explanation: str = "",
    categories=(),
    items: list[ItemProposal] = (),
    item_keys=(),
    submission: uuid.UUID | None = None,
) -> DataRequest:
    """Take in a request: in the portal from the requester, or recorded by a handler.

    The deadline counts from the day of receipt (Europe/Amsterdam). The same person
    asking the same again while the first is open gets AlreadyOpen, except that a
    correction of another field joins their open correction request; another
    holder's request is linked to the open one. An objection stops the processing
    it names at once, pending the decision (GDPR Art. 21). An erasure names whole
    *categories* and single items (*item_keys* of pupils.items), each decided apart.
    """
    if submission is not None:
        earlier = DataRequest.objects.filter(submission=submission).first()
        if earlier is not None:
            return earlier
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Choose what you ask for.")})
    now = timezone.now()
    portal = channel == DataRequest.Channel.PORTAL
    if portal:
        if acting_user.pk != requester.pk:
            raise PermissionDenied
        received_at, received_on = now, deadlines.received_on_date(now)
        identity_check = DataRequest.IdentityCheck.PORTAL_LOGIN
    else:
        if pupil.school_id not in handler_schools(acting_user):
            raise PermissionDenied
        if received_on is None:
            raise ValidationError({"received_on": _("Fill in the date the request came in.")})
        if received_on > timezone.localdate():
            raise ValidationError({"received_on": _("This date lies in the future.")})
        if identity_check == DataRequest.IdentityCheck.PORTAL_LOGIN:
            raise ValidationError({"identity_check": _("Say how you checked who asked.")})
        if identity_check == DataRequest.IdentityCheck.OTHER and not identity_note.strip():
            raise ValidationError({"identity_note": _("Say how you checked who asked.")})
        received_at = timezone.make_aware(
            datetime.datetime.combine(received_on, datetime.time(12)),
            deadlines.AMSTERDAM,
        )
    role = requester_role(pupil, requester, received_on)
    categories = sorted(set(categories))
    erase_items = _erasure_items(pupil, item_keys) if kind == Kind.ERASURE else []
    if kind in CATEGORY_KINDS:
        allowed = set(ErasureCategory.values) if kind == Kind.ERASURE else set(DataCategory.values)
        if (not categories and not erase_items) or set(categories) - allowed:
            raise ValidationError({"categories": _("Choose which data this is about.")})
        if kind == Kind.ERASURE and ErasureCategory.ADMINISTRATION in categories:
            # Without the administration the pupil is gone: the request is about everything.
            categories = sorted(ErasureCategory.values)
        erase_items = [found for found in erase_items if found.category not in categories]
    else:
        categories = []
    items = list(items)
    if kind == Kind.RECTIFICATION:
        if not items:
            raise ValidationError(_("Say which data is not right."))
        for item in items:
            _check_item(pupil, item)
    else:
        items = []

    existing = (
        DataRequest.objects.select_for_update()
        .filter(pupil=pupil, kind=kind, requester=requester, status__in=UNDECIDED_STATUSES)
        .order_by("extended_at", "pk")
        .first()
    )
    if existing is not None:
        if kind != Kind.RECTIFICATION:
            raise AlreadyOpen(existing)
        if existing.extended_at is None:
            return _join_correction(existing, items, acting_user)
        # The open correction was given more time; a new field gets a month of its own.

    board_days = extra_holidays(pupil.board_id)
    linked = (
        DataRequest.objects.filter(pupil=pupil, kind=kind, status__in=OPEN_STATUSES)
        .order_by("received_at")
        .first()
    )
    request = DataRequest(
        board_id=pupil.board_id,
        school_id=pupil.school_id,
        pupil=pupil,
        kind=kind,
        requester=requester,
        requester_role=role,
        channel=channel,
        identity_check=identity_check,
        identity_note=identity_note.strip(),
        received_at=received_at,
        received_on=received_on,
        first_due_on=deadlines.response_due(received_on, extra_holidays=board_days),
        explanation=explanation.strip(),
        categories=categories,
        recorded_by=acting_user,
        linked_to=linked,
        submission=submission or uuid.uuid4(),
    )
    request.due_on = request.first_due_on
    try:
        with transaction.atomic(), set_actor(acting_user):
            request.full_clean(exclude=["pupil", "requester", "recorded_by", "board", "school"])
            request.save()
    except IntegrityError:
        # The same submission, or the same request, arrived at the same moment (two tabs):
        # the other one is committed now. A correction of another field joins it.
        other = (
            DataRequest.objects.select_for_update()
            .filter(pupil=pupil, kind=kind, requester=requester, status__in=UNDECIDED_STATUSES)
            .order_by("extended_at", "pk")
            .first()
        )
        if other is not None and kind == Kind.RECTIFICATION and other.extended_at is None:
            return _join_correction(other, items, acting_user)
        raise AlreadyOpen(
            other or DataRequest.objects.get(submission=request.submission)
        ) from None
    for item in items:
        _new_item(request, item)
    if kind == Kind.ERASURE:
        with set_actor(acting_user):
            for category in categories:
                ErasureItem.objects.create(request=request, key=category, category=category)
            for found in erase_items:
                ErasureItem.objects.create(
                    request=request,
                    key=found.key,
                    category=found.category,
                    item_kind=found.kind,
                    item_date=found.day,
                )
    _event(
        request,
        RequestEvent.Kind.RECEIVED,
        by=acting_user,
        to_status=Status.RECEIVED,
        to_requester=True,
    )
    if kind in (Kind.OBJECTION, Kind.RESTRICTION):
        # Both stop the use at once: an objection until the school decides (Art. 21(1)),
        # a restriction while the school checks what the parent contests (Art. 18(1)).
        pupil_services.hold_place(
            pupil=pupil,
            kind=ProcessingHold.Kind.OBJECTION
            if kind == Kind.OBJECTION
            else ProcessingHold.Kind.RESTRICTION,
            categories=categories,
            reason=_pending_hold_reason(request),
            acting_user=acting_user,
            reference=request.reference,
        )
    _tell_requester(
        request,
        _say(
            requester,
            lambda: (
                _("received on %(date)s. The school answers by %(due)s at the latest.")
                % {
                    "date": request.received_on.strftime("%d-%m-%Y"),
                    "due": request.due_on.strftime("%d-%m-%Y"),
                }
            ),
        ),
    )
    _tell_handlers(
        request,
        lambda: (
            _("New request %(reference)s (%(kind)s) at %(school)s; answer by %(due)s.")
            % {
                "reference": request.reference,
                "kind": request.get_kind_display(),
                "school": request.school.name,
                "due": request.due_on.strftime("%d-%m-%Y"),
            }
        ),
        lambda: _("A new request from a parent"),
    )
    return request


def _erasure_items(pupil: Pupil, item_keys) -> list:
    """The items of *pupil* named by *item_keys* (pupils.items); ValidationError for a key
    that names nothing of the pupil (any more)."""
    found = []
    for key in sorted(set(item_keys)):
        ref = pupil_items.ItemRef.parse(key)
        item = pupil_items.item(pupil, ref) if ref is not None else None
        if item is None:
            raise ValidationError(
                {"items": _("Some of the data you chose is no longer in the dossier.")}
            )
        found.append(item)
    return found


def _pending_hold_reason(request: DataRequest) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("Request %(reference)s: the use stops until the school decides.") % {
            "reference": request.reference
        }


def _join_correction(request, items, acting_user) -> DataRequest:
    """A second wrong field joins the open correction request; the same field twice does not."""
    request = _lock(request)
    for item in items:
        if request.items.filter(
            target=item.target, target_id=item.target_id, field=item.field
        ).exists():
            raise AlreadyOpen(request)
        _new_item(request, item)
    _event(
        request,
        RequestEvent.Kind.NOTE,
        by=acting_user,
        note=_say(request.requester, lambda: _("Another field was added to this request.")),
    )
    request.joined = True
    return request


# --- The workflow -----------------------------------------------------------------------------


@transaction.atomic
def request_start(*, request: DataRequest, acting_user: User) -> DataRequest:
    """Take the request up: it is being handled, by the acting user."""
    request = _lock(request)
    _require_handler(acting_user, request)
    workflow.require(request, "start")
    _move(request, Status.IN_PROGRESS, by=acting_user)
    return request


@transaction.atomic
def request_note(*, request: DataRequest, note: str, acting_user: User) -> RequestEvent:
    """A note in the request's history (staff only)."""
    request = _lock(request)
    _require_handler(acting_user, request)
    workflow.require(request, "note")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write the note.")})
    return _event(request, RequestEvent.Kind.NOTE, by=acting_user, note=note)


@transaction.atomic
def request_extend(*, request: DataRequest, reasons: str, acting_user: User) -> DataRequest:
    """Extend the deadline to three months from receipt (GDPR Art. 12(3)), telling the parent.

    Only once, only with reasons, and only on or before the first due date.
    """
    request = _lock(request)
    _require_handler(acting_user, request)
    workflow.require(request, "extend")
    reasons = _reason(reasons, "reasons")
    request.extended_at = timezone.now()
    request.extended_by = acting_user
    request.extension_reasons = reasons
    request.due_on = deadlines.response_due(
        request.received_on, extended=True, extra_holidays=extra_holidays(request.board_id)
    )
    with set_actor(acting_user):
        request.save(update_fields=["extended_at", "extended_by", "extension_reasons", "due_on"])
    _event(request, RequestEvent.Kind.EXTENDED, by=acting_user, note=reasons, to_requester=True)
    _tell_requester(
        request,
        _say(
            request.requester,
            lambda: (
                _(
                    "the school needs more time and will answer by %(due)s at the latest. "
                    "Why is explained in the portal."
                )
                % {"due": request.due_on.strftime("%d-%m-%Y")}
            ),
        ),
    )
    return request


@transaction.atomic
def request_refuse(*, request: DataRequest, reasons: str, acting_user: User) -> DataRequest:
    """Refuse the whole request, with the reasons; the parent is told of the right to complain."""
    request = _lock(request)
    _require_handler(acting_user, request)
    workflow.require(request, "refuse")
    reasons = _reason(reasons, "reasons")
    _start(request, acting_user)
    _lift_pending_holds(request, acting_user, reasons)
    request.answer = reasons
    request.save(update_fields=["answer"])
    _move(request, Status.REFUSED, by=acting_user, note=_late_note(request), to_requester=True)
    _tell_refusal(request)
    return request


def _late_note(request: DataRequest) -> str:
    """A refusal belongs within one month of receipt (GDPR Art. 12(4)): say so when it is not."""
    if timezone.localdate() <= request.first_due_on:
        return ""
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "Refused after the first month (%(due)s): the law asks for a refusal within one "
            "month of receipt."
        ) % {"due": request.first_due_on.strftime("%d-%m-%Y")}


def _tell_refusal(request: DataRequest) -> None:
    _tell_requester(
        request,
        _say(
            request.requester,
            lambda: _(
                "the school does not grant it. The reasons are in the portal. You may complain "
                "to the Autoriteit Persoonsgegevens or go to court."
            ),
        ),
    )


@transaction.atomic
def request_withdraw(*, request: DataRequest, acting_user: User) -> DataRequest:
    """The requester takes the request back; an objection's stop ends with it."""
    request = _lock(request)
    if acting_user.pk != request.requester_id:
        raise PermissionDenied
    workflow.require(request, "withdraw")
    with translation.override(settings.LANGUAGE_CODE):
        _lift_pending_holds(request, acting_user, _("The parent withdrew the request."))
    _move(request, Status.WITHDRAWN, by=acting_user, to_requester=True)
    _tell_handlers(
        request,
        lambda: (
            _("Request %(reference)s was withdrawn by the requester.")
            % {"reference": request.reference}
        ),
        lambda: _("A request was withdrawn"),
    )
    return request


def _complete(request: DataRequest, by: User | None, message: str) -> None:
    _move(request, Status.COMPLETED, by=by, note=message, to_requester=True)
    _tell_requester(request, message)


def _finish(request: DataRequest, by: User, notices: list[RecipientNotice], message: str):
    """Complete now, or once every recipient has been told (GDPR Art. 19)."""
    if notices:
        _move(request, Status.NOTIFYING, by=by, note=message, to_requester=True)
        _tell_requester(request, message)
        from .tasks import send_recipient_notice

        for notice in notices:
            enqueue_on_commit(send_recipient_notice, notice.pk)
    else:
        _complete(request, by, message)


# --- Rectification (Art. 16) ------------------------------------------------------------------


@dataclass
class ItemDecision:
    accept: bool
    reason: str = ""
    #: The fingerprint of the value the handler saw (pupils/corrections.py); None: no check.
    seen: str | None = None


@transaction.atomic
def rectification_decide(
    *, request: DataRequest, decisions: dict[int, ItemDecision], acting_user: User
) -> DataRequest:
    """Accept or refuse each field; accepted values are written by the pupils app, and every
    supplier or recipient that receives a corrected field gets a notice (Art. 19).
    Two decisions on the same pupil's data run one after the other (the pupil's row is
    locked first, before anything else), and an accepted value is written only while the
    field still holds what the handler saw (ItemDecision.seen).
    """
    list(Pupil.objects.select_for_update(no_key=True).filter(pk=request.pupil_id).values("pk"))
    request = _lock(request)
    _require_handler(acting_user, request)
    workflow.require(request, "rectification")
    pending = list(request.items.filter(decision=Decision.PENDING))
    if {item.pk for item in pending} - set(decisions):
        raise ValidationError(_("Decide on every field."))
    _start(request, acting_user)
    now = timezone.now()
    codes: set[str] = set()
    for item in pending:
        choice = decisions[item.pk]
        item.decided_by, item.decided_at = acting_user, now
        if choice.accept:
            item.decision = Decision.ACCEPTED
            item.reason = (choice.reason or "").strip()
            obj = corrections.find(request.pupil, item.target, item.target_id, item.field)
            if item.proposed_value:
                pupil_services.correction_apply(
                    pupil=request.pupil,
                    target=item.target,
                    target_id=item.target_id,
                    field=item.field,
                    value=item.proposed_value,
                    acting_user=acting_user,
                    seen=choice.seen,
                )
                codes |= catalogue.codes_for_correction(item.target, item.field, obj)
        else:
            item.decision = Decision.REFUSED
            item.reason = _reason(choice.reason, f"reason_{item.pk}")
        if item.statement:
            pupil_services.statement_record(
                pupil=request.pupil,
                target=item.target,
                target_id=item.target_id,
                field=item.field,
                statement=item.statement,
                acting_user=acting_user,
            )
        with set_actor(acting_user):
            item.save(update_fields=["decision", "reason", "decided_by", "decided_at"])
    _event(request, RequestEvent.Kind.DECISION, by=acting_user, to_requester=True)
    items = list(request.items.all())
    if all(item.decision == Decision.REFUSED for item in items):
        request.answer = "\n".join(item.reason for item in items)
        request.save(update_fields=["answer"])
        _move(request, Status.REFUSED, by=acting_user, to_requester=True)
        _tell_refusal(request)
        return request
    notices = _create_notices(request, codes)
    message = _say(
        request.requester,
        lambda: _("the school has decided on each field; the answer is in the portal."),
    )
    _finish(request, acting_user, notices, message)
    return request


@dataclass
class Change:
    """What a decision does to data that recipients may hold, for the Art. 19 notices.

    *codes* maps each catalogue code to the first day that matters (an erased item's
    date: a recipient that stopped receiving the field before never got it), or None;
    *items* names, per code, the single items concerned: (key, description, date).
    """

    action: str  # "correct", "erase" or "restrict"
    codes: dict[str, datetime.date | None] = field(default_factory=dict)
    items: dict[str, list[tuple[str, str, datetime.date | None]]] = field(default_factory=dict)

    def add(self, code: str, since: datetime.date | None = None, item=None) -> None:
        """*code* changes from *since* (None: whatever its date, all of it); *item* names the
        single item (key, description) the change is about. A code that changes as a whole
        (a whole category) names no single items: it is not "only" them."""
        whole = code in self.codes and self.codes[code] is None and not self.items.get(code)
        if code not in self.codes:
            self.codes[code] = since
        elif self.codes[code] is not None:
            self.codes[code] = None if since is None else min(self.codes[code], since)
        if item is None:
            self.items.pop(code, None)  # all of it
        elif not whole:
            self.items.setdefault(code, []).append((*item, since))


def _create_notices(request: DataRequest, changes) -> list[RecipientNotice]:
    """A notice for each supplier and legal recipient that received data the *changes*
    touch (a set of codes is a correction of those fields), naming precisely what.

    Its text is written now, in the school's language, while the pupil's name still
    exists: an erasure in the same transaction may take it away before the notice goes.
    """
    if isinstance(changes, set):
        changes = [Change("correct", dict.fromkeys(changes))]
    per_receiver: dict[tuple, dict] = {}
    for change in changes:
        if not change.codes:
            continue
        for receiver in supplier_selectors.receivers_of(pupil=request.pupil, fields=change.codes):
            entry = per_receiver.setdefault(
                (receiver.kind, receiver.obj.pk), {"receiver": receiver, "parts": []}
            )
            items = {
                (key, label)
                for code in receiver.fields
                for key, label, since in change.items.get(code, ())
                if any(p.code == code and p.reaches(since) for p in receiver.periods)
            }
            entry["parts"].append((change.action, receiver.fields, sorted(items)))
    notices = []
    for entry in per_receiver.values():
        receiver = entry["receiver"]
        fields = catalogue.in_order({code for _a, codes, _i in entry["parts"] for code in codes})
        keys = sorted({key for _a, _c, items in entry["parts"] for key, _label in items})
        with translation.override(settings.LANGUAGE_CODE):
            subject, body = _notice_text(request, receiver.name, entry["parts"])
        notice, _created = RecipientNotice.objects.get_or_create(
            request=request,
            supplier=receiver.obj if receiver.kind == "supplier" else None,
            recipient=receiver.obj if receiver.kind == "recipient" else None,
            defaults={"fields": fields, "items": keys, "subject": subject, "body": body},
        )
        notices.append(notice)
    return notices


# --- Recipients: telling them (Art. 19) -------------------------------------------------------


@transaction.atomic
def recipient_notice_send(*, notice_id: int) -> bool:
    """Send one recipient notice by e-mail, where the register has an address; once."""
    request_id = RecipientNotice.objects.values_list("request_id", flat=True).get(pk=notice_id)
    request = _lock(DataRequest(pk=request_id))  # the request first, then its notice
    notice = (
        RecipientNotice.objects.select_for_update(of=("self",))
        .select_related("supplier", "recipient")
        .get(pk=notice_id)
    )
    if notice.status != RecipientNotice.Status.PENDING or notice.supplier is None:
        return False
    address = supplier_selectors.contact_email(notice.supplier.contact)
    if not address or not notice.body:
        return False  # the handler tells them otherwise and marks it done
    EmailMessage(
        notice.subject,
        notice.body,
        None,
        [address],
        headers={"Message-ID": f"<art19-{notice.pk}@{_mail_host()}>"},
    ).send()
    notice.status = RecipientNotice.Status.SENT
    notice.done_at = timezone.now()
    notice.note = address
    notice.body = ""  # sent: the pupil's name need not stay here
    notice.save(update_fields=["status", "done_at", "note", "body"])
    _event(request, RequestEvent.Kind.NOTICE, note=notice.receiver_name)
    _complete_if_told(request)
    return True


def _notice_text(request: DataRequest, name: str, parts) -> tuple[str, str]:
    """The Art. 19 notice to a supplier or recipient: per action, in whole sentences, the
    fields, and the single items by kind and date (never their contents)."""
    values = {
        "supplier": name,
        "school": request.school.name,
        "pupil": request.pupil.full_name,
        "reference": request.reference,
    }
    sentences = {
        "correct": _(
            "At the request of a parent, %(school)s has corrected data of the pupil "
            "%(pupil)s that you receive from us: %(fields)s. Please correct it in your own "
            "records too, from the school's next data delivery or by contacting us."
        ),
        "erase": _(
            "At the request of a parent, %(school)s has deleted data of the pupil %(pupil)s "
            "that you received from us: %(fields)s. Please delete it from your own records too."
        ),
        "restrict": _(
            "At the request of a parent, %(school)s has restricted the use of data of the "
            "pupil %(pupil)s that you received from us: %(fields)s. Please only store it, and "
            "do not use it, until we tell you otherwise."
        ),
    }
    subjects = {
        "correct": _("%(school)s: pupil data corrected (GDPR Art. 19)"),
        "erase": _("%(school)s: pupil data deleted (GDPR Art. 19)"),
        "restrict": _("%(school)s: use of pupil data restricted (GDPR Art. 19)"),
    }
    paragraphs = []
    for action, codes, items in parts:
        text = sentences[action] % {
            **values,
            "fields": ", ".join(catalogue.label(code) for code in codes),
        }
        if items:
            text += (
                "\n" + _("This concerns only:") + "".join(f"\n- {label}" for _key, label in items)
            )
        paragraphs.append(text)
    subject = subjects[parts[0][0]] % values
    body = _(
        "Dear %(supplier)s,\n\n%(what)s\n\nOur reference: %(reference)s.\n\n"
        "Kind regards,\n%(school)s"
    ) % {**values, "what": "\n\n".join(paragraphs)}
    return subject, body


def _mail_host() -> str:
    from urllib.parse import urlsplit

    return urlsplit(settings.SITE_URL).hostname or "schoolprivacy.invalid"


@transaction.atomic
def notice_settle(
    *, notice: RecipientNotice, done: bool, note: str, acting_user: User
) -> RecipientNotice:
    """The handler told the recipient another way (done), or records why not (not needed)."""
    (settled,) = notices_settle(
        request=notice.request,
        notice_ids=[notice.pk],
        done=done,
        note=note,
        acting_user=acting_user,
    )
    return settled


@transaction.atomic
def notices_settle(
    *, request: DataRequest, notice_ids, done: bool, note: str, acting_user: User
) -> list[RecipientNotice]:
    """Settle several notices of one request in one step, with one note: the recipients on
    a legal basis (DUO, the board, the attendance officer) that the school tells by hand.
    """
    request = _lock(request)  # the request first, then its notices
    _require_handler(acting_user, request)
    notices = list(
        RecipientNotice.objects.select_for_update(of=("self",))
        .select_related("supplier", "recipient")
        .filter(request=request, pk__in=list(notice_ids))
        .order_by("pk")
    )
    if not notices or any(notice.is_settled for notice in notices):
        raise ValidationError(_("This notice has already been dealt with."))
    note = (note or "").strip()
    if not done:
        note = _reason(note, "note")
    now = timezone.now()
    with set_actor(acting_user):
        for notice in notices:
            notice.status = (
                RecipientNotice.Status.DONE if done else RecipientNotice.Status.NOT_NEEDED
            )
            notice.note = note
            notice.done_at = now
            notice.done_by = acting_user
            notice.body = ""
            notice.save(update_fields=["status", "note", "done_at", "done_by", "body"])
            _event(request, RequestEvent.Kind.NOTICE, by=acting_user, note=notice.receiver_name)
    _complete_if_told(request, acting_user)
    return notices


def _complete_if_told(request: DataRequest, by: User | None = None) -> None:
    """The caller holds the request's row lock, so two last notices cannot both miss it."""
    if request.status != Status.NOTIFYING:
        return
    if request.notices.filter(status=RecipientNotice.Status.PENDING).exists():
        return
    message = _say(
        request.requester,
        lambda: _("done: every organisation that receives this data has been told."),
    )
    _complete(request, by, message)


# --- Erasure (Art. 17): per category or per item ---------------------------------------------


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


def category_states(request: DataRequest, today=None) -> list[CategoryState]:
    today = today or timezone.localdate()
    pupil = request.pupil
    counts = pupil_selectors.category_counts(pupil=pupil)
    counts[ErasureCategory.CONSENTS] = ConsentDecision.objects.filter(pupil=pupil).count()
    held = pupil_services.under_legal_hold(pupil)
    labels = dict(ErasureCategory.choices)
    contents: dict[str, list] = defaultdict(list)
    for found in pupil_items.items_of(pupil):
        contents[found.category].append(found)
    asked = set(request.erasure_items.filter(asked=True).values_list("key", flat=True))
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


@dataclass
class CategoryDecision:
    """The handler's decision on one unit of an erasure request: a category or an item."""

    outcome: str
    reason: str = ""


Outcome = ErasureItem.Outcome


def erasure_choices(unit: ErasureItem, state: CategoryState) -> list[str]:
    """The outcomes the handler may choose for *unit*: what the law and its kind allow.

    Deletion is not possible under a legal hold or while the law requires keeping the
    data; a single field can be deleted or kept, not restricted; the consent record is
    deleted or kept; a category with items can be decided item by item.
    """
    choices = [Outcome.ERASE, Outcome.RESTRICT, Outcome.KEEP]
    if state.must_keep or state.legal_hold:
        choices.remove(Outcome.ERASE)
    field_level = not unit.is_category and bool(pupil_items.ItemRef.parse(unit.key).field)
    if unit.category == ErasureCategory.CONSENTS or field_level:
        choices.remove(Outcome.RESTRICT)
    if unit.is_category and state.contents:
        choices.append(Outcome.PER_ITEM)
    return choices


def _unit_error(unit, state, choice: CategoryDecision | None) -> str | None:
    """Why *choice* cannot be taken for *unit*, or None."""
    if choice is None or choice.outcome not in [*Outcome.values]:
        return _("Choose what happens to this data.")
    if choice.outcome == Outcome.ERASE and state.legal_hold:
        return _(
            "A legal hold is on this pupil's data: nothing may be deleted. Restrict it instead."
        )
    if choice.outcome == Outcome.ERASE and state.must_keep:
        return _(
            "The law requires the school to keep this data until %(until)s: restrict it "
            "instead, and tell the parent why."
        ) % {
            "until": state.keep_until.strftime("%d-%m-%Y")
            if state.keep_until
            else _("some years after the pupil has left")
        }
    if choice.outcome not in erasure_choices(unit, state):
        return _("This cannot be decided for this data.")
    if choice.outcome in (Outcome.RESTRICT, Outcome.KEEP) and (
        len((choice.reason or "").strip()) < MIN_REASON
    ):
        return _("Give the reasons in a sentence: the parent reads them.")
    return None


@transaction.atomic
def erasure_decide(
    *, request: DataRequest, decisions: dict[str, CategoryDecision], acting_user: User
) -> DataRequest:
    """Decide each thing the parent asked to delete: delete, keep restricted, or keep (with
    reasons); a category asked for is deleted whole only when the handler says so (its
    items are then counted), or decided item by item. Then it is done in one transaction.

    What the law requires the school to keep cannot be deleted (it may be restricted,
    with the reason told to the parent); a legal hold stops every deletion. Deleting
    the administration deletes everything. Only the recipients that received what is
    deleted or restricted get a notice (Art. 17(2), 19), naming exactly what; the
    ledger keeps which rows went. *decisions* are keyed by ErasureItem.key.
    """
    request = _lock(request)
    _require_handler(acting_user, request)
    workflow.require(request, "erasure")
    # The pupil too: two requests (or the retention sweep) never erase from one pupil at once,
    # and what is decided below is what the pupil holds now.
    pupil = Pupil.objects.select_for_update().get(pk=request.pupil_id)
    request.pupil = pupil
    states = {s.category: s for s in category_states(request)}
    units = list(request.erasure_items.filter(outcome=Outcome.PENDING))
    if not units:
        raise ValidationError(_("Nothing of this request is left to decide."))
    errors = {}
    decided: list[tuple[ErasureItem, CategoryDecision]] = []
    for unit in units:
        _current_category(pupil, unit)
        state = states[unit.category]
        choice = decisions.get(unit.key)
        error = _unit_error(unit, state, choice)
        if error:
            errors[f"outcome_{unit.key}"] = error
            continue
        decided.append((unit, choice))
        if choice.outcome != Outcome.PER_ITEM:
            continue
        for found in state.contents:
            sub = ErasureItem(
                request=request,
                key=found.key,
                category=found.category,
                item_kind=found.kind,
                item_date=found.day,
                asked=False,
            )
            sub_choice = decisions.get(found.key)
            error = _unit_error(sub, state, sub_choice)
            if error:
                errors[f"outcome_{found.key}"] = error
            else:
                decided.append((sub, sub_choice))
    by_key = {unit.key: choice for unit, choice in decided}
    whole = {u.category for u, c in decided if u.is_category and c.outcome == Outcome.ERASE}
    if ErasureCategory.ADMINISTRATION in whole:
        holding = {c for c, st in states.items() if st.items} - {ErasureCategory.ADMINISTRATION}
        if holding - whole:
            errors["outcome_administration"] = _(
                "Deleting the administration deletes the pupil: delete the other data too."
            )
    if errors:
        raise ValidationError(errors)

    _start(request, acting_user)
    now = timezone.now()
    erase_items = [
        u.key
        for u, c in decided
        if not u.is_category and c.outcome == Outcome.ERASE and u.category not in whole
    ]
    restrict_categories = sorted(
        u.category for u, c in decided if u.is_category and c.outcome == Outcome.RESTRICT
    )
    restrict_items = [u for u, c in decided if not u.is_category and c.outcome == Outcome.RESTRICT]
    # The notices are written before the data goes: they must still name the pupil.
    notices = _create_notices(
        request,
        [
            _erasure_change(
                "erase", pupil, whole, [u for u, c in decided if u.key in erase_items]
            ),
            _erasure_change("restrict", pupil, set(restrict_categories), restrict_items),
        ],
    )
    erased, counts = _erase(
        pupil, whole, acting_user, item_keys=erase_items, declared_by=request.requester
    )
    # One hold per unit, each with the reason the parent reads for it.
    for category in restrict_categories:
        pupil_services.hold_place(
            pupil=pupil,
            kind=ProcessingHold.Kind.RESTRICTION,
            categories=[category],
            reason=by_key[category].reason.strip(),
            acting_user=acting_user,
            reference=request.reference,
        )
    for unit in restrict_items:
        pupil_services.hold_place(
            pupil=pupil,
            kind=ProcessingHold.Kind.RESTRICTION,
            item_keys=[unit.key],
            reason=by_key[unit.key].reason.strip(),
            acting_user=acting_user,
            reference=request.reference,
        )
    gone = _gone_keys(erased)
    with set_actor(acting_user):
        for unit, choice in decided:
            unit.outcome = choice.outcome
            unit.reason = (
                (choice.reason or "").strip()
                if choice.outcome in (Outcome.RESTRICT, Outcome.KEEP)
                else ""
            )
            if choice.outcome == Outcome.ERASE:
                unit.erased_count = (
                    counts.get(unit.category, 0) if unit.is_category else int(unit.key in gone)
                )
            unit.decided_by, unit.decided_at = acting_user, now
            unit.save()
    if erased:
        _ledger(
            ErasureRecord.objects.create(
                pupil=pupil,
                request=request,
                source=ErasureRecord.Source.REQUEST,
                categories=sorted(whole),
                erased=erased,
                by=acting_user,
            )
        )
    _event(request, RequestEvent.Kind.DECISION, by=acting_user, to_requester=True)
    if all(c.outcome in (Outcome.KEEP, Outcome.PER_ITEM) for _u, c in decided):
        request.answer = "\n".join(
            c.reason.strip() for _u, c in decided if c.outcome == Outcome.KEEP
        )
        request.save(update_fields=["answer"])
        _move(request, Status.REFUSED, by=acting_user, to_requester=True)
        _tell_refusal(request)
        return request
    message = _say(
        request.requester,
        lambda: _(
            "the school has decided; what was deleted and what is kept, and why, is in the portal."
        ),
    )
    _finish(request, acting_user, notices, message)
    return request


def _current_category(pupil: Pupil, unit: ErasureItem) -> None:
    """An item's category as it is now (a note may have become a referral report since the
    request came in): its retention rule is decided on what it is."""
    if unit.is_category:
        return
    found = pupil_items.item(pupil, pupil_items.ItemRef.parse(unit.key))
    if found is not None:
        unit.category = found.category


def _gone_keys(erased: dict) -> set[str]:
    """The item keys (pupils.items) of what an erasure took."""
    return set(_item_keys_of(erased))


def _erasure_change(action: str, pupil: Pupil, categories: set[str], units) -> Change:
    """The Art. 19 change of deleting or restricting whole *categories* and single *units*.

    A whole category touches every field of it, whatever its date; a single item only
    its own field, from the item's date on.
    """
    change = Change(action)
    for code in catalogue.codes_for_categories(categories):
        change.add(code)
    for unit in units:
        if unit.category in categories:
            continue
        ref = pupil_items.ItemRef.parse(unit.key)
        obj = pupil_items.find(pupil, ref)
        for code in catalogue.codes_for_correction(ref.target, ref.field or "", obj):
            change.add(code, unit.item_date, (unit.key, unit.label))
    return change


def _erase(pupil: Pupil, categories, acting_user: User | None, *, item_keys=(), declared_by=None):
    """Erase whole categories and single items, each through the app that owns it, in the
    caller's transaction.

    What the requests app holds follows: copies of the child's file are withdrawn, and
    corrections proposed for erased data lose their values. Returns the rows erased per
    model (for the ledger) and how many per category.
    """
    erased: dict[str, list[int]] = {}
    counts: dict[str, int] = {}
    parts = []
    for category in retention.ORDER:
        if category not in categories:
            continue
        if category == ErasureCategory.CONSENTS:
            part = consent_services.pupil_consents_erase(pupil=pupil, acting_user=acting_user)
        else:
            part = pupil_services.pupil_data_erase(
                pupil=pupil,
                categories=[category],
                acting_user=acting_user,
                declared_by=declared_by,
            )
        counts[category] = sum(len(ids) for ids in part.values())
        parts.append(part)
    if item_keys:
        parts.append(
            pupil_services.pupil_data_erase(
                pupil=pupil, item_keys=item_keys, acting_user=acting_user
            )
        )
    for part in parts:
        for label, ids in part.items():
            erased.setdefault(label, []).extend(ids)
    if erased:
        _erase_request_contents(
            pupil, erased, everything=ErasureCategory.ADMINISTRATION in categories
        )
    return erased, counts


def _copy_again(copy: AccessCopy) -> AccessCopy:
    """Withdraw a copy made before data was deleted, and make a new one; the requester is
    told why, and hears again when the new copy is ready."""
    from .tasks import build_copy

    request = copy.request
    new = AccessCopy.objects.create(request=request)
    message = _say(
        request.requester,
        lambda: _(
            "data was deleted after your copy was made, so that copy has been withdrawn. A new "
            "copy of what the school holds now is being made; you will hear when it is ready."
        ),
    )
    _event(request, RequestEvent.Kind.COPY, note=message, to_requester=True)
    _tell_requester(request, message)
    enqueue_on_commit(build_copy, new.pk)
    return new


#: Which model a correction's target is, to match it with the rows an erasure removed.
_TARGET_MODELS = {target: spec.model._meta.label for target, spec in corrections.TARGETS.items()}


def _erase_request_contents(pupil: Pupil, erased: dict, *, everything: bool) -> None:
    """The requests about the pupil lose what an erasure took from the dossier.

    Every copy of the child's file is withdrawn (it holds the erased data); one not yet
    downloaded is made again. Corrections proposed for erased data lose their values;
    with the administration, every request loses its contents (explanation, answer,
    notes), keeping only the facts: kind, dates, status, who handled it; the proof the
    school answered in time.
    """
    copies_of_pupil = AccessCopy.objects.filter(request__pupil=pupil, content__isnull=False)
    for copy in copies_of_pupil.select_related("request__requester", "request__school"):
        copy.content = None
        copy.status = AccessCopy.Status.EXPIRED
        copy.save(update_fields=["content", "status"])
        if copy.downloads == 0 and not everything and still_entitled(copy.request):
            # Not downloaded yet: the parent still gets a copy, of what the school holds now.
            _copy_again(copy)
    gone = {(label, row) for label, ids in erased.items() for row in ids}
    for item in RectificationItem.objects.filter(request__pupil=pupil):
        model = _TARGET_MODELS.get(item.target)
        if (
            everything
            or (model, item.target_id) in gone
            or (f"{model}.{item.field}", item.target_id) in gone
        ):
            item.proposed_value = ""
            item.statement = ""
            item.save(update_fields=["proposed_value", "statement"])
    if not everything:
        return
    for request in DataRequest.objects.filter(pupil=pupil):
        request.explanation = ""
        request.answer = ""
        request.save(update_fields=["explanation", "answer"])
        for event in request.events.all():
            event.note = ""
            event.save(update_fields=["note"])


# --- Restriction (Art. 18) and objection (Art. 21) --------------------------------------------


@transaction.atomic
def restriction_decide(
    *, request: DataRequest, grant: bool, categories, reason: str, acting_user: User
) -> DataRequest:
    """Grant a restriction (staff then neither see nor share the data) or refuse it."""
    request = _lock(request)
    _require_handler(acting_user, request)
    workflow.require(request, "decide")
    if request.kind != Kind.RESTRICTION:
        raise ValidationError(_("This request cannot be decided this way."))
    if not grant:
        return request_refuse(request=request, reasons=reason, acting_user=acting_user)
    categories = sorted(set(categories) or set(request.categories))
    reason = _reason(reason)
    _start(request, acting_user)
    # The stop of the intake makes way for the decided restriction.
    _lift_pending_holds(request, acting_user, reason)
    pupil_services.hold_place(
        pupil=request.pupil,
        kind=ProcessingHold.Kind.RESTRICTION,
        categories=categories,
        reason=reason,
        acting_user=acting_user,
        reference=request.reference,
    )
    request.answer = reason
    request.save(update_fields=["answer"])
    _event(request, RequestEvent.Kind.DECISION, by=acting_user, note=reason, to_requester=True)
    notices = _create_notices(
        request, [Change("restrict", dict.fromkeys(catalogue.codes_for_categories(categories)))]
    )
    message = _say(
        request.requester,
        lambda: _("the school restricts the use of the data; it is only stored from now on."),
    )
    _finish(request, acting_user, notices, message)
    return request


@transaction.atomic
def objection_decide(
    *, request: DataRequest, uphold: bool, reason: str, acting_user: User
) -> DataRequest:
    """Uphold the objection (processing stays stopped) or reject it with compelling grounds."""
    request = _lock(request)
    _require_handler(acting_user, request)
    workflow.require(request, "decide")
    if request.kind != Kind.OBJECTION:
        raise ValidationError(_("This request cannot be decided this way."))
    if not uphold:
        return request_refuse(request=request, reasons=reason, acting_user=acting_user)
    reason = _reason(reason)
    _start(request, acting_user)
    request.answer = reason
    request.save(update_fields=["answer"])
    _event(request, RequestEvent.Kind.DECISION, by=acting_user, note=reason, to_requester=True)
    notices = _create_notices(
        request,
        [Change("restrict", dict.fromkeys(catalogue.codes_for_categories(request.categories)))],
    )
    message = _say(
        request.requester,
        lambda: _("the school grants the objection: the processing stays stopped."),
    )
    _finish(request, acting_user, notices, message)
    return request


def _lift_pending_holds(request: DataRequest, acting_user: User, reason: str) -> None:
    """End the stop an objection or a restriction request put on the data at intake."""
    for hold in ProcessingHold.objects.filter(
        pupil=request.pupil,
        kind__in=[ProcessingHold.Kind.OBJECTION, ProcessingHold.Kind.RESTRICTION],
        reference=request.reference,
        lifted_at__isnull=True,
    ):
        pupil_services.hold_lift(hold=hold, reason=reason, acting_user=acting_user)


# --- Who received the data (Art. 15(1)(c), 19) ------------------------------------------------


@transaction.atomic
def recipients_answer(*, request: DataRequest, acting_user: User) -> DataRequest:
    """Answer with the current list of who receives which data, kept with the request."""
    request = _lock(request)
    _require_handler(acting_user, request)
    workflow.require(request, "recipients")
    _start(request, acting_user)
    with translation.override(request.requester.language):
        receivers = supplier_selectors.pupil_receivers(pupil=request.pupil)
        request.answer_data = {
            "day": timezone.localdate().isoformat(),
            "receivers": [
                {
                    "name": r.name,
                    "kind": r.kind,
                    "fields": r.field_labels,
                    "periods": [
                        {
                            "field": p.label,
                            "since": p.since.isoformat(),
                            "until": p.until.isoformat() if p.until else "",
                        }
                        for p in r.field_periods
                    ],
                    "withheld": r.withheld_labels,
                    "since": r.since.isoformat() if r.since else "",
                    "leaflet": r.leaflet_url,
                    "legal_basis": r.legal_basis,
                }
                for r in receivers
            ],
        }
    request.save(update_fields=["answer_data"])
    _complete(
        request,
        acting_user,
        _say(request.requester, lambda: _("the list of who receives the data is in the portal.")),
    )
    return request


# --- Access and portability (Art. 15, 20): the copy -------------------------------------------


@transaction.atomic
def copy_prepare(*, request: DataRequest, acting_user: User) -> AccessCopy:
    """Have the complete copy made (by a worker); the parent is told when it is ready."""
    request = _lock(request)
    _require_handler(acting_user, request)
    workflow.require(request, "copy")
    building = request.copies.filter(status=AccessCopy.Status.BUILDING).first()
    if building is not None:
        from .tasks import build_copy

        enqueue_on_commit(build_copy, building.pk)  # once more, to be sure
        return building
    _start(request, acting_user)
    copy = AccessCopy.objects.create(request=request)
    _event(request, RequestEvent.Kind.COPY, by=acting_user)
    from .tasks import build_copy

    enqueue_on_commit(build_copy, copy.pk)
    return copy


def copy_build(*, copy_id: int, unless_busy: bool = False) -> bool:
    """Make the copy, seal it, and answer the request. Running it twice makes one copy.

    *unless_busy*: a copy another worker is making now is left to it (the sweep).
    """
    with transaction.atomic():
        copy = (
            AccessCopy.objects.select_for_update(of=("self",), skip_locked=unless_busy)
            .select_related("request__pupil__school", "request__requester", "request__board")
            .filter(pk=copy_id)
            .first()
        )
        if copy is None or copy.status != AccessCopy.Status.BUILDING:
            return False
        request = _lock(copy.request)
        if not still_entitled(request):
            # Custody changed, or the pupil turned 16, since the request: no copy for them.
            copy.status = AccessCopy.Status.EXPIRED
            copy.save(update_fields=["status"])
            with translation.override(settings.LANGUAGE_CODE):
                _event(
                    request,
                    RequestEvent.Kind.COPY,
                    note=_(
                        "No copy was made: the requester no longer acts for the pupil "
                        "(parental authority, or the pupil is 16 now). Decide the request."
                    ),
                )
            return False
        payload, redactions = copies.build(request)
        copy.content = base64.b64encode(payload).decode("ascii")
        copy.size = len(payload)
        copy.sha256 = hashlib.sha256(payload).hexdigest()
        copy.redactions = redactions
        copy.status = AccessCopy.Status.READY
        copy.ready_at = timezone.now()
        copy.expires_at = copy.ready_at + datetime.timedelta(days=COPY_DAYS)
        copy.save()
        audit.log_access(
            actor=request.handler,
            obj=request.pupil,
            what="copy",
            details={
                "request": request.reference,
                "left_out": ", ".join(f"{k}={v}" for k, v in sorted(redactions.items())) or "-",
            },
        )
        ready = _say(
            request.requester,
            lambda: (
                _("the copy is ready. Download it in the portal before %(date)s.")
                % {"date": timezone.localtime(copy.expires_at).strftime("%d-%m-%Y")}
            ),
        )
        if request.status in OPEN_STATUSES:
            _complete(request, request.handler, ready)
        else:
            _tell_requester(request, ready)  # a new copy, after data was deleted
    return True


def still_entitled(request: DataRequest) -> bool:
    """Whether the requester still acts for the pupil today (authority; the pupil from 16)."""
    try:
        requester_role(request.pupil, request.requester)
    except ValidationError:
        return False
    return True


class CopyUnavailable(Exception):
    """The copy cannot be downloaded: not the requester's, not ready, expired, or the
    requester no longer acts for the pupil."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def copy_for_download(*, uid, user: User) -> AccessCopy:
    """The copy behind a download link, if *user* asked for it; CopyUnavailable otherwise."""
    try:
        copy = AccessCopy.objects.select_related("request__pupil").get(uid=uid)
    except (AccessCopy.DoesNotExist, ValidationError, ValueError):
        raise CopyUnavailable("not_yours") from None
    if copy.request.requester_id != user.pk:
        raise CopyUnavailable("not_yours")
    if copy.status == AccessCopy.Status.BUILDING:
        raise CopyUnavailable("not_ready")
    if (
        copy.status != AccessCopy.Status.READY
        or copy.content is None
        or copy.expires_at <= timezone.now()
    ):
        raise CopyUnavailable("expired")
    if not still_entitled(copy.request):
        raise CopyUnavailable("no_longer")
    return copy


@transaction.atomic
def copy_download(*, copy: AccessCopy, user: User) -> tuple[str, bytes]:
    """The ZIP for its requester, counted and logged; (file name, bytes)."""
    AccessCopy.objects.select_for_update().filter(pk=copy.pk).first()  # lock, then check
    copy = copy_for_download(uid=copy.uid, user=user)
    payload = base64.b64decode(copy.content)
    copy.downloads += 1
    copy.last_downloaded_at = timezone.now()
    copy.save(update_fields=["downloads", "last_downloaded_at"])
    audit.log_access(
        actor=user,
        obj=copy.request.pupil,
        what="copy:download",
        details={"request": copy.request.reference},
    )
    return f"{copy.request.reference}.zip", payload


#: Work a task should have done by now; the sweep does it itself (the queue may have lost it,
#: or the worker died with it). The sweep runs every minute (schoolprivacy/celery.py), so a
#: parent's copy caught by a killed worker is made again within three minutes; one that a
#: worker is still making is left to it.
STALE_AFTER = datetime.timedelta(minutes=2)


def stale_work_resume(*, now=None) -> int:
    """Make the copies and send the notices whose task never ran (a worker died, Redis came
    back empty): the work is in PostgreSQL, so the sweep finds it. Returns how many.
    """
    before = (now or timezone.now()) - STALE_AFTER
    done = 0
    for copy_id in AccessCopy.objects.filter(
        status=AccessCopy.Status.BUILDING, created_at__lt=before
    ).values_list("pk", flat=True):
        done += copy_build(copy_id=copy_id, unless_busy=True)
    for notice_id in RecipientNotice.objects.filter(
        status=RecipientNotice.Status.PENDING, supplier__isnull=False, created_at__lt=before
    ).values_list("pk", flat=True):
        done += recipient_notice_send(notice_id=notice_id)
    return done


def copies_expire(*, now=None) -> int:
    """Remove the content of every copy past its date; returns how many."""
    now = now or timezone.now()
    expired = 0
    for copy in AccessCopy.objects.filter(status=AccessCopy.Status.READY, expires_at__lte=now):
        copy.content = None
        copy.status = AccessCopy.Status.EXPIRED
        copy.save(update_fields=["content", "status"])
        expired += 1
    return expired


# --- Deadlines: the sweep ---------------------------------------------------------------------

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


def _due_reminders(request: DataRequest, today: datetime.date) -> list[tuple[str, datetime.date]]:
    """The (kind, due date) messages this request has reached today, least urgent first.

    An answered request still informing its recipients is past its deadline: only a
    reminder that the recipients are still to be told, once, NOTICES_DAYS on.
    """
    if request.status == Status.NOTIFYING:
        answered = timezone.localdate(request.answered_at) if request.answered_at else today
        if (today - answered).days >= NOTICES_DAYS:
            return [(Reminder.Kind.NOTICES_OPEN, request.due_on)]
        return []
    days_left = (request.due_on - today).days
    reached = []
    until_first = (request.first_due_on - today).days
    if request.extended_at is None and 0 <= until_first <= EXTENSION_WARNING_DAYS:
        reached.append((Reminder.Kind.EXTENSION, request.first_due_on))
    if days_left <= 7:
        reached.append((Reminder.Kind.DUE_IN_7, request.due_on))
    if days_left <= 2:
        reached.append((Reminder.Kind.DUE_IN_2, request.due_on))
    if days_left < 0:
        reached.append((Reminder.Kind.OVERDUE, request.due_on))
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
    for request in batch:
        missing = [
            (kind, due)
            for kind, due in _due_reminders(request, today)
            if (request.pk, kind, due) not in sent_before
        ]
        if not missing:
            continue
        deadline_kinds = [m for m in missing if m[0] != Reminder.Kind.EXTENSION]
        send = [m for m in missing if m[0] == Reminder.Kind.EXTENSION] + deadline_kinds[-1:]
        for kind, due in missing:
            superseded = (kind, due) not in send
            rows.append(Reminder(request=request, kind=kind, due_on=due, superseded=superseded))
            if superseded:
                report.superseded += 1
            else:
                plans.append((request, kind, due))
    if not rows:
        return
    people = _people_to_remind(batch)
    messages = []
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for request, kind, due in plans:
        recipients = list(people["handlers"].get(request.pk, []))
        if kind == Reminder.Kind.OVERDUE:
            recipients += [
                p for p in people["officers"].get(request.board_id, []) if p not in recipients
            ]
        path = _staff_path(request)
        for person in recipients:
            with translation.override(person.language):
                subject, text = _reminder_text(request, kind, due, today)
            messages.append((person, subject, text, path))
            counts[(request.pk, kind)] += 1
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
    for membership in BoardMembership.objects.filter(
        board_id__in={r.board_id for r in batch},
        role=BoardRole.PRIVACY_OFFICER,
        user__is_active=True,
    ).select_related("user"):
        officers[membership.board_id].append(membership.user)
    handlers = {}
    for r in batch:
        school_id = r.pupil.school_id
        if r.handler_id and r.handler.is_active and r.handler_id in may_handle[school_id]:
            handlers[r.pk] = [r.handler]
        else:
            handlers[r.pk] = routed[school_id] or officers[r.board_id]
    return {"handlers": handlers, "officers": officers}


def _reminder_text(request: DataRequest, kind: str, due: datetime.date, today) -> tuple[str, str]:
    """Subject and message of a reminder, in the active language; no personal data in it."""
    days = (due - today).days
    values = {
        "reference": request.reference,
        "kind": Kind(request.kind).label,  # get_kind_display, without its per-call hashing
        "school": request.school.name,
        "due": due.strftime("%d-%m-%Y"),
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


# --- Retention: the daily sweep ---------------------------------------------------------------


def _has_rows(model, **extra):
    return Exists(model.objects.filter(pupil_id=OuterRef("pk"), **extra))


def _candidates(category: str, today: datetime.date):
    """Pupils whose *category* is past its period and still holds data (indexed by leave date)."""
    pupils = Pupil.objects.filter(
        left_on__isnull=False, left_on__lte=retention.cutoff(category, today)
    )
    if category == ErasureCategory.ADMINISTRATION:
        return pupils.filter(anonymised_at__isnull=True)
    if category == ErasureCategory.DOSSIER:
        return pupils.filter(
            _has_rows(Agreement)
            | _has_rows(TestResult)
            | Exists(Note.objects.filter(pupil_id=OuterRef("pk")).exclude(kind=Note.Kind.REFERRAL))
        )
    if category == ErasureCategory.REFERRAL:
        return pupils.filter(_has_rows(Note, kind=Note.Kind.REFERRAL))
    if category == ErasureCategory.SPECIAL:
        return pupils.filter(
            _has_rows(SpecialRecord) | _has_rows(EmergencyAccess) | _has_rows(RestrictedAccess)
        )
    if category == ErasureCategory.DECLARATION:
        return pupils.filter(_has_rows(ParentDeclaration))
    return pupils.filter(
        _has_rows(ConsentDecision)
        | _has_rows(ConsentEvent)
        | _has_rows(Takedown)
        | _has_rows(ConsentRequest)
    )


def _blocked():
    """A legal hold, or an open request (the data must stay while a request is answered)."""
    return Exists(
        ProcessingHold.objects.filter(
            pupil_id=OuterRef("pk"), kind=ProcessingHold.Kind.LEGAL_HOLD, lifted_at__isnull=True
        )
    ) | Exists(DataRequest.objects.filter(pupil_id=OuterRef("pk"), status__in=OPEN_STATUSES))


def retention_sweep(*, today: datetime.date | None = None) -> list[RetentionRun]:
    """Delete or anonymise what is past its retention period; a legal hold stops it.

    Per board and day one report of counts (never contents) for the privacy
    officer. Idempotent: what is gone is not found again, so a second run the same
    day removes nothing more.
    """
    today = today or timezone.localdate()
    due: dict[int, set[str]] = defaultdict(set)
    boards: dict[int, int] = {}
    held: dict[int, set[int]] = defaultdict(set)
    for category in retention.ORDER:
        candidates = _candidates(category, today).annotate(blocked=_blocked())
        for pupil_id, board_id, left_on, blocked in candidates.values_list(
            "pk", "board_id", "left_on", "blocked"
        ):
            if retention.add_years(left_on, retention.RULES[category].years) >= today:
                continue
            boards[pupil_id] = board_id
            if blocked:
                held[board_id].add(pupil_id)
            else:
                due[pupil_id].add(category)
    for board_id in set(boards.values()):
        run, _created = RetentionRun.objects.get_or_create(board_id=board_id, ran_on=today)
        run.held = len(held.get(board_id, ()))
        run.save(update_fields=["held", "finished_at"])
    pupil_ids = sorted(due)
    for pupil_id in pupil_ids:
        _retention_erase(pupil_id, due[pupil_id], today)
    if pupil_ids:
        logger.info("Retention sweep %s: %d pupils", today, len(pupil_ids))
    return list(RetentionRun.objects.filter(ran_on=today, board_id__in=set(boards.values())))


@transaction.atomic
def _retention_erase(pupil_id: int, categories: set[str], today: datetime.date) -> None:
    """Erase one pupil's expired data and count it in the day's report, in one transaction.

    What blocks it (a legal hold, an open request) is checked again under the pupil's lock.
    """
    pupil = (
        Pupil.objects.select_for_update(skip_locked=True)
        .filter(pk=pupil_id)
        .annotate(blocked=_blocked())
        .first()
    )
    if pupil is None or pupil.blocked:
        return
    erased, counts = _erase(pupil, categories, None)
    if not erased:
        return
    _ledger(
        ErasureRecord.objects.create(
            pupil=pupil,
            source=ErasureRecord.Source.RETENTION,
            categories=sorted(categories),
            erased=erased,
        )
    )
    run = RetentionRun.objects.select_for_update().get(board_id=pupil.board_id, ran_on=today)
    run.pupils += 1
    for category, n in counts.items():
        run.counts[category] = run.counts.get(category, 0) + n
    run.save(update_fields=["pupils", "counts", "finished_at"])


# --- The erasure ledger, kept apart from the database (requests/ledger.py) -----------------


def _ledger(record: ErasureRecord) -> None:
    """Write the erasure to the ledger file once it is committed (the sweep retries)."""
    transaction.on_commit(lambda: ledger_write(record_id=record.pk), robust=True)


def erasure_of_voluntary_data(*, pupil: Pupil, erased: dict, by: User | None) -> ErasureRecord:
    """Keep the erasure of data whose explicit consent ended (pupils.voluntary) in the
    ledger, so that a restored backup does not bring it back."""
    record = ErasureRecord.objects.create(
        pupil=pupil, source=ErasureRecord.Source.CONSENT, categories=[], erased=erased, by=by
    )
    _ledger(record)
    return record


def ledger_write(*, record_id: int) -> bool:
    """Append one erasure to the ledger file, once."""
    with transaction.atomic():
        record = (
            ErasureRecord.objects.select_for_update(of=("self",))
            .select_related("pupil")
            .filter(pk=record_id, ledgered_at__isnull=True)
            .first()
        )
        if record is None:
            return False
        ledger.append(record)
        record.ledgered_at = timezone.now()
        record.save(update_fields=["ledgered_at"])
    return True


def ledger_catch_up() -> int:
    """Write the erasures whose line is not in the ledger yet (a crash right after a commit)."""
    pending = ErasureRecord.objects.filter(ledgered_at__isnull=True).values_list("pk", flat=True)
    return sum(ledger_write(record_id=pk) for pk in pending)


@dataclass
class ReapplyReport:
    erased_again: int = 0
    already_applied: int = 0
    pupil_gone: int = 0
    held: int = 0
    dry_run: bool = False


def erasures_reapply(*, dry_run: bool = False) -> ReapplyReport:
    """After restoring a backup: erase again what the ledger says was erased after it.

    An erasure the database already knows (by its key) is skipped; one whose pupil is not
    in the restored database has nothing to erase; a legal hold in the restored data is
    reported and left for a person to decide.
    """
    report = ReapplyReport(dry_run=dry_run)
    known = {str(key) for key in ErasureRecord.objects.values_list("key", flat=True)}
    for entry in ledger.entries():
        if entry["key"] in known:
            report.already_applied += 1
            continue
        pupil = Pupil.objects.filter(pk=entry["pupil"], uid=entry["pupil_uid"]).first()
        if pupil is None:
            report.pupil_gone += 1
            continue
        if pupil_services.under_legal_hold(pupil):
            report.held += 1
            continue
        report.erased_again += 1
        if dry_run:
            continue
        with transaction.atomic():
            erased, _counts = _erase(
                pupil,
                set(entry["categories"]),
                None,
                item_keys=_item_keys_of(entry["erased"]),
            )
            ErasureRecord.objects.create(
                key=entry["key"],
                pupil=pupil,
                source=ErasureRecord.Source.REAPPLIED,
                categories=entry["categories"],
                erased=erased,
                ledgered_at=timezone.now(),  # its line is the one it came from
            )
        known.add(entry["key"])
    return report


def _item_keys_of(erased: dict) -> list[str]:
    """The dossier items an erasure took (pupils.items keys), from its ledger line: every
    entry and record deleted and every field emptied. (Rows its whole categories took
    again are gone already when these follow: asking for them again changes nothing.)"""
    targets = {label: target for target, label in _TARGET_MODELS.items()}
    keys = []
    for label, ids in erased.items():
        app, model, *field_name = label.split(".")
        target = targets.get(f"{app}.{model}")
        if target is None or (target == "pupil" and not field_name):
            continue  # not a dossier item (consents, placements, the anonymised pupil)
        suffix = f":{field_name[0]}" if field_name else ""
        keys += [f"{target}:{pk}{suffix}" for pk in ids]
    return keys


# --- Settings: routing, extra holidays, legal holds -------------------------------------------


@transaction.atomic
def routing_save(*, school, roles, acting_user: User) -> SchoolRouting:
    """Set who handles the school's requests (director, team leader, or both)."""
    roles = sorted(set(roles))
    allowed = {value for value, _label in SchoolRouting.HANDLER_ROLES}
    if not roles or set(roles) - allowed:
        raise ValidationError({"roles": _("Choose who handles the requests.")})
    with set_actor(acting_user):
        routing, _created = SchoolRouting.objects.update_or_create(
            school=school, defaults={"handler_roles": roles}
        )
    return routing


@transaction.atomic
def holiday_add(*, board, day: datetime.date, name: str, acting_user: User) -> BoardHoliday:
    """A day the board adds to the holidays; requests received later count it."""
    if BoardHoliday.objects.filter(board=board, day=day).exists():
        raise ValidationError({"day": _("This day is already a holiday of the board.")})
    with set_actor(acting_user):
        return BoardHoliday.objects.create(board=board, day=day, name=name.strip())


def request_of_hold(hold: ProcessingHold) -> DataRequest | None:
    """The request that placed *hold* (its reference), if one did."""
    number = hold.reference.rsplit("-", 1)[-1] if hold.reference.startswith("AVG-") else ""
    if not number.isdigit():
        return None
    request = DataRequest.objects.filter(pk=int(number), pupil_id=hold.pupil_id).first()
    return request if request is not None and request.reference == hold.reference else None


@transaction.atomic
def holiday_remove(*, holiday: BoardHoliday, acting_user: User) -> None:
    """Take a day off the board's holidays; deadlines already set stay as they are."""
    with set_actor(acting_user):
        holiday.delete()


@transaction.atomic
def restriction_lift(*, hold: ProcessingHold, reason: str, acting_user: User) -> ProcessingHold:
    """End a restriction or an objection stop, and tell the parent who asked for it first
    (GDPR Art. 18(3)); the lift is recorded on the request.
    """
    if hold.kind not in (ProcessingHold.Kind.RESTRICTION, ProcessingHold.Kind.OBJECTION):
        raise ValidationError(_("Only a restriction or an objection is lifted here."))
    reason = _reason(reason)
    request = request_of_hold(hold)
    lifted = pupil_services.hold_lift(hold=hold, reason=reason, acting_user=acting_user)
    if request is not None:
        request = _lock(request)
        _event(request, RequestEvent.Kind.DECISION, by=acting_user, note=reason, to_requester=True)
        _tell_requester(
            request,
            _say(
                request.requester,
                lambda: _(
                    "the school lifts the restriction of the use of the data. "
                    "Why is explained in the portal."
                ),
            ),
        )
    return lifted


@transaction.atomic
def legal_hold_place(*, pupil: Pupil, reason: str, acting_user: User) -> ProcessingHold:
    """Stop every deletion of the pupil's data (a dispute, an investigation)."""
    reason = _reason(reason)
    return pupil_services.hold_place(
        pupil=pupil,
        kind=ProcessingHold.Kind.LEGAL_HOLD,
        categories=DataCategory.values,
        reason=reason,
        acting_user=acting_user,
    )


@transaction.atomic
def legal_hold_lift(*, hold: ProcessingHold, reason: str, acting_user: User) -> ProcessingHold:
    if hold.kind != ProcessingHold.Kind.LEGAL_HOLD:
        raise ValidationError(_("Only a legal hold is lifted here."))
    return pupil_services.hold_lift(hold=hold, reason=_reason(reason), acting_user=acting_user)
