"""The maintenance flag: closes the site and stops background work while a backup is restored.

The flag is a file (MAINTENANCE_FLAG_PATH, by default beside the erasure ledger): it
lives outside the database that is restored, every web process and worker that writes
the ledger sees the same one, and it needs no network, so a Redis that is down or
emptied neither opens the site too early nor closes it. The site opens again only once
the erasures made after the backup are applied again (`manage.py erasures_reapply`).
"""

import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone


def flag() -> Path:
    configured = getattr(settings, "MAINTENANCE_FLAG_PATH", "")
    if configured:
        return Path(configured)
    return Path(settings.ERASURE_LEDGER_PATH).parent / "maintenance"


def is_on() -> bool:
    return flag().exists()


def close(reason: str) -> Path:
    """Put the site in maintenance (written to disk before returning); returns the flag."""
    path = flag()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as file:
        file.write(f"{timezone.now().isoformat()} {reason}\n")
        file.flush()
        os.fsync(file.fileno())
    return path


def reopen() -> bool:
    """End maintenance; False when the site was not in maintenance."""
    try:
        flag().unlink()
    except FileNotFoundError:
        return False
    return True
