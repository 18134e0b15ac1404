"""The effective-consent rule as a table of cases (consents/rules.py)."""

from datetime import date, datetime, timedelta

import pytest

from consents.rules import (
    DecisionFacts,
    State,
    VersionFacts,
    effective_consent,
    pupil_decides,
)

MOTHER, FATHER, PUPIL, EX = 1, 2, 3, 4
TODAY = date(2026, 11, 23)
V1 = VersionFacts(1, date(2024, 8, 1), True)
V2_MATERIAL = VersionFacts(2, date(2026, 8, 1), True)
V2_EDITORIAL = VersionFacts(2, date(2026, 8, 1), False)
V2_NEXT_YEAR = VersionFacts(2, date(2027, 8, 1), True)


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, 1, hour) + timedelta(days=day - 1)


def d(who, choice, version, day, hour=12):
    return DecisionFacts(who, choice, version, at(day, hour))


PARENTS = {MOTHER, FATHER}

# (case, decisions, versions, entitled, requires_all, pupil decides, consent, state)
CASES = [
    ("no decision is no consent", [], [V1], PARENTS, False, False, False, State.NO_DECISION),
    (
        "a single parent gives",
        [d(MOTHER, "given", 1, 1)],
        [V1],
        {MOTHER},
        False,
        False,
        True,
        State.CONSENT,
    ),
    (
        "a single parent refuses",
        [d(MOTHER, "refused", 1, 1)],
        [V1],
        {MOTHER},
        False,
        False,
        False,
        State.REFUSED,
    ),
    (
        "withdrawal after consent",
        [d(MOTHER, "given", 1, 1), d(MOTHER, "withdrawn", 1, 2)],
        [V1],
        {MOTHER},
        False,
        False,
        False,
        State.WITHDRAWN,
    ),
    (
        "consent again after a withdrawal",
        [d(MOTHER, "given", 1, 1), d(MOTHER, "withdrawn", 1, 2), d(MOTHER, "given", 1, 3)],
        [V1],
        {MOTHER},
        False,
        False,
        True,
        State.CONSENT,
    ),
    (
        "two parents: one gives, the other refuses afterwards",
        [d(MOTHER, "given", 1, 1), d(FATHER, "refused", 1, 2)],
        [V1],
        PARENTS,
        False,
        False,
        False,
        State.REFUSED,
    ),
    (
        "two parents: one refused, the other gives afterwards",
        [d(FATHER, "refused", 1, 1), d(MOTHER, "given", 1, 2)],
        [V1],
        PARENTS,
        False,
        False,
        True,
        State.CONSENT,
    ),
    (
        "two parents, all required: only one gave",
        [d(MOTHER, "given", 1, 1)],
        [V1],
        PARENTS,
        True,
        False,
        False,
        State.AWAITING_OTHERS,
    ),
    (
        "two parents, all required: both gave",
        [d(MOTHER, "given", 1, 1), d(FATHER, "given", 1, 2)],
        [V1],
        PARENTS,
        True,
        False,
        True,
        State.CONSENT,
    ),
    (
        "two parents, all required: one withdraws",
        [d(MOTHER, "given", 1, 1), d(FATHER, "given", 1, 2), d(FATHER, "withdrawn", 1, 3)],
        [V1],
        PARENTS,
        True,
        False,
        False,
        State.WITHDRAWN,
    ),
    (
        "a parent without authority is not asked and not counted",
        [d(EX, "given", 1, 1)],
        [V1],
        {MOTHER},
        False,
        False,
        False,
        State.NO_DECISION,
    ),
    (
        "a parent without authority cannot withdraw the holder's consent",
        [d(MOTHER, "given", 1, 1), d(EX, "withdrawn", 1, 2)],
        [V1],
        {MOTHER},
        False,
        False,
        True,
        State.CONSENT,
    ),
    (
        "the pupil turned 16: the parents' consent needs the pupil's own decision",
        [d(MOTHER, "given", 1, 1)],
        [V1],
        {PUPIL},
        False,
        True,
        False,
        State.RENEWAL_NEEDED,
    ),
    (
        "the pupil of 16 gives consent",
        [d(MOTHER, "refused", 1, 1), d(PUPIL, "given", 1, 2)],
        [V1],
        {PUPIL},
        False,
        True,
        True,
        State.CONSENT,
    ),
    (
        "a parent cannot withdraw the consent of a pupil of 16",
        [d(PUPIL, "given", 1, 1), d(MOTHER, "withdrawn", 1, 2)],
        [V1],
        {PUPIL},
        False,
        True,
        True,
        State.CONSENT,
    ),
    (
        "a new text with a material change needs renewal",
        [d(MOTHER, "given", 1, 1)],
        [V1, V2_MATERIAL],
        {MOTHER},
        False,
        False,
        False,
        State.RENEWAL_NEEDED,
    ),
    (
        "renewed on the new text",
        [d(MOTHER, "given", 1, 1), d(MOTHER, "given", 2, 2)],
        [V1, V2_MATERIAL],
        {MOTHER},
        False,
        False,
        True,
        State.CONSENT,
    ),
    (
        "an editorial change keeps the consent",
        [d(MOTHER, "given", 1, 1)],
        [V1, V2_EDITORIAL],
        {MOTHER},
        False,
        False,
        True,
        State.CONSENT,
    ),
    (
        "a text that applies only later does not count yet",
        [d(MOTHER, "given", 1, 1)],
        [V1, V2_NEXT_YEAR],
        {MOTHER},
        False,
        False,
        True,
        State.CONSENT,
    ),
    (
        "a refusal on the old text stays a refusal under the new text",
        [d(MOTHER, "refused", 1, 1)],
        [V1, V2_MATERIAL],
        {MOTHER},
        False,
        False,
        False,
        State.REFUSED,
    ),
    (
        "a withdrawal quoting the old text still ends consent on the new one",
        [d(MOTHER, "given", 2, 1), d(MOTHER, "withdrawn", 1, 2)],
        [V1, V2_MATERIAL],
        {MOTHER},
        False,
        False,
        False,
        State.WITHDRAWN,
    ),
    # Paper forms count from the date on the form, not from when staff typed them in.
    (
        "a paper form signed before a portal withdrawal",
        [d(MOTHER, "withdrawn", 1, 5, hour=10), d(MOTHER, "given", 1, 3, hour=0)],
        [V1],
        {MOTHER},
        False,
        False,
        False,
        State.WITHDRAWN,
    ),
    (
        "a paper form signed after a portal refusal",
        [d(MOTHER, "refused", 1, 2), d(MOTHER, "given", 1, 4, hour=0)],
        [V1],
        {MOTHER},
        False,
        False,
        True,
        State.CONSENT,
    ),
]


@pytest.mark.parametrize(
    ("decisions", "versions", "entitled", "requires_all", "by_pupil", "consent", "state"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_the_rule(decisions, versions, entitled, requires_all, by_pupil, consent, state):
    outcome = effective_consent(
        decisions=decisions,
        versions=versions,
        entitled=entitled,
        requires_all=requires_all,
        day=TODAY,
        pupil_decides=by_pupil,
    )
    assert (outcome.consent, outcome.state) == (consent, state)


def test_there_is_never_consent_without_a_current_text():
    outcome = effective_consent(
        decisions=[d(MOTHER, "given", 2, 1)],
        versions=[V2_NEXT_YEAR],
        entitled={MOTHER},
        requires_all=False,
        day=TODAY,
    )
    assert not outcome.consent


@pytest.mark.parametrize(
    ("birth", "decides"),
    [(date(2010, 11, 23), True), (date(2010, 11, 24), False), (date(2012, 1, 1), False)],
)
def test_the_pupil_decides_from_the_sixteenth_birthday(birth, decides):
    assert pupil_decides(birth, TODAY) is decides
