"""Intake: a request taken in, from the portal or recorded by a handler."""

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from auditlog.context import set_actor
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from pupils import corrections
from pupils import items as pupil_items
from pupils import services as pupil_services
from pupils.models import Pupil
from schoolprivacy.models import User

from .. import deadlines
from ..kinds import KINDS
from ..models import (
    OPEN_STATUSES,
    UNDECIDED_STATUSES,
    DataRequest,
    ErasureCategory,
    ErasureItem,
    RectificationItem,
    RequestEvent,
)
from ..permissions import handler_schools, requester_role
from ._common import (
    Kind,
    Status,
    _event,
    _lock,
    _say,
    _tell_handlers,
    _tell_requester,
    extra_holidays,
)

#: The categories a parent can name for each kind of request.
CATEGORY_KINDS = tuple(kind for kind, spec in KINDS.items() if spec.categories)


class AlreadyOpen(ValidationError):
    """The same person asked the same again while the first request is still open."""

    def __init__(self, data_request: DataRequest):
        self.data_request = data_request
        super().__init__(
            _(
                "You already asked this on %(date)s (%(reference)s). The school answers by "
                "%(due)s; you can follow it under My requests."
            )
            % {
                "date": formats.date_format(data_request.received_on),
                "reference": data_request.reference,
                "due": formats.date_format(data_request.due_on),
            },
            code="already_open",
        )


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


def _new_item(data_request: DataRequest, item: ItemProposal) -> RectificationItem:
    return RectificationItem.objects.create(
        request=data_request,
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
    items: Sequence[ItemProposal] = (),
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
    spec = KINDS[kind]
    erase_items = _erasure_items(pupil, item_keys) if spec.items else []
    if spec.categories:
        allowed = {code for code, _label in spec.categories}
        if (not categories and not erase_items) or set(categories) - allowed:
            raise ValidationError({"categories": _("Choose which data this is about.")})
        if kind == Kind.ERASURE and ErasureCategory.ADMINISTRATION in categories:
            # Without the administration the pupil is gone: the request is about everything.
            categories = sorted(ErasureCategory.values)
        erase_items = [found for found in erase_items if found.category not in categories]
    else:
        categories = []
    items = list(items)
    if spec.corrections:
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
        if not spec.corrections:
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
    data_request = DataRequest(
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
    data_request.due_on = data_request.first_due_on
    try:
        with transaction.atomic(), set_actor(acting_user):
            data_request.full_clean(
                exclude=["pupil", "requester", "recorded_by", "board", "school"]
            )
            data_request.save()
    except IntegrityError:
        # The same submission, or the same request, arrived at the same moment (two tabs):
        # the other one is committed now. A correction of another field joins it.
        other = (
            DataRequest.objects.select_for_update()
            .filter(pupil=pupil, kind=kind, requester=requester, status__in=UNDECIDED_STATUSES)
            .order_by("extended_at", "pk")
            .first()
        )
        if other is not None and spec.corrections and other.extended_at is None:
            return _join_correction(other, items, acting_user)
        raise AlreadyOpen(
            other or DataRequest.objects.get(submission=data_request.submission)
        ) from None
    for item in items:
        _new_item(data_request, item)
    if spec.items:
        with set_actor(acting_user):
            for category in categories:
                ErasureItem.objects.create(request=data_request, key=category, category=category)
            for found in erase_items:
                ErasureItem.objects.create(
                    request=data_request,
                    key=found.key,
                    category=found.category,
                    item_kind=found.kind,
                    item_date=found.day,
                )
    _event(
        data_request,
        RequestEvent.Kind.RECEIVED,
        by=acting_user,
        to_status=Status.RECEIVED,
        to_requester=True,
    )
    if spec.hold:
        # An objection and a restriction stop the use at once: an objection until the
        # school decides (Art. 21(1)), a restriction while the school checks what the
        # parent contests (Art. 18(1)).
        pupil_services.hold_place(
            pupil=pupil,
            kind=spec.hold,
            categories=categories,
            reason=_pending_hold_reason(data_request),
            acting_user=acting_user,
            reference=data_request.reference,
        )
    _tell_requester(
        data_request,
        _say(
            requester,
            lambda: (
                _("received on %(date)s. The school answers by %(due)s at the latest.")
                % {
                    "date": formats.date_format(data_request.received_on),
                    "due": formats.date_format(data_request.due_on),
                }
            ),
        ),
    )
    _tell_handlers(
        data_request,
        lambda: (
            _("New request %(reference)s (%(kind)s) at %(school)s; answer by %(due)s.")
            % {
                "reference": data_request.reference,
                "kind": data_request.get_kind_display(),
                "school": data_request.school.name,
                "due": formats.date_format(data_request.due_on),
            }
        ),
        lambda: _("A new request from a parent"),
    )
    return data_request


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


def _pending_hold_reason(data_request: DataRequest) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("Request %(reference)s: the use stops until the school decides.") % {
            "reference": data_request.reference
        }


def _join_correction(data_request, items, acting_user) -> DataRequest:
    """A second wrong field joins the open correction request; the same field twice does not."""
    data_request = _lock(data_request)
    for item in items:
        if data_request.items.filter(
            target=item.target, target_id=item.target_id, field=item.field
        ).exists():
            raise AlreadyOpen(data_request)
        _new_item(data_request, item)
    _event(
        data_request,
        RequestEvent.Kind.NOTE,
        by=acting_user,
        note=_say(data_request.requester, lambda: _("Another field was added to this request.")),
    )
    data_request.joined = True
    return data_request
