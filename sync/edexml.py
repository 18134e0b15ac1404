"""Reading EDEXML 2.1: the pupils, groups and teachers a pupil administration exports.

EDEXML is the Edustandaard for exchanging these between school systems: the
``EDEX.XML`` file ParnasSys, ESIS and Magister export. One file describes one school
(``school``: ``brincode``, ``dependancecode``, ``schooljaar``), its groups (``groepen``:
``groep`` and ``samengestelde_groep``, each with ``@key``, ``naam`` and ``jaargroep``),
its pupils (``leerlingen``: ``leerling`` with ``@key``, ``@eckid``, the name parts,
``geboortedatum``, ``geslacht``, ``jaargroep``, ``emailadres``, the BSN where present,
and references to its groups) and its teachers (``leerkrachten``).

The file is read as a stream (SAX): each record is handed over as soon as it is
complete and then forgotten, so memory stays the same for 600 or 60,000 pupils. The
parser is defusedxml's: a document type declaration, entities and external references
are refused outright (no "billion laughs", no reading files from the server). Elements
are matched by their local name, so a file with or without its XML namespace reads
the same. Values are taken as written; checking them is the caller's work.
"""

from __future__ import annotations

import datetime
import xml.sax
from collections.abc import Callable
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.sax import make_parser
from django.utils.translation import gettext as _

#: ISO/IEC 5218, as EDEXML writes the gender: 1 male, 2 female; 0 and 9 tell nothing.
GENDERS = {"1": "m", "2": "f", "0": "", "9": "x"}


class Unreadable(Exception):
    """The file cannot be used at all: not XML, unsafe XML, or not an EDEXML file."""


@dataclass
class SchoolInfo:
    brin: str = ""
    dependance: str = ""
    school_year: str = ""
    line: int = 0

    @property
    def first_year(self) -> int | None:
        """The calendar year in which the school year starts ("2026-2027" → 2026)."""
        head = self.school_year.split("-")[0].strip()
        return int(head) if head.isdigit() and len(head) == 4 else None


@dataclass
class GroupRow:
    key: str
    name: str = ""
    year_group: str = ""
    combined: bool = False
    line: int = 0


@dataclass
class PersonRow:
    """A pupil or a teacher, with the values as the file gives them."""

    key: str
    line: int
    eckid: str = ""
    last_name: str = ""
    prefix: str = ""
    first_names: str = ""
    initials: str = ""
    call_name: str = ""
    birth: str = ""
    gender: str = ""
    year_group: str = ""
    email: str = ""
    bsn: str = ""
    group_keys: list[str] = field(default_factory=list)
    combined_keys: list[str] = field(default_factory=list)

    @property
    def first_name(self) -> str:
        """The name the person is called by: the roepnaam, else the first of the given names."""
        return self.call_name or (self.first_names.split() or [""])[0]

    @property
    def birth_date(self) -> datetime.date | None:
        try:
            return datetime.date.fromisoformat(self.birth[:10])
        except ValueError:
            return None


#: Element local name → PersonRow attribute.
_TEXT_FIELDS = {
    "achternaam": "last_name",
    "voorvoegsel": "prefix",
    "voornamen": "first_names",
    "voorletters-1": "initials",
    "roepnaam": "call_name",
    "geboortedatum": "birth",
    "geslacht": "gender",
    "jaargroep": "year_group",
    "emailadres": "email",
    "bsn": "bsn",
    "burgerservicenummer": "bsn",
}


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


class _Handler(xml.sax.ContentHandler):
    def __init__(self, on_school, on_group, on_pupil, on_teacher):
        super().__init__()
        self.on = {
            "school": on_school,
            "group": on_group,
            "pupil": on_pupil,
            "teacher": on_teacher,
        }
        self.path: list[str] = []
        self.record = None  # the SchoolInfo, GroupRow or PersonRow being read
        self.kind = ""
        self.depth = 0  # the depth of the current record's element
        self.text: list[str] = []
        self.root_seen = False

    def _line(self) -> int:
        locator = getattr(self, "_locator", None)  # set by the parser (setDocumentLocator)
        return locator.getLineNumber() if locator else 0

    def startElement(self, name, attrs):
        local = _local(name)
        if not self.root_seen:
            if local.lower() != "edex":
                raise Unreadable(
                    _("The file is not an EDEXML file (it starts with <%(element)s>).")
                    % {"element": local}
                )
            self.root_seen = True
        self.path.append(local)
        parent = self.path[-2] if len(self.path) > 1 else ""
        key = attrs.get("key", "").strip()
        if self.record is None:
            if local == "school" and parent.lower() == "edex":
                self._begin("school", SchoolInfo(line=self._line()))
            elif local in ("groep", "samengestelde_groep") and parent == "groepen":
                row = GroupRow(key=key, combined=local == "samengestelde_groep", line=self._line())
                self._begin("group", row)
            elif local == "leerling" and parent == "leerlingen":
                self._begin("pupil", PersonRow(key=key, line=self._line()))
                self.record.eckid = attrs.get("eckid", "").strip()
            elif local == "leerkracht" and parent == "leerkrachten":
                self._begin("teacher", PersonRow(key=key, line=self._line()))
        elif isinstance(self.record, PersonRow) and local == "groep" and key:
            self.record.group_keys.append(key)
        elif isinstance(self.record, PersonRow) and local == "samengestelde_groep" and key:
            self.record.combined_keys.append(key)
        self.text = []

    def _begin(self, kind, record):
        self.kind, self.record, self.depth = kind, record, len(self.path)

    def characters(self, content):
        self.text.append(content)

    def endElement(self, name):
        local = _local(name)
        value = "".join(self.text).strip()
        self.text = []
        record = self.record
        if record is not None and len(self.path) == self.depth + 1:
            if isinstance(record, SchoolInfo):
                attribute = {
                    "brincode": "brin",
                    "dependancecode": "dependance",
                    "schooljaar": "school_year",
                }.get(local)
                if attribute:
                    setattr(record, attribute, value)
            elif isinstance(record, GroupRow):
                if local == "naam":
                    record.name = value
                elif local == "jaargroep":
                    record.year_group = value
            elif local in _TEXT_FIELDS:
                setattr(record, _TEXT_FIELDS[local], value)
        if record is not None and len(self.path) == self.depth:
            self.record = None
            self.on[self.kind](record)
        self.path.pop()


def read(
    stream,
    *,
    on_school: Callable[[SchoolInfo], None],
    on_group: Callable[[GroupRow], None],
    on_pupil: Callable[[PersonRow], None],
    on_teacher: Callable[[PersonRow], None],
) -> None:
    """Read an EDEXML file from the binary *stream*, handing each record to its callback as
    soon as it is complete. Unreadable for a file that cannot be used at all; a callback
    may raise it too (a file of another school)."""
    parser = make_parser()
    parser.setFeature(xml.sax.handler.feature_namespaces, False)
    parser.setFeature(xml.sax.handler.feature_external_ges, False)
    parser.setFeature(xml.sax.handler.feature_external_pes, False)
    handler = _Handler(on_school, on_group, on_pupil, on_teacher)
    parser.setContentHandler(handler)
    parser.forbid_dtd = True
    parser.forbid_entities = True
    parser.forbid_external = True
    try:
        parser.parse(stream)
    except DefusedXmlException:
        raise Unreadable(
            _(
                "The file holds XML that is refused for safety (a document type declaration, "
                "entities or external references)."
            )
        ) from None
    except xml.sax.SAXParseException as error:
        raise Unreadable(
            _("The file is not well-formed XML (line %(line)s).") % {"line": error.getLineNumber()}
        ) from None
    if not handler.root_seen:
        raise Unreadable(_("The file is empty."))
