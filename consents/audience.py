"""Whom a consent question is for. This module is the only place that decides it.

A school asks a question of the pupils it applies to, never of every pupil by
default: De Twijn asks about the epilepsy network "waar van toepassing". A
question is *for* a pupil on a day when

1. the care coordinator picked the pupil for it (a care partner the pupil works
   with), or
2. it is not for picked pupils only, the pupil is in its audience and, for a
   question that comes with an event (specialist support, an internship,
   leaving), that event happened for the pupil.

The audience is every pupil of the question's schools, narrowed by each kind
the school filled in: departments, groups, year groups, an age range. Within a
kind any value matches (group 7 or 8); all kinds filled in must match (VSO and
15 or older).

A question a pupil is not in the audience of is still *shown* wherever someone
decided on it that counts now (rules.py): consent can always be withdrawn
(GDPR Art. 7(3)), whatever group the pupil moved to since.
"""

from dataclasses import dataclass
from datetime import date

from pupils.ages import age_on

#: The trigger of a question asked of everyone in its audience (Purpose.Trigger.ALL).
ALL = "all"


@dataclass(frozen=True)
class Audience:
    """What the school chose: Purpose's audience fields."""

    trigger: str
    departments: frozenset[str] = frozenset()
    group_ids: frozenset[int] = frozenset()
    year_groups: frozenset[int] = frozenset()
    min_age: int | None = None
    max_age: int | None = None
    picked_only: bool = False

    @property
    def everyone(self) -> bool:
        """Asked of every pupil of the school: nothing narrows it."""
        return (
            self.trigger == ALL
            and not self.picked_only
            and not (self.departments or self.group_ids or self.year_groups)
            and self.min_age is None
            and self.max_age is None
        )

    @property
    def reaches_pupils_who_decide(self) -> bool:
        """Whether a pupil of 16 or older (who decides alone) can be asked: then the question
        needs a wording to the pupil."""
        return self.max_age is None or self.max_age >= 16


@dataclass(frozen=True)
class PupilFacts:
    """What the rule needs of one pupil."""

    date_of_birth: date
    group_id: int | None
    department: str = ""
    year_group: int | None = None
    picked: bool = False
    events: frozenset[str] = frozenset()


def in_audience(audience: Audience, pupil: PupilFacts, day: date) -> bool:
    """Whether *pupil* is among the pupils the school narrowed the question to."""
    if audience.departments and pupil.department not in audience.departments:
        return False
    if audience.group_ids and pupil.group_id not in audience.group_ids:
        return False
    if audience.year_groups and pupil.year_group not in audience.year_groups:
        return False
    if audience.min_age is not None or audience.max_age is not None:
        age = age_on(pupil.date_of_birth, day)
        if audience.min_age is not None and age < audience.min_age:
            return False
        if audience.max_age is not None and age > audience.max_age:
            return False
    return True


def is_for(audience: Audience, pupil: PupilFacts, day: date) -> bool:
    """Rule 1 and 2 of this module: whether the school asks the question of *pupil*."""
    if pupil.picked:
        return True
    if audience.picked_only or not in_audience(audience, pupil, day):
        return False
    return audience.trigger == ALL or audience.trigger in pupil.events
