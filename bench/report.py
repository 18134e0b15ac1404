"""The table on the terminal and docs/benchmarks.md, with the machine the figures came from."""

from __future__ import annotations

import datetime
import os
import platform
import sys
from pathlib import Path

import django
from django.db import connection

from . import DEFAULT_PUPILS, load
from .measure import Bench, Result

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"

ABOUT = """\
`make bench` loads a board of realistic history into a database of its own
(`schoolprivacy_bench`, made anew each run) and measures the pages and jobs that
must stay fast on it. It runs at {default:,} pupils by default (this run: {pupils:,};
10 to 20 minutes on two cores, see "How long it took"); the largest board of issue 22 is an option:
`make bench BENCH_PUPILS=60000` (or `python -m bench --pupils 60000`; not timed for
this report), and `python -m bench --pupils 2000` is a quick run while working on the
bench. `make bench` fails (exit 1) when a target is not met.

**The floors.** Every figure is a ratio to floors measured around it in the same run:

* **F0**: a bare view (a fixed response, anonymous) through the whole middleware stack.
* **FD**, the Django floor: a `login_required` view answering a fixed text, through a
  handler with only Django's stock `SessionMiddleware` and `AuthenticationMiddleware`
  (`bench/floor.py`): the session's row and the user's, and nothing of this project.
  What any Django page with a logged-in user costs; **the targets are set on FD**.
* **F1**: a logged-in user through the whole stack of this project (session in
  PostgreSQL, user, two-step check, session limits, audit middleware), one indexed
  query and a small template with the project's context processors (the menu). What
  F1 costs above FD is the project's fixed cost per request, which every page pays.
  The floor views exist only in the bench's URLconf (`bench/urls.py`).
* **FI** (M7, the import from the pupil administration, `bench/imports.py`): the rows a
  board's first import writes, written with one `bulk_create` per table. Every import
  and the floor run in a forked worker of its own; a worker's memory is how far its
  resident size grew above where it started.

**How each figure is measured.**

* Pages (`django.test.Client`, Django's WSGI-like handler and every middleware, in the
  one process that also measures): each of {runs} repetitions is timed between its
  floors, A-B-A: FD, F1, the page, F1, FD. The repetition's ratio is the page's time
  over the mean of the two floors around it; the figure is the median of those ratios,
  and the table gives beside it the median floor (ms) the ratios used. Nothing is
  divided by a floor measured elsewhere, or by one sample.
* Pages about a pupil are asked for {runs} random pupils of the whole board (fixed seed;
  leavers and long histories apart), each by its own teacher or parent. *Cold* is each
  pupil's first request since the data was loaded, with Django's caches emptied before
  it; *warm* is the same pupils again. The warm median is checked; cold is beside it.
  Pages of one person (dashboards, registers) have one cold request.
* *Flat in N*: the same case at a tenth of the board and at the whole board, each as
  its ratio to FD; *flat in history*: the same page for the pupils with the longest
  history (one per school: 300 entries, 2,280 looks) against the random pupils.
* Jobs (the deadline sweep, the copy, the retention sweep) are timed once per run; FD
  for each is the mean of the median of 11 (21 for retention) FD requests just before
  it and of 11 just after.
* Throughput (T1): gunicorn with the production command line (3 workers, as the
  Dockerfile) serving `bench/wsgi.py` on loopback, driven by `wrk` at 1, 8 and 32
  connections, each request a random parent (her own session, made in the database)
  asking for her child's page; FD and F1 with the same sessions. Per concurrency FD,
  F1, the page, F1, FD, {seconds} s each; requests/s over the mean of the FDs around.
* Queries: every statement the connection executes, counted by a wrapper (not
  Django's query log, which stops at 9,000).
* Peak memory: the peak of Python allocations (tracemalloc) during one extra,
  untimed run of the case; and the process's peak resident size (getrusage) so far.
"""

DATA = """\
## The data

{pupils:,} pupils in {schools} schools of one board ({per_school:,} each, groups of
{group}), {staff:,} staff (per school a director, a team leader, two care
coordinators, an administrator, two teachers per group holding the guardian grant on
it, two without a group) and a privacy officer; {parents:,} parents with parental
authority (70 % of the pupils have two).

Dossier entries and audit rows are counted after the run (the retention sweep had
erased those of the leavers it handled; the pages, the jobs and the import, M7, had
added audit rows).

* **The dossier**: {entries:,} entries, per pupil 60 over the kinds (24 test results,
  28 reports and notes of which 4 referral reports, 8 agreements); a medical record
  (encrypted) for one pupil in twenty.
* **The audit log**: {audit:,} rows, per pupil 300: 285 ACCESS looks by staff (mostly
  its teacher, then its director and a care coordinator, over the past two years), the
  creation of its ten decisions and of five requests.
* **Long histories**: one pupil per school ({longs}) with 300 entries and 2,280 looks.
* **Leavers**: every 8th pupil ({leavers:,}) left more than two years ago, with all its
  requests closed: its dossier is due for the retention sweep.
* Ten consent decisions per pupil on six purposes (four photo channels) —
  {decisions:,}; ten requests per pupil — {requests:,}, of which 1 % open and due within
  the sweep's ten-day horizon (up to three days overdue), 0.5 % open and not yet due,
  the rest answered, refused or withdrawn.
* {suppliers} suppliers used by every school ({uses:,} uses), {activities} processing
  activities (the Art. 30 register).

Loaded in bulk (`bench/load.py`): `INSERT … SELECT` over `generate_series`, and
`COPY` for rows whose encrypted fields are sealed in Python, each bound to its own
row as the application does (request explanation and answer, special records).
Foreign-key triggers are off while loading (the rows are consistent by
construction); the big tables' secondary indexes are built after the largest step,
then `VACUUM ANALYZE`. What is thinner than real life: the BSN is empty (NULL) for
every pupil, names repeat, no request has events, notices or earlier copies, no entry
has been corrected, and parents have no siblings at other schools. For the guardian
reference of M2 only, the generic table `guardian_userobjectpermission` holds what
per-object grants would need for the same access ({generic:,} rows).

The sizes: the bench loads a tenth of the board, measures M1 and M5, grows the same
board to its whole size and measures again; everything else is measured at the whole
size.
"""


def machine() -> dict[str, str]:
    cpu = "unknown"
    memory = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "RAM": memory,
        "OS": platform.platform(),
        "PostgreSQL": postgres,
        "Python": sys.version.split()[0],
        "Django": django.get_version(),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _row(r: Result) -> str:
    queries = str(r.queries) if r.queries is not None else ""
    peak = f"{r.peak_kib:,.0f}" if r.peak_kib is not None else ""
    fd = f"{r.fd:.2f}× ({r.fd_ms:.2f})" if r.fd is not None else ""
    f1 = f"{r.f1:.2f}× ({r.f1_ms:.2f})" if r.f1 is not None else ""
    other = f"{r.ratio:.2f}× {r.of}" if r.ratio is not None else ""
    cold = f"{r.cold_ms:.1f} = {r.cold_fd:.2f}× (n={r.cold_n})" if r.cold_ms is not None else ""
    value = f"{r.ms:,.2f}" + ("" if r.unit == "ms" else f" {r.unit}")
    return (
        f"| {r.key} | {r.what} | {value} | {fd} | {f1} | {other} | {cold} | {queries} "
        f"| {peak} | {r.note} |"
    )


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (a name of this module)
        return cursor.fetchone()[0]


def write(bench: Bench, timings: dict[str, float], pupils: int) -> Path:
    from .measure import PAGE_RUNS
    from .throughput import THROUGHPUT_SECONDS

    schools = pupils // load.PUPILS_PER_SCHOOL
    counts = {
        "pupils": pupils,
        "schools": schools,
        "per_school": load.PUPILS_PER_SCHOOL,
        "group": load.GROUP_SIZE,
        "staff": schools * load.STAFF_PER_SCHOOL,
        "parents": pupils * 17 // 10,
        "entries": sum(
            _count(t) for t in ("pupils_testresult", "pupils_note", "pupils_agreement")
        ),
        "audit": _count("auditlog_logentry"),
        "longs": schools,
        "leavers": pupils // 8,
        "decisions": pupils * load.DECISIONS_PER_PUPIL,
        "requests": pupils * load.REQUESTS_PER_PUPIL,
        "suppliers": load.SUPPLIERS,
        "uses": _count("suppliers_supplieruse"),
        "activities": load.ACTIVITIES,
        "generic": _count("guardian_userobjectpermission"),
    }
    failed = sum(not ok for *_, ok in bench.checks)
    lines = [
        "# Benchmarks at board scale",
        "",
        "Written by `make bench` (`bench/`); do not edit by hand, run it again.",
        "",
        ABOUT.format(
            runs=PAGE_RUNS, pupils=pupils, default=DEFAULT_PUPILS, seconds=THROUGHPUT_SECONDS
        ),
        "## The machine",
        "",
        *(f"* {key}: {value}" for key, value in machine().items()),
        f"* the board: {pupils:,} pupils",
        "",
        "## Targets",
        "",
        f"{len(bench.checks) - failed} met, {failed} not met.",
        "",
        "| | target | figure |",
        "|---|---|---|",
        *(
            f"| {'pass' if ok else '**FAIL**'} | {target} | {figure} |"
            for target, figure, ok in bench.checks
        ),
        "",
        "## Figures",
        "",
        "Ratios with the median floor they used in brackets (ms; for T1 the floors' "
        "requests/s, and the ratio is of requests/s: higher is better). *Cold*: ms, and "
        "its ratio to FD.",
        "",
        "| case | what | median ms | × FD (FD) | × F1 (F1) | × other | cold | queries "
        "| peak KiB | note |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
        *(_row(r) for r in bench.results),
        "",
        DATA.format(**counts),
        "## How long it took",
        "",
        *(f"* {name}: {seconds:.1f} s" for name, seconds in timings.items()),
        "",
    ]
    findings = Path(__file__).with_name("FINDINGS.md")
    if findings.exists():
        lines += [findings.read_text(encoding="utf-8").rstrip(), ""]
    DOCS.parent.mkdir(exist_ok=True)
    DOCS.write_text("\n".join(lines), encoding="utf-8")
    return DOCS


def print_table(bench: Bench) -> None:
    width = 140
    print("\n" + "=" * width)
    print(f"  {'case':<16} {'what':<50} {'median':>14}  ratios (the floors they used)")
    print("-" * width)
    from .measure import _line

    for r in bench.results:
        print(_line(r))
    print("-" * width)
    for target, figure, ok in bench.checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {target}: {figure}")
    print("=" * width, flush=True)
