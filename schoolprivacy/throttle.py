"""How often something may happen per address or per client, counted in Redis.

django-axes counts failed logins in PostgreSQL and locks a login name with a network
address (settings: AXES_*); it knows only logins. This counts the other doors anyone can
knock on without a password, such as the mail with a link to choose a new password
(services.password_reset_request). The counts live in Redis, shared by every web process;
a key holds an HMAC of what is counted, never an e-mail or network address itself.

A window starts with the first attempt and lasts *window* seconds; within it at most
*limit* attempts pass. When Redis cannot be asked, the limit counts as reached: a door
that should be limited is not opened wide because the counter is away.
"""

import logging

import redis
from django.conf import settings
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)

PREFIX = "schoolprivacy:throttle:"
#: Redis is asked with short timeouts: a page waits on it at most this long (seconds).
TIMEOUT = 2


def _client() -> redis.Redis:
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT
    )


def _key(scope: str, value: str) -> str:
    digest = salted_hmac("schoolprivacy.throttle", f"{scope}\n{value}").hexdigest()
    return f"{PREFIX}{scope}:{digest}"


def attempt(scope: str, value: str, *, limit: int, window: int) -> bool:
    """Count one attempt of *value* in *scope*; True while the window holds at most *limit*.

    False when Redis cannot be asked (logged, without *value*).
    """
    key = _key(scope, value)
    try:
        with _client() as client:
            with client.pipeline() as pipe:  # MULTI ... EXEC: both answers at once
                count, ttl = pipe.incr(key).ttl(key).execute()
            if ttl < 0:  # the first attempt of a window (or a key that lost its expiry)
                client.expire(key, window)
    except redis.RedisError as error:
        logger.warning("Limit %s cannot be checked (%s): refused", scope, type(error).__name__)
        return False
    return count <= limit


def forget(scope: str = "") -> int:
    """Forget the counted attempts (of *scope*, or all); returns how many keys went."""
    with _client() as client:
        keys = list(client.scan_iter(match=f"{PREFIX}{scope or ''}*", count=500))
        return client.delete(*keys) if keys else 0
