"""The response deadline of a data-subject request: GDPR Art. 12(3).

One month from receipt, extendable by two further months (then counted as three
months from receipt). Counted per EU Regulation 1182/71 art. 3:

* the day of receipt does not count;
* a period in months ends on the day of the last month with the same date as
  the day of receipt, or on that month's last day where the date does not exist
  (31 January + 1 month = 28 or 29 February);
* a Saturday, Sunday or public holiday moves the end to the next working day.

Public holidays are those of the Algemene termijnenwet art. 3: New Year's Day,
Good Friday, Easter Monday, King's Day, 5 May (every year), Ascension Day, Whit
Monday, Christmas Day and Boxing Day, plus days a school board adds.

The date of receipt is the calendar date in Europe/Amsterdam
(:func:`received_on_date`). Everything in the application uses
:func:`response_due`; nothing else computes a deadline.

Examples (the full table of cases is tests/requests/test_deadlines.py; these run as a
doctest there too):

>>> from datetime import date
>>> response_due(date(2026, 9, 8))  # an ordinary month
datetime.date(2026, 10, 8)
>>> response_due(date(2024, 1, 31))  # no 31 February: the month's last day (a leap year)
datetime.date(2024, 2, 29)
>>> response_due(date(2026, 1, 31))  # 28 February 2026 is a Saturday
datetime.date(2026, 3, 2)
>>> response_due(date(2026, 3, 3))  # Good Friday, the weekend, Easter Monday
datetime.date(2026, 4, 7)
>>> response_due(date(2026, 4, 5))  # 5 May counts every year
datetime.date(2026, 5, 6)
>>> response_due(date(2026, 1, 31), extended=True)  # three months from receipt
datetime.date(2026, 4, 30)
"""

import calendar
import datetime
from collections.abc import Iterable
from functools import lru_cache
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MONTHS = 1
EXTENDED_MONTHS = 3  # one month plus the extension of at most two further months


def easter_sunday(year: int) -> datetime.date:
    """Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return datetime.date(year, month, day + 1)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[datetime.date]:
    """The public holidays of the Algemene termijnenwet art. 3 in *year*."""
    easter = easter_sunday(year)
    kings_day = datetime.date(year, 4, 27)
    if kings_day.weekday() == calendar.SUNDAY:
        kings_day = datetime.date(year, 4, 26)  # celebrated the day before
    return frozenset(
        {
            datetime.date(year, 1, 1),  # New Year's Day
            easter - datetime.timedelta(days=2),  # Good Friday
            easter + datetime.timedelta(days=1),  # Easter Monday
            kings_day,
            datetime.date(year, 5, 5),  # Liberation Day, every year
            easter + datetime.timedelta(days=39),  # Ascension Day
            easter + datetime.timedelta(days=50),  # Whit Monday
            datetime.date(year, 12, 25),  # Christmas Day
            datetime.date(year, 12, 26),  # Boxing Day
        }
    )


def is_working_day(day: datetime.date, extra_holidays: Iterable[datetime.date] = ()) -> bool:
    return (
        day.weekday() < calendar.SATURDAY
        and day not in public_holidays(day.year)
        and day not in set(extra_holidays)
    )


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same date *months* later, or that month's last day where the date does not exist."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def response_due(
    received_on: datetime.date,
    *,
    extended: bool = False,
    extra_holidays: Iterable[datetime.date] = (),
) -> datetime.date:
    """The last day on which the answer to a request received on *received_on* is on time."""
    extra = frozenset(extra_holidays)
    due = add_months(received_on, EXTENDED_MONTHS if extended else MONTHS)
    while not is_working_day(due, extra):
        due += datetime.timedelta(days=1)
    return due


def received_on_date(moment: datetime.datetime) -> datetime.date:
    """The calendar date in Europe/Amsterdam of the moment a request came in."""
    return moment.astimezone(AMSTERDAM).date()
