"""The items of a pupil's data a parent can name in a request, one by one.

An item is an entry of the dossier (an agreement, a test result, a report or note),
a special-category record, or one optional field of the personal details. Its key
names it without its contents: ``note:12``, ``special:4``, ``pupil:5:gender``. The
requests app stores keys; this module finds the object behind one, says which
category of data it belongs to (for retention and holds), and describes it by kind
and date only.
"""

import datetime
from dataclasses import dataclass

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from schoolprivacy.fields import declared_field

from . import corrections
from .models import Agreement, DataCategory, Note, Pupil, SpecialRecord, TestResult

#: The entry kinds (corrections.TARGETS) that are rows of their own, with their date field.
ENTRY_DATES = {
    "agreement": "agreed_on",
    "test_result": "taken_on",
    "note": "written_on",
    "special": "recorded_at",
}


@dataclass(frozen=True)
class ItemRef:
    """Which item: a row of *target* (``field`` empty), or one field of it."""

    target: str
    target_id: int
    field: str = ""

    @property
    def key(self) -> str:
        parts = [self.target, str(self.target_id)]
        if self.field:
            parts.append(self.field)
        return ":".join(parts)

    @classmethod
    def parse(cls, key: str) -> "ItemRef | None":
        """The item a key names, or None for anything that is not an item key."""
        parts = (key or "").split(":")
        if len(parts) not in (2, 3) or parts[0] not in corrections.TARGETS:
            return None
        try:
            target_id = int(parts[1])
        except ValueError:
            return None
        field = parts[2] if len(parts) == 3 else ""
        if field and field not in erasable_fields(parts[0]):
            return None
        if not field and parts[0] not in ENTRY_DATES:
            return None  # the pupil's own record is not an item: its fields are
        return cls(parts[0], target_id, field)

    @classmethod
    def of(cls, key: str) -> "ItemRef":
        """The item of a key this system stored (a request's); ValueError if it is none."""
        ref = cls.parse(key)
        if ref is None:
            raise ValueError(f"not an item key: {key!r}")
        return ref

    @property
    def model(self) -> type[models.Model]:
        return corrections.TARGETS[self.target].model


#: Parts of the name: never emptied on their own (a name is corrected, not erased).
NAME_FIELDS = frozenset({"first_name", "name_prefix", "last_name"})


def erasable_fields(target: str) -> tuple[str, ...]:
    """The fields of the personal details that can be emptied on their own (the model allows
    no value): the gender, the BSN. An entry or record is erased whole.
    """
    if target != "pupil":
        return ()
    return tuple(
        name
        for name in corrections.TARGETS["pupil"].fields
        if name not in NAME_FIELDS and ((f := declared_field(Pupil, name)).blank or f.null)
    )


def find(pupil: Pupil, ref: ItemRef):
    """The object behind *ref* if it is *pupil*'s and still there; None otherwise."""
    if ref.target == "pupil":
        return pupil if ref.target_id == pupil.pk else None
    return ref.model._default_manager.filter(pk=ref.target_id, pupil=pupil).first()


def category_of(ref: ItemRef, obj) -> str:
    """The category of data the item belongs to: what its retention and holds follow."""
    if ref.target == "pupil":
        return DataCategory.ADMINISTRATION
    if ref.target == "special":
        return DataCategory.SPECIAL
    if ref.target == "note" and obj is not None and obj.kind == Note.Kind.REFERRAL:
        return DataCategory.REFERRAL
    return DataCategory.DOSSIER


def date_of(ref: ItemRef, obj) -> datetime.date | None:
    """The day the item is about (an entry's date; a record's day of recording)."""
    name = ENTRY_DATES.get(ref.target)
    value = getattr(obj, name, None) if name and obj is not None else None
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value)
    return value


def describe(ref: ItemRef, *, kind_label: str, day: datetime.date | None) -> str:
    """How an item is named to people, without its contents: "report or note, 2 October 2026"
    or "test result, 1 October 2026: remark"."""
    text = kind_label
    if day is not None:
        text = _("%(kind)s of %(date)s") % {
            "kind": kind_label,
            "date": formats.date_format(day),
        }
    if ref.field:
        text = f"{text}: {corrections.correctable_field(ref.target, ref.field).verbose_name}"
    return text


def kind_code(ref: ItemRef, obj) -> str:
    """The kind of item, as a code that outlives the item: "agreement", "referral",
    "medication"... (kind_name turns it into words)."""
    if ref.target in ("note", "special") and obj is not None:
        return obj.kind
    return ref.target


def kind_name(code: str, visible_kinds=None) -> str:
    """A kind_code in words, in the active language. With *visible_kinds* (the special
    categories the reader may see), another special kind is named only as such: a director
    deciding on a deletion does not learn from its name that a diagnosis exists."""
    if (
        visible_kinds is not None
        and code in SpecialRecord.Kind.values
        and code not in visible_kinds
    ):
        return str(corrections.TARGETS["special"].label)
    names = {
        **{target: spec.label for target, spec in corrections.TARGETS.items()},
        **dict(Note.Kind.choices),
        **dict(SpecialRecord.Kind.choices),
    }
    return str(names.get(code, code))


def label_of(key: str, code: str, day: datetime.date | None, visible_kinds=None) -> str:
    """How a stored item key is named, also once the item is gone (kind and date only)."""
    ref = ItemRef.parse(key)
    if ref is None:
        return key
    return describe(ref, kind_label=kind_name(code, visible_kinds), day=day)


@dataclass
class Item:
    """One item of a pupil's data, as a list of choices shows it."""

    ref: ItemRef
    obj: object
    category: str
    day: datetime.date | None
    title: str  # the entry's own title or test name, for the parent who asked (never stored)

    @property
    def key(self) -> str:
        return self.ref.key

    @property
    def kind(self) -> str:
        return kind_code(self.ref, self.obj)

    @property
    def label(self) -> str:
        return self.label_for(None)

    def label_for(self, visible_kinds) -> str:
        """The label as a reader who sees *visible_kinds* of special records may read it."""
        return describe(self.ref, kind_label=kind_name(self.kind, visible_kinds), day=self.day)


def _title(ref: ItemRef, obj) -> str:
    if isinstance(obj, Note):
        return obj.title
    if isinstance(obj, TestResult):
        return obj.test_name
    if isinstance(obj, Agreement):
        return obj.agreement[:60]
    return ""


def item(pupil: Pupil, ref: ItemRef) -> Item | None:
    """The Item behind *ref*, or None."""
    obj = find(pupil, ref)
    if obj is None:
        return None
    return Item(ref, obj, category_of(ref, obj), date_of(ref, obj), _title(ref, obj))


def items_of(pupil: Pupil, *, categories=None) -> list[Item]:
    """Every item of the pupil's dossier a parent can name: the entries and records, newest
    first per kind, then the optional personal details that hold a value.

    With *categories*, only the items of those categories. The caller checked that the
    user may see all of them (a holder of parental authority, or the pupil from 16).
    """
    found: list[Item] = []
    queries = (
        ("agreement", Agreement.objects.filter(pupil=pupil).order_by("-agreed_on", "-pk")),
        ("test_result", TestResult.objects.filter(pupil=pupil).order_by("-taken_on", "-pk")),
        ("note", Note.objects.filter(pupil=pupil).order_by("-written_on", "-pk")),
        ("special", SpecialRecord.objects.filter(pupil=pupil).order_by("kind", "-recorded_at")),
    )
    for target, rows in queries:
        for obj in rows:
            ref = ItemRef(target, obj.pk)
            found.append(
                Item(ref, obj, category_of(ref, obj), date_of(ref, obj), _title(ref, obj))
            )
    if pupil.anonymised_at is None:
        for name in erasable_fields("pupil"):
            if getattr(pupil, name) not in (None, ""):
                ref = ItemRef("pupil", pupil.pk, name)
                found.append(Item(ref, pupil, DataCategory.ADMINISTRATION, None, ""))
    if categories is not None:
        found = [i for i in found if i.category in categories]
    return found
