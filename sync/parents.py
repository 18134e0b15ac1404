"""The parents and guardians, from the pupil administration's CSV export (verzorgers).

Each administration names its columns its own way: which column holds what is set
once per school (ColumnMapping) and used for every later import. A row links a parent
(by e-mail address: one account per address) to a pupil (by the pupil's key in the
administration), with the relation and whether the parent holds parental authority;
where the export has them, it also brings the parent's address and phone numbers
(ParentContact: one per parent, whichever of their children's rows carries it). New
parents are linked without an invitation: the administrator chooses when the
invitations go out.
"""

from __future__ import annotations

import codecs
import csv
import io
import json

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pupils.models import Guardianship, ParentContact, Pupil
from pupils.validators import validate_phone
from schoolprivacy.uploads import looks_like_markup

from .models import ImportLine, ImportRun

Kind = ImportLine.Kind

#: What a mapping names: field → (label, required).
FIELDS = {
    "pupil_key": (gettext_lazy("pupil's key in the administration"), True),
    "email": (gettext_lazy("e-mail address of the parent"), True),
    "first_name": (gettext_lazy("first name of the parent"), False),
    "prefix": (gettext_lazy("prefix of the parent's surname"), False),
    "last_name": (gettext_lazy("last name of the parent"), True),
    "relation": (gettext_lazy("relation to the pupil"), False),
    "authority": (gettext_lazy("holds parental authority (yes/no)"), False),
    "street": (gettext_lazy("street (with the house number, or without)"), False),
    "house_number": (gettext_lazy("house number"), False),
    "postcode": (gettext_lazy("postcode"), False),
    "city": (gettext_lazy("town or city"), False),
    "phone_mobile": (gettext_lazy("mobile phone"), False),
    "phone_home": (gettext_lazy("home phone"), False),
    "phone_work": (gettext_lazy("work phone"), False),
}
#: The contact fields (ParentContact) a mapping can fill, and the columns that make them.
CONTACT_FIELDS = ParentContact.FIELDS
CONTACT_COLUMNS = ("street", "house_number", "postcode", "city", *ParentContact.PHONES)

#: Column headers that administrations commonly use, to propose a mapping.
GUESSES = {
    "pupil_key": ("leerlingkey", "leerling key", "leerlingnummer", "key leerling", "pupil_key"),
    "email": ("e-mail", "email", "e-mailadres", "emailadres", "e-mail verzorger"),
    "first_name": ("roepnaam", "voornaam", "roepnaam verzorger", "voornaam verzorger"),
    "prefix": ("voorvoegsel", "tussenvoegsel", "voorvoegsel verzorger", "tussenvoegsel verzorger"),
    "last_name": ("achternaam", "achternaam verzorger", "naam verzorger"),
    "relation": ("relatie", "relatie tot leerling", "relation"),
    "authority": ("gezag", "ouderlijk gezag", "wettelijk gezag", "authority"),
    "street": ("straat", "straatnaam", "adres", "straat verzorger", "adres verzorger"),
    "house_number": ("huisnummer", "huisnr", "huisnummer verzorger"),
    "postcode": ("postcode", "postcode verzorger"),
    "city": ("woonplaats", "plaats", "woonplaats verzorger"),
    "phone_mobile": ("mobiel", "telefoon mobiel", "mobiel nummer", "mobiel verzorger"),
    "phone_home": ("telefoon", "telefoon thuis", "telefoonnummer", "telefoon verzorger"),
    "phone_work": ("telefoon werk", "werk", "telefoon werk verzorger"),
}

RELATIONS = {
    "moeder": Guardianship.Relation.MOTHER,
    "mother": Guardianship.Relation.MOTHER,
    "vader": Guardianship.Relation.FATHER,
    "father": Guardianship.Relation.FATHER,
    "voogd": Guardianship.Relation.GUARDIAN,
    "guardian": Guardianship.Relation.GUARDIAN,
    "pleegouder": Guardianship.Relation.FOSTER_PARENT,
    "pleegmoeder": Guardianship.Relation.FOSTER_PARENT,
    "pleegvader": Guardianship.Relation.FOSTER_PARENT,
    "foster parent": Guardianship.Relation.FOSTER_PARENT,
}
YES = {"ja", "j", "yes", "y", "1", "true", "waar", "x"}
NO = {"nee", "n", "no", "0", "false", "onwaar", ""}


class Unreadable(Exception):
    """The CSV cannot be used at all."""


def header_of(stream) -> tuple[list[str], type[csv.Dialect], str]:
    """The column names of a CSV export, its dialect and its encoding (UTF-8, else Latin-1)."""
    head = stream.read(64 * 1024)
    stream.seek(0)
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if not text.strip() or "\x00" in text:
        raise Unreadable(_("The file is empty or not a CSV file."))
    if looks_like_markup(head):
        raise Unreadable(_("The file is a web page, an image or XML, not a CSV file."))
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=";,\t")
    except csv.Error:
        raise Unreadable(_("The file is not a CSV file: no columns found.")) from None
    header = next(csv.reader(io.StringIO(text), dialect))
    if len(header) < 2:
        raise Unreadable(_("The file is not a CSV file: no columns found."))
    return [h.strip() for h in header], dialect, encoding


def guess(header: list[str]) -> dict[str, str]:
    """A proposed mapping: for each field, the first column whose name is a known one."""
    lowered = {h.lower(): h for h in header}
    proposal = {}
    for name, candidates in GUESSES.items():
        for candidate in candidates:
            if candidate in lowered:
                proposal[name] = lowered[candidate]
                break
    return proposal


def missing(mapping: dict, header: list[str]) -> list[str]:
    """The required fields the mapping does not point at a column of *header*."""
    return [
        name
        for name, (_label, required) in FIELDS.items()
        if required and mapping.get(name) not in header
    ]


def rows(stream, dialect, encoding):
    """(line number, row as a dict) for every row after the header, read as a stream."""
    reader = csv.DictReader(codecs.getreader(encoding)(stream), dialect=dialect)
    reader.fieldnames = [f.strip() for f in reader.fieldnames or []]
    for row in reader:
        yield reader.line_num, row


class ParentsPlanner:
    """Compares each row of the parents export with the school's guardianships."""

    def __init__(self, run: ImportRun, school, mapping: dict):
        self.run = run
        self.mapping = mapping
        self.counts = {"new": 0, "changed": 0, "unchanged": 0, "errors": 0, "leaving": 0}
        self.lines: list[ImportLine] = []
        self.pupils = dict(
            Pupil.objects.filter(
                school=school, external_key__isnull=False, anonymised_at__isnull=True
            ).values_list("external_key", "pk")
        )
        self.existing = {
            (pupil_id, email.lower()): (relation, authority)
            for pupil_id, email, relation, authority in Guardianship.objects.filter(
                pupil__school=school
            )
            .values_list("pupil_id", "parent__email", "relation", "has_parental_authority")
            .iterator(chunk_size=2000)
        }
        self.seen: set[tuple[int | None, str]] = set()
        # The contact fields the file holds (columns mapped), and what the school holds.
        self.contact_fields = [
            name
            for name in CONTACT_FIELDS
            if mapping.get(name) or (name == "street" and mapping.get("house_number"))
        ]
        self.contacts = {}
        if self.contact_fields:
            held = ParentContact.objects.filter(
                parent__guardianships__pupil__school=school
            ).distinct()
            self.contacts = {
                contact.parent_email.lower(): {f: getattr(contact, f) for f in self.contact_fields}
                for contact in held.annotate(parent_email=F("parent__email"))
                .only("uid", *self.contact_fields)
                .iterator(chunk_size=2000)  # not a board's 100,000 model objects at once
            }
        # The addresses whose contact a line already carries.
        self.contact_planned: set[str] = set()

    def contact(self, row: dict) -> dict:
        """The contact fields of *row* that the file holds: street with the house number."""
        values = {name: self.value(row, name) for name in self.contact_fields}
        if "street" in values and self.mapping.get("house_number"):
            number = self.value(row, "house_number")
            values["street"] = " ".join(p for p in (values["street"], number) if p)
        return values

    def value(self, row: dict, name: str) -> str:
        column = self.mapping.get(name)
        return (row.get(column) or "").strip() if column else ""

    def on_row(self, line: int, row: dict) -> None:
        key = self.value(row, "pupil_key")
        email = self.value(row, "email").lower()
        last = self.value(row, "last_name")
        problem = None
        if key not in self.pupils:
            problem = _("No pupil of the school has the key %(key)s.") % {"key": key or "–"}
        else:
            try:
                validate_email(email)
            except ValidationError:
                problem = _("Not an e-mail address: %(value)s.") % {"value": email or "–"}
        if problem is None and not last:
            problem = _("The parent's last name is missing.")
        relation_text = self.value(row, "relation").lower()
        relation = RELATIONS.get(relation_text, Guardianship.Relation.OTHER)
        authority_text = self.value(row, "authority").lower()
        if problem is None and authority_text not in YES | NO:
            problem = _("Parental authority is not yes or no: %(value)s.") % {
                "value": authority_text
            }
        pupil_id = self.pupils.get(key)
        if problem is None and (pupil_id, email) in self.seen:
            problem = _("This parent and pupil occur twice in the file.")
        contact = self.contact(row)
        for name in ParentContact.PHONES:
            if problem is None and contact.get(name):
                try:
                    validate_phone(contact[name])
                except ValidationError as error:
                    problem = " ".join(error.messages)
        if problem or pupil_id is None:  # (an unknown pupil is a problem)
            self.counts["errors"] += 1
            self._add(Kind.ERROR, line, key, message=problem or "")
            return
        self.seen.add((pupil_id, email))
        authority = authority_text in YES if self.mapping.get("authority") else True
        name = " ".join(
            p for p in (self.value(row, "first_name"), self.value(row, "prefix"), last) if p
        )
        data = {
            "email": email,
            "full_name": name[:150],
            "relation": relation,
            "has_parental_authority": authority,
        }
        # A parent's contact is theirs, not the link's: it goes with one line per parent.
        held = self.contacts.get(email, {})
        contact_changed = (
            []
            if email in self.contact_planned
            else [name for name in self.contact_fields if held.get(name, "") != contact[name]]
        )
        if contact_changed:
            self.contact_planned.add(email)
            data["contact"] = contact
        known = self.existing.get((pupil_id, email))
        if known is None:
            self.counts["new"] += 1
            self._add(Kind.NEW, line, key, pupil_id=pupil_id, data=data)
            return
        fields = [
            f
            for f, old, new in (
                ("relation", known[0], relation),
                ("has_parental_authority", known[1], authority),
            )
            if old != new
        ]
        if fields or contact_changed:
            self.counts["changed"] += 1
            data["before"] = {
                "relation": known[0],
                "has_parental_authority": known[1],
                **{name: held.get(name, "") for name in contact_changed},
            }
            data.update({name: contact[name] for name in contact_changed})
            self._add(
                Kind.CHANGED,
                line,
                key,
                pupil_id=pupil_id,
                data=data,
                fields=[*fields, *contact_changed],
            )
        else:
            self.counts["unchanged"] += 1

    def finish(self) -> None:
        if self.lines:
            ImportLine.objects.bulk_create(self.lines)
            self.lines = []
        self.run.counts = self.counts

    def _add(self, kind, line, key, *, pupil_id=None, data=None, message="", fields=()):
        self.lines.append(
            ImportLine(
                run=self.run,
                kind=kind,
                subject=ImportLine.Subject.PARENT,
                line=line,
                key=(key or "")[:100],
                pupil_id=pupil_id,
                fields=list(fields),
                data=json.dumps(data) if data is not None else None,
                message=str(message)[:300],
            )
        )
        if len(self.lines) >= 1000:
            ImportLine.objects.bulk_create(self.lines)
            self.lines = []
