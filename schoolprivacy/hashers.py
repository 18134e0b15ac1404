"""How passwords are kept: Argon2id (RFC 9106), at a cost chosen for report-card hour.

Django's default, PBKDF2-SHA256 at 1,000,000 iterations, costs about a quarter to half a
second of CPU per login: tens of thousands of parents logging in within the hour after
the reports go out would need several cores for hashing alone. Argon2id with 19 MiB of
memory and four passes costs about 40 ms of CPU here (`make bench` measures a login),
and is memory-hard: a guessing rig is held back by memory bandwidth and size, where
PBKDF2 only by arithmetic that GPUs do well. Each pass over 19 MiB moves as much memory
as OWASP's first Argon2id setting (19 MiB, two passes) and this does it twice.

A password kept with PBKDF2 (every account made before this hasher) is still checked
with it, and kept again with Argon2id at the next successful login (Django's
``check_password`` upgrades a hash whose hasher is not the first in PASSWORD_HASHERS, or
whose cost differs from the one set here).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """Django's Argon2 hasher (Argon2id, encoded as "argon2$argon2id$…"), at our cost."""

    time_cost = 4
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
