"""The table on the terminal and docs/benchmarks.md, with the machine the figures came from."""

from __future__ import annotations

import datetime
import os
import platform
import sys
from pathlib import Path

import django
from django.db import connection

from . import load
from .measure import Bench, Result

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"

ABOUT = """\
`make bench` loads a board-scale data set into a database of its own
(`schoolprivacy_bench`, made anew each run) and measures the pages and jobs that
must stay fast at that size. Every figure is a ratio to a floor measured in the
same run, one after the other in each repetition (the median of {runs} runs for
pages): the machine is shared, and only ratios survive that. M2's list and guardian's
reference, more than ten times apart in cost, are timed in alternating blocks instead
(see the findings).

* **F0**: a bare view (a fixed response, anonymous) through the whole middleware stack.
* **F1**: a logged-in staff member through the whole stack (session in PostgreSQL,
  user, two-step check, session limits, audit middleware), one indexed query and a
  small template. The two floor views exist only in the bench's URLconf
  (`bench/urls.py`), never in `schoolprivacy/urls.py`.
* **FI** (M7, the import from the pupil administration, `bench/imports.py`): the rows a
  board's first import writes (groups, pupils and placements, the teachers' and parents'
  accounts, roles, grants, contact details and links), written into another school with
  one `bulk_create` per table. Every import and the floor run in a forked worker of its
  own; a worker's memory is how far its resident size grew above where it started.
* Pages are requested with `django.test.Client`, which goes through Django's
  WSGI-like handler and every middleware, in the one process that also measures.
* Peak memory: the peak of Python allocations (tracemalloc) during one extra,
  untimed run of the case; and the process's peak resident size (getrusage) so far.
"""

DATA = """\
## The data

{pupils:,} pupils in {schools} schools of one board ({per_school:,} each, groups of
{group}), {staff:,} staff (per school a director, a team leader, two care
coordinators, an administrator, two teachers per group holding the guardian grant on
it, two without a group) and a privacy officer; {parents:,} parents with parental
authority (70 % of the pupils have two). Ten consent decisions per pupil on six
purposes (four photo channels) — {decisions:,}; ten requests per pupil — {requests:,},
of which 1 % open and due within the sweep's ten-day horizon (up to three days
overdue), 0.5 % open and not yet due, the rest answered, refused or withdrawn;
{audit:,} audit rows (per pupil 35 ACCESS entries, the creation of its decisions and
of five requests). Per pupil also a current group placement, three test results and a
report; a medical record (encrypted) for one pupil in twenty.

Loaded in bulk (`bench/load.py`): `INSERT … SELECT` over `generate_series`, and
`COPY` for rows whose encrypted fields are sealed in Python, each bound to its own
row as the application does (request explanation and answer, special records).
Foreign-key triggers are off while loading (the rows are consistent by
construction); the big tables' secondary indexes are built after the largest step,
then `VACUUM ANALYZE`. What is thinner than real life: the BSN is empty (NULL) for
every pupil, names repeat, no request has events, notices or earlier copies, no
pupil has left, and parents have no siblings at other schools. For the guardian
reference only, the generic table `guardian_userobjectpermission` holds what
per-object grants would need for the same access: `view_pupil` on every pupil for
its two teachers, its director and its team leader ({generic:,} rows).

The sizes of M1: the bench loads the first 1,000 pupils (one school), measures,
grows the same board to 10,000 and then to 100,000, and measures again; everything
else is measured at 100,000.
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
    ratio = f"{r.ratio:.2f}× {r.of}" if r.ratio is not None else ""
    queries = str(r.queries) if r.queries is not None else ""
    peak = f"{r.peak_kib:,.0f}" if r.peak_kib is not None else ""
    rss = f"{r.rss_mib:,.0f}" if r.rss_mib is not None else ""
    return f"| {r.key} | {r.what} | {r.ms:.2f} | {ratio} | {queries} | {peak} | {rss} | {r.note} |"


def write(bench: Bench, timings: dict[str, float]) -> Path:
    from .measure import PAGE_RUNS

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM guardian_userobjectpermission")
        generic = cursor.fetchone()[0]
    counts = {
        "pupils": load.SCHOOLS * load.PUPILS_PER_SCHOOL,
        "schools": load.SCHOOLS,
        "per_school": load.PUPILS_PER_SCHOOL,
        "group": load.GROUP_SIZE,
        "staff": load.SCHOOLS * load.STAFF_PER_SCHOOL,
        "parents": load.SCHOOLS * load.PUPILS_PER_SCHOOL * 17 // 10,
        "decisions": load.SCHOOLS * load.PUPILS_PER_SCHOOL * load.DECISIONS_PER_PUPIL,
        "requests": load.SCHOOLS * load.PUPILS_PER_SCHOOL * load.REQUESTS_PER_PUPIL,
        "audit": load.SCHOOLS * load.PUPILS_PER_SCHOOL * 50,
        "generic": generic,
    }
    lines = [
        "# Benchmarks at board scale",
        "",
        "Written by `make bench` (`bench/`); do not edit by hand, run it again.",
        "",
        ABOUT.format(runs=PAGE_RUNS),
        "## The machine",
        "",
        *(f"* {key}: {value}" for key, value in machine().items()),
        "",
        "## Targets",
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
        "| case | what | median ms | ratio | queries | peak KiB | RSS MiB | note |",
        "|---|---|---:|---:|---:|---:|---:|---|",
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
    width = 118
    print("\n" + "=" * width)
    print(f"  {'case':<10} {'what':<46} {'median':>12} {'ratio':>14} {'queries':>8} {'peak':>12}")
    print("-" * width)
    from .measure import _line

    for r in bench.results:
        print(_line(r))
    print("-" * width)
    for target, figure, ok in bench.checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {target}: {figure}")
    print("=" * width, flush=True)
