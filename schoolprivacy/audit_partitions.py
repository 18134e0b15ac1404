"""The audit log by month: PostgreSQL partitions of ``auditlog_logentry``.

The log grows by every save and every look at a dossier, for as long as the dossiers it
describes are kept (years): at a large board ten million entries a year. It is one table
partitioned by the month of its entries' ``timestamp`` (migration 0016), so that its
indexes stay the size of a month, and so that a month whose every entry is past the
retention policy goes as a whole (requests/services/audit_retention.py decides which):
DETACH and DROP, never a DELETE, which the append-only trigger refuses for every entry
inside the policy.

Months are made ahead (``ensure``: daily, beat task ``audit-partitions``); an entry whose
month has no partition (a clock far off, a month not made) lands in the default
partition, so that writing an entry never fails. Bounds are in UTC.
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)

TABLE = "auditlog_logentry"
DEFAULT = f"{TABLE}_default"
#: How many months after the current one always have their partition.
MONTHS_AHEAD = 3
_NAME = re.compile(rf"^{TABLE}_y(\d{{4}})m(\d{{2}})$")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, day: datetime.date) -> Month:
        return cls(day.year, day.month)

    @property
    def first(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def end(self) -> datetime.date:
        """The first day after the month (the partition's upper bound, excluded)."""
        return self.next().first

    @property
    def table(self) -> str:
        return f"{TABLE}_y{self.year:04d}m{self.month:02d}"


def months_between(first: Month, last: Month) -> list[Month]:
    """Every month from *first* to *last*, both included."""
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = month.next()
    return months


def existing() -> list[Month]:
    """The months that have their partition, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT child.relname
              FROM pg_inherits
              JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
              JOIN pg_class child ON child.oid = pg_inherits.inhrelid
             WHERE parent.relname = %s
            """,
            [TABLE],
        )
        names = [name for (name,) in cursor.fetchall()]
    return sorted(Month(int(m[1]), int(m[2])) for name in names if (m := _NAME.match(name)))


def create(months: list[Month]) -> list[Month]:
    """Make the partitions of *months* that are missing; the months made.

    A month that already holds entries in the default partition cannot be made (PostgreSQL
    would have to move them, and the log allows no DELETE): it is logged and left, and its
    entries stay where they are, still part of the log.
    """
    have = set(existing())
    made = []
    quote = connection.ops.quote_name
    for month in months:
        if month in have:
            continue
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"CREATE TABLE {quote(month.table)} PARTITION OF {quote(TABLE)} "
                    "FOR VALUES FROM (%s) TO (%s)",
                    [bound(month.first), bound(month.end)],
                )
        except DatabaseError:
            logger.exception("Audit log: the partition of %s could not be made", month.table)
            continue
        made.append(month)
    return made


def ensure(today: datetime.date, ahead: int = MONTHS_AHEAD) -> list[Month]:
    """Make the partitions of this month and the *ahead* months after it."""
    month = Month.of(today)
    last = month
    for _ in range(ahead):
        last = last.next()
    return create(months_between(month, last))


def drop(month: Month) -> None:
    """Take *month*'s partition out of the log and drop it, with every entry in it.

    Only for a month the retention policy says is past (requests/services/
    audit_retention.py): this is the one way entries leave the log.
    """
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {quote(TABLE)} DETACH PARTITION {quote(month.table)}")
        cursor.execute(f"DROP TABLE {quote(month.table)}")
    logger.info("Audit log: the month %s was dropped under the retention policy", month.table)


def bound(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)
