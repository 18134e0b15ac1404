"""`make bench`: the system at board scale, measured as ratios against Django's own floor.

    python -m bench          load a fresh board-scale data set, measure, write docs/benchmarks.md
    python -m bench --pupils 60000    the same for the largest board of issue 22

Run through `make bench` (scripts/stack.py bench), which finds or starts PostgreSQL
and Redis as `make test` does. The bench uses a database of its own
(schoolprivacy_bench, dropped and made anew every run) and Redis database 5, so it
never touches the data of `make run` or of the test suite.
"""

#: The board `make bench` measures unless told otherwise (--pupils, BENCH_PUPILS).
DEFAULT_PUPILS = 20_000
