"""Retention: the daily sweep that deletes what is past its period, with one report
of counts per board and day.
"""

import datetime
import functools
import logging
import operator
import time
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from pupils.models import ProcessingHold, Pupil
from schoolprivacy import personal_data

from .. import retention
from ..models import OPEN_STATUSES, DataRequest, ErasureRecord, RetentionRun
from .audit_retention import audit_log_prune
from .erasing import _erase
from .erasure_ledger import _ledger

logger = logging.getLogger(__name__)


def _candidates(category: str, today: datetime.date):
    """Pupils whose *category* is past its period and still holds data (indexed by leave date).

    What the category holds is what the registry of personal data says it holds
    (schoolprivacy/personal_data.py): a pupil is a candidate while any of it is left.
    """
    held = [
        Exists(holding.of_pupil(OuterRef("pk")))
        for holding in personal_data.holdings(retention=category)
        if holding.pupil is not None
        and holding.erasure in (personal_data.Erasure.DELETE, personal_data.Erasure.ANONYMISE)
    ]
    return Pupil.objects.filter(
        functools.reduce(operator.or_, held),
        left_on__isnull=False,
        left_on__lte=retention.cutoff(category, today),
    )


def _blocked():
    """A legal hold, or an open request (the data must stay while a request is answered)."""
    return Exists(
        ProcessingHold.objects.filter(
            pupil_id=OuterRef("pk"), kind=ProcessingHold.Kind.LEGAL_HOLD, lifted_at__isnull=True
        )
    ) | Exists(DataRequest.objects.filter(pupil_id=OuterRef("pk"), status__in=OPEN_STATUSES))


@dataclass
class Sweep:
    """What one run of the sweep did: the day's reports of the boards it found work at,
    and, where its time ran out, the last pupil it handled (the next run goes on after)."""

    runs: list[RetentionRun]
    resume_after: int | None = None


def retention_sweep(
    *, today: datetime.date | None = None, after: int = 0, seconds: float | None = None
) -> Sweep:
    """Delete or anonymise what is past its retention period; a legal hold stops it.

    Per board and day one report of counts (never contents) for the privacy
    officer. Idempotent: what is gone is not found again, so a second run the same
    day removes nothing more. The pupils are handled in the order of their ids, those
    after *after* only; given *seconds*, the run stops when they are spent and says
    after which pupil the next run goes on (the task queues it: requests/tasks.py).
    When every pupil is done, the months of the audit log past their retention go
    (services/audit_retention.py).
    """
    today = today or timezone.localdate()
    started = time.monotonic()
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
    resume_after = None
    handled: list[int] = []
    for pupil_id in sorted(p for p in due if p > after):
        if seconds is not None and handled and time.monotonic() - started > seconds:
            resume_after = handled[-1]
            break
        try:
            _retention_erase(pupil_id, due[pupil_id], today)
        except Exception:
            # One pupil whose erasure fails (its transaction rolled back, nothing of it
            # gone) must not keep the board's other leavers past their period: logged as
            # an error, found again by the next night's run.
            logger.exception(
                "Retention sweep %s: pupil %s failed, the sweep goes on", today, pupil_id
            )
        handled.append(pupil_id)
    if handled:
        logger.info("Retention sweep %s: %d pupils", today, len(handled))
    if resume_after is None:  # the day's pupils are done: the audit log's months past it go
        audit_log_prune(today)
    runs = list(RetentionRun.objects.filter(ran_on=today, board_id__in=set(boards.values())))
    return Sweep(runs, resume_after)


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
