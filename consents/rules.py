"""The effective-consent rule. This module is the only place that decides it.

GDPR Art. 7 and 8, UAVG art. 5, and the Autoriteit Persoonsgegevens on school
photos. For one pupil and one purpose, on a given day:

1. **Who decides.** A pupil of 16 or older decides alone: only the pupil's own
   decisions count, and earlier decisions of the parents no longer do. For a
   younger pupil, only the decisions of the people who hold parental authority
   *now* count (a parent who lost authority no longer decides).
2. **Which text.** The current text is the newest version valid on that day.
   A version with a *material change* starts a new round: decisions on
   versions before the newest material change do not count any more.
3. **Consent** exists only if an entitled person gave it on a counting version
   and no entitled person refused or withdrew *afterwards* (one holder's
   withdrawal ends it). Where the school requires all holders of parental
   authority, each of them must have given it, with no refusal or withdrawal
   afterwards.
4. **No decision means no consent.** Silence is never consent.

The state explains the outcome to people: consent, refused, withdrawn, renewal
needed (consent on an outdated text, or the pupil turned 16), waiting for the
other holder(s), or no decision.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from pupils.ages import CONSENT_AGE, age_on


class State(StrEnum):
    CONSENT = "consent"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    RENEWAL_NEEDED = "renewal_needed"
    AWAITING_OTHERS = "awaiting_others"
    NO_DECISION = "no_decision"


@dataclass(frozen=True)
class VersionFacts:
    number: int
    valid_from: date
    material_change: bool


@dataclass(frozen=True)
class DecisionFacts:
    decided_by: int
    choice: str  # "given", "refused" or "withdrawn"
    version_number: int
    decided_at: datetime


@dataclass(frozen=True)
class Outcome:
    consent: bool
    state: State
    current_version: int | None


def pupil_decides(birth: date, day: date) -> bool:
    """From 16 the pupil decides alone (UAVG art. 5)."""
    return age_on(birth, day) >= CONSENT_AGE


def current_version(versions: Iterable[VersionFacts], day: date) -> VersionFacts | None:
    """The newest version valid on *day*."""
    valid = [v for v in versions if v.valid_from <= day]
    return max(valid, key=lambda v: v.number, default=None)


def renewal_boundary(versions: Iterable[VersionFacts], day: date) -> int:
    """The lowest version number whose decisions still count on *day*."""
    valid = [v for v in versions if v.valid_from <= day]
    material = [v.number for v in valid if v.material_change]
    # The first version is a material change by nature: before it nothing counts.
    return max(material, default=min((v.number for v in valid), default=0))


def effective_consent(
    *,
    decisions: Sequence[DecisionFacts],
    versions: Sequence[VersionFacts],
    entitled: set[int],
    requires_all: bool,
    day: date,
    pupil_decides: bool = False,
) -> Outcome:
    """Apply the rule of this module.

    *entitled* is who decides now: the pupil (then *pupil_decides*), or the
    current holders of parental authority.
    """
    current = current_version(versions, day)
    if current is None:
        return Outcome(False, State.NO_DECISION, None)
    boundary = renewal_boundary(versions, day)
    relevant = sorted(
        (d for d in decisions if d.decided_by in entitled), key=lambda d: d.decided_at
    )
    counting = [d for d in relevant if d.version_number >= boundary]

    gave = [d for d in counting if d.choice == "given"]
    if not gave:
        outdated = [d for d in relevant if d.choice == "given"]
        handed_over = pupil_decides and any(
            d.choice == "given" and d.decided_by not in entitled for d in decisions
        )
        if (outdated and relevant[-1].choice == "given") or (handed_over and not relevant):
            # Consent on an outdated text, or the pupil turned 16 and decides now.
            return Outcome(False, State.RENEWAL_NEEDED, current.number)
        return _negative(relevant, current.number)

    last_given = gave[-1]
    negative_after = [
        d for d in relevant if d.choice != "given" and d.decided_at > last_given.decided_at
    ]
    if negative_after:
        return _negative(negative_after, current.number)

    if requires_all:
        for person in entitled:
            own = [d for d in counting if d.decided_by == person]
            if not own or own[-1].choice != "given":
                return Outcome(False, State.AWAITING_OTHERS, current.number)
    return Outcome(True, State.CONSENT, current.number)


def _negative(decisions: Sequence[DecisionFacts], current: int) -> Outcome:
    if not decisions:
        return Outcome(False, State.NO_DECISION, current)
    last = decisions[-1]
    state = State.REFUSED if last.choice == "refused" else State.WITHDRAWN
    return Outcome(False, state, current)
