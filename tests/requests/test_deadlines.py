"""The Art. 12(3) response deadline as a table of cases (requests/deadlines.py)."""

import datetime
import doctest

import pytest

from requests import deadlines
from requests.deadlines import (
    easter_sunday,
    public_holidays,
    received_on_date,
    response_due,
)

D = datetime.date

# (case, received on, extended, due)
CASES = [
    ("an ordinary month", D(2026, 9, 8), False, D(2026, 10, 8)),
    ("the day of receipt does not count", D(2026, 10, 1), False, D(2026, 11, 2)),  # 1 Nov: Sun
    ("ending on a Sunday moves to Monday", D(2026, 1, 15), False, D(2026, 2, 16)),
    ("31 January ends on the last day of February", D(2024, 1, 31), False, D(2024, 2, 29)),
    ("…and on a Saturday moves to Monday", D(2026, 1, 31), False, D(2026, 3, 2)),
    ("31 March ends on 30 April", D(2026, 3, 31), False, D(2026, 4, 30)),
    ("a leap day: the same date a month later", D(2028, 2, 29), False, D(2028, 3, 29)),
    ("30 January in a leap year ends on 29 February", D(2024, 1, 30), False, D(2024, 2, 29)),
    ("29 February in a common year does not exist", D(2027, 1, 29), False, D(2027, 3, 1)),
    ("Good Friday, the weekend and Easter Monday", D(2026, 3, 3), False, D(2026, 4, 7)),
    ("Easter Monday", D(2026, 3, 6), False, D(2026, 4, 7)),
    ("Easter Sunday, then Easter Monday", D(2027, 2, 28), False, D(2027, 3, 30)),
    ("King's Day", D(2026, 3, 27), False, D(2026, 4, 28)),
    ("5 May, every year", D(2026, 4, 5), False, D(2026, 5, 6)),
    ("Ascension Day", D(2026, 4, 14), False, D(2026, 5, 15)),
    ("Whit Monday", D(2026, 4, 25), False, D(2026, 5, 26)),
    ("Christmas and the weekend after it", D(2026, 11, 25), False, D(2026, 12, 28)),
    ("Boxing Day on a weekday", D(2025, 11, 26), False, D(2025, 12, 29)),
    ("New Year's Day and the weekend", D(2026, 12, 1), False, D(2027, 1, 4)),
    ("extended: three months from receipt", D(2026, 1, 31), True, D(2026, 4, 30)),
    ("extended into a Sunday", D(2026, 11, 30), True, D(2027, 3, 1)),
    ("extended, over the year end", D(2026, 10, 15), True, D(2027, 1, 15)),
    ("extended from a leap day", D(2028, 2, 29), True, D(2028, 5, 29)),
]


@pytest.mark.parametrize(
    ("received", "extended", "due"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_the_deadline(received, extended, due):
    assert response_due(received, extended=extended) == due


def test_a_day_the_board_adds_counts_as_a_holiday():
    assert response_due(D(2026, 9, 8)) == D(2026, 10, 8)
    assert response_due(D(2026, 9, 8), extra_holidays=[D(2026, 10, 8)]) == D(2026, 10, 9)


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, D(2024, 3, 31)),
        (2025, D(2025, 4, 20)),
        (2026, D(2026, 4, 5)),
        (2027, D(2027, 3, 28)),
        (2038, D(2038, 4, 25)),
    ],
)
def test_easter(year, easter):
    assert easter_sunday(year) == easter


def test_kings_day_on_a_sunday_is_celebrated_the_day_before():
    assert D(2025, 4, 26) in public_holidays(2025)
    assert D(2025, 4, 27) not in public_holidays(2025)


def test_the_date_of_receipt_is_the_date_in_amsterdam():
    late_evening_utc = datetime.datetime(2026, 3, 31, 22, 30, tzinfo=datetime.UTC)
    assert received_on_date(late_evening_utc) == D(2026, 4, 1)


def test_the_examples_in_the_module_documentation_hold():
    failures, tried = doctest.testmod(deadlines)
    assert tried >= 6 and failures == 0
