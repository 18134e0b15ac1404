"""The erasure ledger: every erasure, one JSON line, in a file kept apart from the database.

A backup restored from before an erasure brings the erased data back; the ledger does
not go back with it. `manage.py erasures_reapply` reads it and erases again what the
restored database holds of it. A line holds ids, categories and the reference of the
request it answered (``AVG-2026-00012``), never data: the proof that a request was handled
survives a restore.
"""

import json
import os
from pathlib import Path

from django.conf import settings


def path() -> Path:
    return Path(settings.ERASURE_LEDGER_PATH)


def append(record) -> None:
    """Write *record* (an ErasureRecord) as one line, flushed to disk before returning."""
    request = record.request
    line = json.dumps(
        {
            "key": str(record.key),
            "at": record.at.isoformat(),
            "pupil": record.pupil_id,
            "pupil_uid": str(record.pupil.uid),
            "source": record.source,
            "categories": list(record.categories),
            "erased": record.erased,
            "request": record.request_id,
            "request_key": str(request.submission) if request else None,
            "request_reference": request.reference if request else None,
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


def problems() -> list[str]:
    """What would stop the ledger from being read and written here (empty: nothing).

    A restore asks this before it touches the database: a ledger it cannot read would
    leave erased data in the restored database.
    """
    target = path()
    folder = target.parent
    if not folder.is_dir():
        return [
            f"the ledger's directory {folder} does not exist (ERASURE_LEDGER_PATH is wrong, "
            "or no erasure was ever made here: then create it)"
        ]
    if not os.access(folder, os.W_OK | os.X_OK):
        return [f"the ledger's directory {folder} cannot be written (ERASURE_LEDGER_PATH)"]
    if target.exists() and not os.access(target, os.R_OK | os.W_OK):
        return [f"the ledger {target} cannot be read and written"]
    try:
        entries()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return [f"the ledger {target} cannot be read: {type(error).__name__}"]
    return []


def references_keep() -> int:
    """After erasures_reapply: give each erasure the reference of the request its ledger
    line names, and its request where the restored database holds that request.
    Returns how many erasures changed."""
    from .models import DataRequest, ErasureRecord

    named = {e["key"]: e for e in entries() if e.get("request_reference")}
    if not named:
        return 0
    missing = ErasureRecord.objects.filter(key__in=list(named), request_reference="")
    requests = {
        str(submission): pk
        for submission, pk in DataRequest.objects.filter(
            submission__in=[e["request_key"] for e in named.values() if e.get("request_key")]
        ).values_list("submission", "pk")
    }
    changed = 0
    for record in missing.only("pk", "key", "request_id"):
        entry = named[str(record.key)]
        record.request_reference = entry["request_reference"]
        fields = ["request_reference"]
        if record.request_id is None and entry.get("request_key") in requests:
            record.request_id = requests[entry["request_key"]]
            fields.append("request")
        record.save(update_fields=fields)
        changed += 1
    return changed
