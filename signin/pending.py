"""Sign-ins started in this browser and not yet answered, kept in its session.

A started sign-in (OpenID Connect: by its state; SAML: by its request's ID) is accepted
once, within PENDING_SECONDS, and only in the session that started it: an answer meant
for another browser, or one replayed, finds nothing here.
"""

import time

#: The session key of the sign-ins started and not yet answered, by their key.
PENDING = "signin_pending"
#: How long a started sign-in waits for the provider's answer.
PENDING_SECONDS = 10 * 60
#: Several tabs may start a sign-in; the oldest are forgotten beyond this.
PENDING_KEPT = 5


def remember(session, key: str, started: dict) -> None:
    """Keep the sign-in *started* under *key*, forgetting the expired and the oldest."""
    pending = {
        k: value
        for k, value in session.get(PENDING, {}).items()
        if value["started"] > time.time() - PENDING_SECONDS
    }
    oldest_first = sorted(pending, key=lambda k: pending[k]["started"])
    for old in oldest_first[: max(0, len(oldest_first) - (PENDING_KEPT - 1))]:
        del pending[old]
    pending[key] = {**started, "started": time.time()}
    session[PENDING] = pending


def take(session, key) -> dict | None:
    """The sign-in started under *key*, once: taken out of the session (None if none)."""
    pending = session.get(PENDING, {})
    started = pending.pop(key, None) if isinstance(key, str) else None
    if started is not None:
        session[PENDING] = pending
    return started


def waited_too_long(started: dict) -> bool:
    return started["started"] < time.time() - PENDING_SECONDS
