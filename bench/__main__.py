"""`python -m bench`: a fresh bench database, the data in two steps, the measurements.

    python -m bench                    the default size (DEFAULT_PUPILS), 10-20 minutes on 2 cores
    python -m bench --pupils 60000     the largest board of issue 22
    python -m bench --pupils 2000      a quick run while working on the bench
    python -m bench imports            only M7, the import, on an empty board

Expects DATABASE_URL and REDIS_URL (scripts/stack.py bench sets them, starting
embedded servers where needed); uses only the database schoolprivacy_bench on that
server and Redis database 5. BENCH_PUPILS in the environment is the default of --pupils
(`make bench BENCH_PUPILS=60000`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from urllib.parse import urlsplit, urlunsplit

BENCH_DATABASE = "schoolprivacy_bench"
BENCH_REDIS_DB = 5


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def bench_urls(database_url: str, redis_url: str) -> tuple[str, str]:
    """The same servers, with the bench's own database and Redis database."""
    db = urlsplit(database_url)
    redis = urlsplit(redis_url)
    return (
        urlunsplit(db._replace(path="/" + BENCH_DATABASE)),
        urlunsplit(redis._replace(path=f"/{BENCH_REDIS_DB}")),
    )


def recreate_database(database_url: str) -> None:
    """Drop and create the bench database, connected to the server's maintenance database."""
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(database_url)
    with psycopg.connect(
        dbname="postgres",
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')


def sizes(pupils: int) -> tuple[int, int]:
    """The two sizes measured: a tenth of the board (at least one school), and the board."""
    per_school = 1_000
    small = max(per_school, pupils // 10 // per_school * per_school)
    return small, pupils


def arguments(argv: list[str]) -> argparse.Namespace:
    from . import DEFAULT_PUPILS

    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("only", nargs="?", choices=["imports"], help="only M7, the import")
    parser.add_argument(
        "--pupils",
        type=int,
        default=int(os.environ.get("BENCH_PUPILS") or DEFAULT_PUPILS),
        help=f"the board's size, a multiple of 1,000 (default {DEFAULT_PUPILS:,})",
    )
    parser.add_argument(
        "--retention-seconds",
        type=float,
        default=None,
        help="the length of the retention sweep's part the bench runs (default 90)",
    )
    args = parser.parse_args(argv)
    if args.pupils % 1_000 or not 1_000 <= args.pupils <= 100_000:
        parser.error("--pupils: a multiple of 1,000, from 1,000 to 100,000")
    return args


def main(argv: list[str]) -> int:
    """The whole bench; with the argument ``imports`` only M7 (the import, bench/imports.py),
    on an empty board, to work on it without loading the rest."""
    args = arguments(argv)
    started = time.monotonic()
    try:
        database_url, redis_url = os.environ["DATABASE_URL"], os.environ["REDIS_URL"]
    except KeyError:
        print("Run `make bench` (it finds or starts PostgreSQL and Redis).", file=sys.stderr)
        return 2
    database_url, redis_url = bench_urls(database_url, redis_url)
    os.environ["DATABASE_URL"], os.environ["REDIS_URL"] = database_url, redis_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    say(f"database {BENCH_DATABASE} (dropped and made anew), Redis db {BENCH_REDIS_DB}")
    recreate_database(database_url)

    import django

    django.setup()
    from django.core.management import call_command

    from . import imports, load, measure, report, retention, throughput

    call_command("migrate", "--noinput", verbosity=0)
    call_command("compiletranslations", verbosity=0)
    bench = measure.Bench()
    timings: dict[str, float] = {}

    def step(name: str, fn, *fn_args):
        start = time.monotonic()
        result = fn(*fn_args)
        timings[name] = time.monotonic() - start
        say(f"{name}: {timings[name]:.1f} s")
        return result

    imports.scale_to(args.pupils)
    if args.only == "imports":
        imports.m7(bench)
        report.print_table(bench)
        return 0 if all(ok for *_, ok in bench.checks) else 1
    step("load board", load.load_board)
    m1: dict[int, dict] = {}
    m5: dict[int, measure.Result] = {}
    loaded = 0
    small, size = sizes(args.pupils)
    for n in dict.fromkeys((small, size)):
        schools = n // load.PUPILS_PER_SCHOOL
        first_school = loaded // load.PUPILS_PER_SCHOOL + 1
        definitions = load.drop_secondary_indexes() if n == size else []
        step(f"load schools {first_school}-{schools}", load.load_schools, first_school, schools)
        step(f"load pupils {loaded + 1:,}-{n:,}", load.load_pupils, loaded + 1, n)
        if definitions:
            step(f"build {len(definitions)} indexes", load.create_indexes, definitions)
        step("vacuum and analyze", load.finish)
        loaded = n
        bench.pupils = n
        say(f"measuring at {n:,} pupils")
        m1[n] = step(f"M1 at {n:,}", measure.m1, bench, n)
        m5[n] = step(f"M5 at {n:,}", measure.m5, bench, n)
    if len(m1) > 1:
        measure.m1_checks(bench, m1)
        measure.m5_checks(bench, m5)
    step("pupil pages", measure.pupil_pages, bench, size)
    step("other pages", measure.other_pages, bench, size)
    step("M2", measure.m2, bench, size)
    step("M4", measure.m4, bench)
    step("M6 the copy", measure.m6, bench, size)
    step("T1 throughput", throughput.t1, bench, size)
    seconds = args.retention_seconds or retention.RETENTION_SECONDS
    step("R1 retention", retention.r1, bench, size, seconds)
    step("M7 the import", imports.m7, bench)
    timings["total"] = time.monotonic() - started
    path = report.write(bench, timings, size)
    report.print_table(bench)
    failed = sum(not ok for *_, ok in bench.checks)
    say(f"written to {path}; the whole run took {timings['total'] / 60:.1f} minutes")
    say(f"{len(bench.checks) - failed} targets met, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
