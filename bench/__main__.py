"""`python -m bench`: a fresh bench database, the data in three steps, the measurements.

Expects DATABASE_URL and REDIS_URL (scripts/stack.py bench sets them, starting
embedded servers where needed); uses only the database schoolprivacy_bench on that
server and Redis database 5.
"""

from __future__ import annotations

import os
import sys
import time
from urllib.parse import urlsplit, urlunsplit

BENCH_DATABASE = "schoolprivacy_bench"
BENCH_REDIS_DB = 5
SIZES = (1_000, 10_000, 100_000)


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


def main(argv: list[str]) -> int:
    """The whole bench; with the argument ``imports`` only M7 (the import, bench/imports.py),
    on an empty board, to work on it without loading the rest."""
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

    from . import imports, load, measure, report

    call_command("migrate", "--noinput", verbosity=0)
    call_command("compiletranslations", verbosity=0)
    bench = measure.Bench()
    timings: dict[str, float] = {}

    def step(name: str, fn, *args):
        start = time.monotonic()
        result = fn(*args)
        timings[name] = time.monotonic() - start
        say(f"{name}: {timings[name]:.1f} s")
        return result

    if argv[:1] == ["imports"]:
        imports.m7(bench)
        report.print_table(bench)
        return 0 if all(ok for *_, ok in bench.checks) else 1
    step("load board", load.load_board)
    m1: dict[int, dict] = {}
    loaded = 0
    for size in SIZES:
        schools = size // load.PUPILS_PER_SCHOOL
        first_school = loaded // load.PUPILS_PER_SCHOOL + 1
        definitions = load.drop_secondary_indexes() if size == SIZES[-1] else []
        step(f"load schools {first_school}-{schools}", load.load_schools, first_school, schools)
        step(f"load pupils {loaded + 1:,}-{size:,}", load.load_pupils, loaded + 1, size)
        if definitions:
            step(f"build {len(definitions)} indexes", load.create_indexes, definitions)
        step("vacuum and analyze", load.finish)
        loaded = size
        say(f"measuring at {size:,} pupils")
        m1[size] = measure.m1(bench, size)
    measure.m1_checks(bench, m1)
    floors = measure.floors(bench, SIZES[-1])
    for case in (measure.m2, measure.m3):
        case(bench, floors)
    measure.m4(bench)
    measure.m5(bench, floors)
    measure.m6(bench, floors)
    step("M7 the import", imports.m7, bench)
    timings["total"] = time.monotonic() - started
    path = report.write(bench, timings)
    report.print_table(bench)
    say(f"written to {path}; the whole run took {timings['total'] / 60:.1f} minutes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
