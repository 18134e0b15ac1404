"""Ages, counted the way the law counts them: a person is a year older on their birthday,
and someone born on 29 February is on 1 March in a year without one.

From 16 a pupil decides on their own consents and exercises their own rights (UAVG
art. 5); at 18 parental authority ends (Civil Code 1:233).
"""

import calendar
import datetime

CONSENT_AGE = 16
ADULT_AGE = 18


def age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def birthday(birth: datetime.date, years: int) -> datetime.date:
    """The first day on which someone born on *birth* is *years* old."""
    year = birth.year + years
    if (birth.month, birth.day) == (2, 29) and not calendar.isleap(year):
        return datetime.date(year, 3, 1)
    return datetime.date(year, birth.month, birth.day)


def born_by(day: datetime.date, years: int) -> datetime.date:
    """The latest date of birth of someone who is *years* old on *day* (for a query)."""
    year = day.year - years
    return datetime.date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))
