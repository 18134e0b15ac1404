"""The erasure ledger: every erasure, one JSON line, in a file kept apart from the database.

A backup restored from before an erasure brings the erased data back; the ledger does
not go back with it. `manage.py erasures_reapply` reads it and erases again what the
restored database holds of it. A line holds ids and categories, never data.
"""

import json
import os
from pathlib import Path

from django.conf import settings


def path() -> Path:
    return Path(settings.ERASURE_LEDGER_PATH)


def append(record) -> None:
    """Write *record* (an ErasureRecord) as one line, flushed to disk before returning."""
    line = json.dumps(
        {
            "key": str(record.key),
            "at": record.at.isoformat(),
            "pupil": record.pupil_id,
            "pupil_uid": str(record.pupil.uid),
            "source": record.source,
            "categories": list(record.categories),
            "erased": record.erased,
        },
        sort_keys=True,
    )
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as ledger:
        ledger.write(line + "\n")
        ledger.flush()
        os.fsync(ledger.fileno())


def entries() -> list[dict]:
    """Every line of the ledger, oldest first (a missing file is an empty ledger)."""
    try:
        text = path().read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]
