"""The dossier's history as people read it: who did what, in a sentence, the fields a change
touched by their labels (with old → new where the value may be shown), grouped by day.

The audit log holds database words ("update", "agreement", "test_result"); this turns an
entry into what a director or a parent reads: "Tom Hendriks heeft een afspraak vastgelegd",
"Hanneke de Wit heeft het dossier bekeken". It only presents what the selectors read
(pupils/selectors.py: dossier_history, access_history); who may see it is the pupil
policy's VIEW_HISTORY and the portal's.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schoolprivacy.audit import MASK
from schoolprivacy.audit_entry import AuditEntry

Action = AuditEntry.Action

#: The kinds of event a history can be filtered by: (name, label, audit action).
KINDS = (
    ("recorded", gettext_lazy("Recorded"), Action.CREATE),
    ("changed", gettext_lazy("Changed"), Action.UPDATE),
    ("deleted", gettext_lazy("Deleted"), Action.DELETE),
    ("viewed", gettext_lazy("Viewed"), Action.ACCESS),
)
ACTION_OF_KIND = {name: action for name, _label, action in KINDS}

#: What an entry is about, by model, as a sentence names it (with its article).
THINGS = {
    "pupils.pupil": gettext_lazy("the pupil's details"),
    "pupils.agreement": gettext_lazy("an agreement"),
    "pupils.testresult": gettext_lazy("a test result"),
    "pupils.note": gettext_lazy("a report or note"),
    "pupils.entryrevision": gettext_lazy("an earlier version of an entry"),
    "pupils.attachment": gettext_lazy("a document"),
    "pupils.specialrecord": gettext_lazy("a special-category record"),
    "pupils.emergencyaccess": gettext_lazy("an emergency access"),
    "pupils.restrictedaccess": gettext_lazy("a look at restricted data"),
    "pupils.processinghold": gettext_lazy("a hold on the pupil's data"),
    "pupils.guardianship": gettext_lazy("a parent or guardian"),
    "pupils.emergencycontact": gettext_lazy("an emergency contact"),
    "pupils.parentdeclaration": gettext_lazy("a parent's declaration"),
    "consents.decision": gettext_lazy("a consent"),
    "consents.takedown": gettext_lazy("a takedown"),
    "consents.consentevent": gettext_lazy("a consent event"),
    "requests.datarequest": gettext_lazy("a request of a parent"),
}

#: Fields no one needs to read in a history: keys and bookkeeping the app keeps itself.
UNREAD = frozenset({"id", "uid", "pupil", "version", "recorded_at", "revised_at"})

#: The longest value shown whole; longer ones are cut off with an ellipsis.
LONGEST = 120


@dataclass
class Change:
    """One field a change touched: its label, and its old and new value where they may be
    shown (both empty where not: encrypted, a link to another record)."""

    label: str
    old: str = ""
    new: str = ""

    @property
    def shown(self) -> bool:
        return bool(self.old or self.new)


@dataclass
class Event:
    when: datetime.datetime
    who: str
    sentence: str
    kind: str
    changes: list[Change] = field(default_factory=list)

    @property
    def day(self) -> datetime.date:
        return timezone.localtime(self.when).date()


def who_of(entry: AuditEntry) -> str:
    if entry.actor_id is not None:
        return entry.actor.full_name
    return entry.actor_email or _("The system")


def event_of(entry: AuditEntry, *, what_was_viewed=None, who: str | None = None) -> Event:
    """*entry* as a sentence; *what_was_viewed* names the part a look was at (ACCESS)."""
    who = who or who_of(entry)
    kind = next(name for name, _label, action in KINDS if action == entry.action)
    if entry.action == Action.ACCESS:
        what = what_was_viewed(entry) if what_was_viewed else _("the dossier")
        return Event(entry.timestamp, who, _("%(who)s viewed %(what)s") % _of(who, what), kind)
    model = entry.content_type.model_class() if entry.content_type_id else None
    label = f"{entry.content_type.app_label}.{entry.content_type.model}"
    thing: Any = THINGS.get(label)
    if thing is None:
        name = model._meta.verbose_name if model else entry.content_type.model
        thing = _("a record (%(kind)s)") % {"kind": name}
    sentence = {
        Action.CREATE: _("%(who)s recorded %(what)s"),
        Action.UPDATE: _("%(who)s changed %(what)s"),
        Action.DELETE: _("%(who)s deleted %(what)s"),
    }[entry.action] % _of(who, thing)
    changes = _changes(model, entry) if entry.action == Action.UPDATE else []
    return Event(entry.timestamp, who, sentence, kind, changes)


def _of(who: str, what) -> dict:
    return {"who": who, "what": what}


def _changes(model, entry: AuditEntry) -> list[Change]:
    """The fields an update touched, by their labels, with old → new where they may be shown."""
    changes = []
    for name, values in (entry.changes or {}).items():
        if name in UNREAD or not isinstance(values, list | tuple) or len(values) != 2:
            continue
        try:
            model_field = model._meta.get_field(name) if model else None
        except FieldDoesNotExist:
            model_field = None
        label = str(model_field.verbose_name) if model_field is not None else name
        change = Change(label[:1].upper() + label[1:])
        if model_field is not None and _may_show(model_field, values):
            change.old, change.new = (_readable(model_field, value) for value in values)
        changes.append(change)
    return changes


def _may_show(model_field, values) -> bool:
    """A value is shown unless the log masked it (encrypted) or it is a key of another row."""
    return MASK not in values and not model_field.is_relation


def _readable(model_field, value) -> str:
    if value in (None, "None", ""):
        return "—"
    value = str(value)
    if model_field.flatchoices:
        return str(dict((str(k), v) for k, v in model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return _("yes") if value == "True" else _("no")
    if isinstance(model_field, models.DateTimeField):
        return _when(value, datetime.datetime.fromisoformat, "DATETIME_FORMAT")
    if isinstance(model_field, models.DateField):
        return _when(value, datetime.date.fromisoformat, "DATE_FORMAT")
    return value if len(value) <= LONGEST else value[: LONGEST - 1] + "…"


def _when(value: str, parse, format_name: str) -> str:
    try:
        moment = parse(value)
    except ValueError:
        return value
    if isinstance(moment, datetime.datetime) and timezone.is_naive(moment):
        moment = timezone.localtime(timezone.make_aware(moment, datetime.UTC))
    return formats.date_format(moment, format_name)
