"""R1: the nightly retention sweep over the board's leavers (requests.services.retention_sweep).

Every 8th pupil of the data set left more than two years ago with all its requests
closed: its dossier is due. The sweep runs as its task runs it, in parts of a given
number of seconds (the task queues the next part after the last pupil handled); the
bench runs one part of RETENTION_SECONDS for real (its erasures stay: the bench
measures it after every page), counts every statement it executes, and reads from
the ErasureRecords it wrote how many pupils it handled. The Django floor is the median
of 21 FD requests before it and 21 after.
"""

from __future__ import annotations

import statistics

from django.db import connection
from django.db.models import Max

from pupils.models import Agreement, Note, Pupil, TestResult
from requests.models import ErasureRecord
from requests.services import retention_sweep

from . import load
from .measure import Bench, Result, StatementCounter, floors_for, timed

#: The length of the part the bench runs (the task's settings.RETENTION_PART_SECONDS).
RETENTION_SECONDS = 90.0
STATEMENTS_PER_PUPIL = 30
#: The largest board's leavers (issue 22: 60,000 pupils, every 8th a leaver, after years)
#: in a night with room to spare: half of an 8-hour night.
LARGEST_BOARD_LEAVERS = 6_000
NIGHT_HOURS = 4


def r1(bench: Bench, size: int, seconds: float = RETENTION_SECONDS) -> None:
    f = floors_for(load.PRIVACY_OFFICER)
    leavers = Pupil.objects.filter(left_on__isnull=False).count()
    last_record = ErasureRecord.objects.aggregate(last=Max("pk"))["last"] or 0
    fd_before = statistics.median(timed(f.fd) for _ in range(21))
    counter = StatementCounter()
    with connection.execute_wrapper(counter):
        elapsed = timed(lambda: retention_sweep(seconds=seconds))
    fd_after = statistics.median(timed(f.fd) for _ in range(21))
    fd = (fd_before + fd_after) / 2
    records = ErasureRecord.objects.filter(
        pk__gt=last_record, source=ErasureRecord.Source.RETENTION
    )
    handled = list(records.values_list("pupil_id", flat=True))
    n = len(handled)
    # A referral report is kept 3 years after leaving, the rest of the dossier 2
    # (requests/retention.py): what is left of what was due must be nothing.
    referral_due = records.filter(categories__contains=["referral"]).values_list(
        "pupil_id", flat=True
    )
    notes = Note.objects.filter(pupil_id__in=handled)
    left = (
        TestResult.objects.filter(pupil_id__in=handled).count()
        + Agreement.objects.filter(pupil_id__in=handled).count()
        + notes.exclude(kind=Note.Kind.REFERRAL).count()
        + notes.filter(kind=Note.Kind.REFERRAL, pupil_id__in=list(referral_due)).count()
    )
    per_pupil = counter.count / n if n else float("inf")
    rate = n / elapsed if elapsed else 0.0
    night = LARGEST_BOARD_LEAVERS / rate / 3600 if rate else float("inf")
    bench.add(
        Result(
            "R1 retention",
            f"retention sweep, one part of {seconds:g} s ({leavers:,} leavers due)",
            elapsed * 1000,
            queries=counter.count,
            fd=elapsed / fd,
            fd_ms=fd * 1000,
            note=(
                f"{n:,} pupils erased, {per_pupil:.1f} statements and "
                f"{elapsed / max(n, 1) * 1000:.0f} ms per pupil, {rate:.2f} pupils/s; "
                f"{LARGEST_BOARD_LEAVERS:,} leavers would take {night:.1f} h"
            ),
        )
    )
    bench.check(
        "R1 the sweep erases the leavers' dossiers",
        f"{n:,} pupils erased, {left} of their due entries left",
        n > 0 and left == 0,
    )
    bench.check(
        f"R1 retention ≤ {STATEMENTS_PER_PUPIL} statements per pupil",
        f"{per_pupil:.1f} ({counter.count:,} statements / {n:,} pupils)",
        per_pupil <= STATEMENTS_PER_PUPIL,
    )
    bench.check(
        f"R1 the largest board's {LARGEST_BOARD_LEAVERS:,} leavers in ≤ {NIGHT_HOURS} h "
        "(at the rate measured)",
        f"{rate:.2f} pupils/s: {night:.1f} h",
        night <= NIGHT_HOURS,
    )
