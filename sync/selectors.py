"""Reads of the sync, already filtered by sync/permissions.py."""

import json

from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet

from pupils.models import Pupil

from .models import ImportLine, ImportRun
from .permissions import runs_for


def recent_runs(*, user, limit: int = 20) -> list[ImportRun]:
    return list(runs_for(user).select_related("school", "uploaded_by")[:limit])


def lines_of(run: ImportRun, kind: str | None = None) -> QuerySet[ImportLine]:
    """The lines of *run* (of one *kind*), in the order of the file, each with its pupil."""
    lines = run.lines.select_related("pupil").order_by("kind", "subject", "line", "pk")
    return lines.filter(kind=kind) if kind else lines


def _label(name: str) -> str:
    try:
        return str(Pupil._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def readable(lines) -> list[ImportLine]:
    """The lines with what they are about in words (``who``) and, for a change, what was and
    what will be (``changes``); the values are read only for the page shown."""
    for line in lines:
        data = json.loads(line.data) if line.data else {}
        if line.subject == ImportLine.Subject.PUPIL:
            if data.get("last_name"):
                line.who = " ".join(
                    p for p in (data["first_name"], data["name_prefix"], data["last_name"]) if p
                )
            elif line.pupil_id:
                line.who = line.pupil.full_name
            else:
                line.who = line.key
        elif line.subject == ImportLine.Subject.TEACHER:
            line.who = data.get("full_name") or data.get("email") or line.key
        else:
            line.who = data.get("name") or line.key
        before = data.get("before") if isinstance(data.get("before"), dict) else {}
        if line.kind == ImportLine.Kind.MOVED:
            before = {"group": data.get("before") or ""}
            data = {"group": data.get("group_key") or ""}
        line.changes = [
            (_label(name), before.get(name, ""), data.get(name, ""))
            for name in line.fields
            if name != "external_key"
        ]
    return list(lines)
