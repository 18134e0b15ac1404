"""Which step a request allows, and when: each rule decided here, once.

The services enforce a rule with :func:`require` (under the request's row lock); the
views and templates offer a step only where :func:`may` (or :func:`steps`) allows it.
So a page never shows a form that its service would refuse.

Steps: ``start`` (take it up), ``note``, ``extend``, ``refuse``, ``withdraw`` (by the
requester), and the decision of each kind of request: ``rectification``, ``erasure``,
``decide`` (restriction, objection), ``copy`` (access, portability), ``recipients``.
"""

import datetime
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .kinds import KINDS
from .models import OPEN_STATUSES, UNDECIDED_STATUSES, DataRequest

Kind = DataRequest.Kind
Status = DataRequest.Status

#: The step that answers each kind of request (requests/kinds.py).
DECISION_STEP = {kind: spec.decision for kind, spec in KINDS.items()}


def _undecided(request: DataRequest) -> bool:
    return request.status in UNDECIDED_STATUSES


def _extendable(request: DataRequest, today: datetime.date) -> bool:
    return _undecided(request) and request.extended_at is None and today <= request.first_due_on


def _decision(step: str) -> Callable[[DataRequest, datetime.date], bool]:
    return lambda request, today: _undecided(request) and DECISION_STEP[request.kind] == step


RULES: dict[str, Callable[[DataRequest, datetime.date], bool]] = {
    "start": lambda request, today: request.status == Status.RECEIVED,
    "note": lambda request, today: request.status in OPEN_STATUSES,
    "extend": _extendable,
    "refuse": lambda request, today: _undecided(request),
    "withdraw": lambda request, today: _undecided(request),
    **{step: _decision(step) for step in set(DECISION_STEP.values())},
}


def may(request: DataRequest, step: str, today: datetime.date | None = None) -> bool:
    """Whether *step* is possible on *request* now."""
    return RULES[step](request, today or timezone.localdate())


def steps(request: DataRequest, today: datetime.date | None = None) -> frozenset[str]:
    """Every step possible on *request* now (for a page)."""
    today = today or timezone.localdate()
    return frozenset(step for step, rule in RULES.items() if rule(request, today))


def _why_not(request: DataRequest, step: str, today: datetime.date) -> str:
    if step == "extend" and _undecided(request):
        if request.extended_at is not None:
            return _("The deadline of this request has already been extended.")
        return _(
            "The first deadline (%(due)s) has passed: an extension had to be decided and "
            "told to the parent before it."
        ) % {"due": formats.date_format(request.first_due_on)}
    if step == "withdraw" and request.status == Status.NOTIFYING:
        return _("The school has already decided; the request can no longer be withdrawn.")
    if not _undecided(request):
        return _("This request has been answered already.")
    return _("This request cannot be decided this way.")


def require(request: DataRequest, step: str, today: datetime.date | None = None) -> None:
    """ValidationError, with the reason in the user's language, unless *step* is possible."""
    today = today or timezone.localdate()
    if not RULES[step](request, today):
        raise ValidationError(_why_not(request, step, today), code="step")
