"""The demo's exports of the pupil administration, in demo/files/: the EDEX.XML and the
parents CSV of De Regenboog as its administration (ParnasSys) would export them once the
demo is seeded, so that the import can be tried (README, "Trying the import").

They are written from the seeded demo by ``manage.py demo_exports`` and kept in the
repository; a test checks that they still match the demo. Against the seeded demo the
EDEX.XML shows every kind of line: the pupils and groups made here get their keys (matched
by BSN, and groups by name), two pupils are new, one moved to another group, one left the
school, and one teacher is new. The parents CSV names the parents of every pupil: those
of the new pupils are new.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from xml.etree import ElementTree as ET  # writing only: files are read by defusedxml

from pupils.models import Group, GroupUserObjectPermission, Guardianship, Pupil
from schoolprivacy.models import School, User

from . import data

DIRECTORY = Path(__file__).resolve().parent / "files"
EDEXML = "EDEX.XML"
PARENTS = "verzorgers.csv"
NAMESPACE = "http://www.edustandaard.nl/edex/2.1"
SCHOOL_BRIN = "99RB"

#: (key, first name, last name, date of birth, gender, group index): pupils new in the export.
NEW_PUPILS = [
    ("RB-0901", "Mila", "Kok", date(2021, 3, 9), "f", 0),
    ("RB-0902", "Ravi", "Jagernath", date(2018, 6, 21), "m", 3),
]
#: (key, first name, last name, e-mail, group indexes): the new teacher.
NEW_TEACHER = ("T-0903", "Ilse", "de Boer", "ilse.deboer@regenboog.example", [0, 1])
RELATIONS: dict[str, str] = {
    Guardianship.Relation.MOTHER: "Moeder",
    Guardianship.Relation.FATHER: "Vader",
    Guardianship.Relation.GUARDIAN: "Voogd",
    Guardianship.Relation.FOSTER_PARENT: "Pleegouder",
}
PARENT_FIRST_NAMES = ["Eva", "Mark", "Sara", "Joost", "Lisa", "Bas", "Fleur", "Rob"]
#: (pupil key, first name, last name, e-mail, relation, authority): the new pupils' parents.
NEW_PARENTS = [
    ("RB-0901", "Anouk", "Kok", "anouk.kok@ouders.example", "Moeder", "ja"),
    ("RB-0901", "Thijs", "Kok", "thijs.kok@ouders.example", "Vader", "ja"),
    ("RB-0902", "Priya", "Jagernath", "priya.jagernath@ouders.example", "Moeder", "ja"),
]
GENDERS = {"m": "1", "f": "2", "x": "9"}


def _sorted_pupils(school: School) -> list[Pupil]:
    return list(
        Pupil.objects.filter(school=school, left_on__isnull=True, anonymised_at__isnull=True)
        .select_related("group")
        .order_by("last_name", "first_name", "date_of_birth", "pk")
    )


def _story(pupil: Pupil) -> bool:
    return any(
        (first, last) == (pupil.first_name, pupil.last_name)
        for _s, _g, first, _p, last, _gender, _links in data.STORY_PUPILS
    )


def _plan(school: School) -> tuple[list[tuple[str, Pupil]], Pupil]:
    """The pupils in the export with their keys (all but the first pupil without a story,
    who left), and the second one, who moved to the next group."""
    pupils = _sorted_pupils(school)
    leaver, mover = [p for p in pupils if not _story(p)][:2]
    keyed = [(f"RB-{n:04d}", pupil) for n, pupil in enumerate(pupils, start=1)]
    return [(key, pupil) for key, pupil in keyed if pupil != leaver], mover


def _groups(school: School) -> list[Group]:
    return list(
        Group.objects.filter(school=school, school_year=data.SCHOOL_YEAR).order_by(
            "year_group", "name"
        )
    )


def _group_key(group: Group) -> str:
    return f"G-{group.year_group:02d}"


def edexml_bytes(school: School) -> bytes:
    ET.register_namespace("", NAMESPACE)

    def el(parent, tag, text=None, **attrs):
        node = ET.SubElement(parent, f"{{{NAMESPACE}}}{tag}", attrs)
        if text not in (None, ""):
            node.text = str(text)
        return node

    root = ET.Element(f"{{{NAMESPACE}}}EDEX")
    info = el(root, "school")
    el(info, "schooljaar", f"{data.SCHOOL_YEAR}-{data.SCHOOL_YEAR + 1}")
    el(info, "brincode", school.brin)
    el(info, "dependancecode", "00")
    groups = _groups(school)
    listed = el(root, "groepen")
    for group in groups:
        node = el(listed, "groep", key=_group_key(group))
        el(node, "naam", group.name)
        el(node, "jaargroep", group.year_group)
    keyed, mover = _plan(school)
    rows: list[tuple[str, str, str, str, date, str, str, Group]] = []
    for key, p in keyed:
        pupil_group = p.group
        if pupil_group is None:  # never: every demo pupil is in a group
            continue
        if p == mover:
            pupil_group = groups[(groups.index(pupil_group) + 1) % len(groups)]
        names = (p.first_name, p.name_prefix, p.last_name)
        rows.append((key, *names, p.date_of_birth, p.gender, p.bsn, pupil_group))
    for key, first, last, born, gender, index in NEW_PUPILS:
        rows.append((key, first, "", last, born, gender, "", groups[index]))
    pupils = el(root, "leerlingen")
    for key, first, prefix, last, born, gender, bsn, group in rows:
        node = el(pupils, "leerling", key=key)
        el(node, "achternaam", last)
        el(node, "voorvoegsel", prefix)
        el(node, "voornamen", first)
        el(node, "roepnaam", first)
        el(node, "geboortedatum", born.isoformat())
        el(node, "geslacht", GENDERS.get(gender, "0"))
        el(node, "jaargroep", group.year_group)
        el(node, "bsn", bsn)
        el(node, "groep", key=_group_key(group))
    teachers = el(root, "leerkrachten")
    taught: dict[User, list[Group]] = {}
    permissions = GroupUserObjectPermission.objects.filter(content_object__in=groups)
    for permission in permissions.select_related("user", "content_object").order_by(
        "user__email", "content_object__year_group"
    ):
        taught.setdefault(permission.user, []).append(permission.content_object)
    people: list[tuple[str, str, str, str, list[Group]]] = []
    for n, (user, taught_groups) in enumerate(taught.items(), start=1):
        first_name, last_name = user.full_name.split(" ", 1)
        people.append((f"T-{n:04d}", first_name, last_name, user.email, taught_groups))
    key, first, last, email, indexes = NEW_TEACHER
    people.append((key, first, last, email, [groups[i] for i in indexes]))
    for key, first, last, email, taught_groups in people:
        node = el(teachers, "leerkracht", key=key)
        el(node, "achternaam", last)
        el(node, "roepnaam", first)
        el(node, "emailadres", email)
        refs = el(node, "groepen")
        for group in taught_groups:
            el(refs, "groep", key=_group_key(group))
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def parents_bytes(school: School) -> bytes:
    """The parents CSV as ParnasSys writes it: semicolons, a header row, Dutch values."""
    keyed, _mover = _plan(school)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            "Leerlingnummer",
            "Roepnaam verzorger",
            "Tussenvoegsel verzorger",
            "Achternaam verzorger",
            "E-mail verzorger",
            "Relatie tot leerling",
            "Ouderlijk gezag",
            "Straat",
            "Huisnummer",
            "Postcode",
            "Woonplaats",
            "Telefoon mobiel",
        ]
    )
    links: dict[int, list[Guardianship]] = {}
    for guardianship in Guardianship.objects.filter(pupil__school=school).select_related("parent"):
        links.setdefault(guardianship.pupil_id, []).append(guardianship)
    for n, (key, pupil) in enumerate(keyed):
        known = sorted(links.get(pupil.pk, []), key=lambda g: g.parent.email)
        if known:
            for guardianship in known:
                parent = guardianship.parent
                first, last = parent.full_name.split(" ", 1)
                writer.writerow(
                    [
                        key,
                        first,
                        "",
                        last,
                        parent.email,
                        RELATIONS.get(guardianship.relation, "Overig"),
                        "ja" if guardianship.has_parental_authority else "nee",
                        *contact_of(parent.email),
                    ]
                )
            continue
        writer.writerow(
            [
                key,
                PARENT_FIRST_NAMES[n % len(PARENT_FIRST_NAMES)],
                pupil.name_prefix,
                pupil.last_name,
                f"ouder.{key.lower()}@ouders.example",
                "Moeder" if n % 2 else "Vader",
                "ja",
                *contact_of(f"ouder.{key.lower()}@ouders.example"),
            ]
        )
    for key, first, last, email, relation, authority in NEW_PARENTS:
        writer.writerow([key, first, "", last, email, relation, authority, *contact_of(email)])
    return out.getvalue().encode("utf-8")


STREETS = ["Kerkstraat", "Molenweg", "Dorpsstraat", "Schoolstraat", "Lindelaan", "Beukenhof"]


def contact_of(email: str) -> list[str]:
    """Street, house number, postcode, town and mobile number of a parent, made up from the
    address (the same for every row of the parent; the numbers are not real ones)."""
    n = sum(ord(c) * (i + 1) for i, c in enumerate(email))
    return [
        STREETS[n % len(STREETS)],
        str(n % 97 + 1),
        f"{3500 + n % 90} {chr(65 + n % 23)}{chr(66 + n % 19)}",
        "Utrecht",
        f"06-{10000000 + n * 7919 % 90000000:08d}",
    ]


def write(directory: Path = DIRECTORY) -> list[Path]:
    school = School.objects.get(brin=SCHOOL_BRIN)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in ((EDEXML, edexml_bytes(school)), (PARENTS, parents_bytes(school))):
        path = directory / name
        path.write_bytes(content)
        written.append(path)
    return written
