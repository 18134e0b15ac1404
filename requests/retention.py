"""How long each category of a pupil's data is kept, and what the law requires to be kept.

Keyed to the leave date (PO-Raad guidance): the pupil dossier 2 years after
leaving, the enrolment and absence administration 5 years, data on a referral to
special education 3 years, the parents' declarations for the funding rules 5 years.
The administration, the referral data and the declarations must be kept by law
(GDPR Art. 17(3)(b)): an erasure request cannot remove them before then, only
restrict them. The dossier periods are the board's own rule: the handler may erase
earlier what is no longer relevant.
"""

import calendar
import datetime
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pupils.models import Pupil

from .models import ErasureCategory


@dataclass(frozen=True)
class Rule:
    category: str
    years: int
    statutory: bool  # the law requires keeping it (GDPR Art. 17(3)(b))
    basis: Promise


RULES: dict[str, Rule] = {
    ErasureCategory.ADMINISTRATION: Rule(
        ErasureCategory.ADMINISTRATION,
        5,
        True,
        _(
            "The enrolment and absence administration must be kept while the pupil is at "
            "school and for 5 years after leaving (funding rules for schools)."
        ),
    ),
    ErasureCategory.REFERRAL: Rule(
        ErasureCategory.REFERRAL,
        3,
        True,
        _(
            "Data on a referral to special education must be kept while the pupil is at "
            "school and for 3 years after leaving."
        ),
    ),
    ErasureCategory.DOSSIER: Rule(
        ErasureCategory.DOSSIER,
        2,
        False,
        _(
            "The school keeps the pupil dossier for 2 years after the pupil leaves (privacy "
            "regulation of the school board); what is no longer relevant can go earlier."
        ),
    ),
    ErasureCategory.SPECIAL: Rule(
        ErasureCategory.SPECIAL,
        2,
        False,
        _(
            "Special-category data is part of the dossier: kept for 2 years after the pupil "
            "leaves, and deleted earlier when it is no longer needed."
        ),
    ),
    ErasureCategory.DECLARATION: Rule(
        ErasureCategory.DECLARATION,
        5,
        True,
        _(
            "A parent's declaration for the funding rules belongs to the funding "
            "administration: kept while the pupil is at school and for 5 years after leaving, "
            "for the accountant's check."
        ),
    ),
    ErasureCategory.CONSENTS: Rule(
        ErasureCategory.CONSENTS,
        2,
        False,
        _(
            "The consent record proves what the school was allowed to do: kept for 2 years "
            "after the pupil leaves."
        ),
    ),
}

#: The order in which categories are shown and erased (the administration last).
ORDER = [
    ErasureCategory.DOSSIER,
    ErasureCategory.SPECIAL,
    ErasureCategory.REFERRAL,
    ErasureCategory.CONSENTS,
    ErasureCategory.DECLARATION,
    ErasureCategory.ADMINISTRATION,
]


def add_years(day: datetime.date, years: int) -> datetime.date:
    year = day.year + years
    return datetime.date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def keep_until(pupil: Pupil, category: str) -> datetime.date | None:
    """The last day the category is kept; None while the pupil is still at school."""
    if pupil.left_on is None:
        return None
    return add_years(pupil.left_on, RULES[category].years)


def must_keep(pupil: Pupil, category: str, today: datetime.date) -> bool:
    """True when the law requires the school to keep the category on *today*."""
    rule = RULES[category]
    if not rule.statutory:
        return False
    until = keep_until(pupil, category)
    return until is None or today <= until


def expired(pupil: Pupil, category: str, today: datetime.date) -> bool:
    """True when the retention period of the category has ended on *today*."""
    until = keep_until(pupil, category)
    return until is not None and today > until


def cutoff(category: str, today: datetime.date) -> datetime.date:
    """Every pupil past the period on *today* left on or before this day (check with expired)."""
    return add_years(today, -RULES[category].years)
