"""EDEXML files for the tests, written the way a pupil administration writes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

NAMESPACE = "http://www.edustandaard.nl/edex/2.1"


@dataclass
class P:
    """A pupil as the file names it."""

    key: str
    last_name: str
    first: str
    birth: str = "2017-03-14"
    prefix: str = ""
    group: str = "g5"
    year_group: str = "5"
    gender: str = "2"
    bsn: str = ""
    eckid: str = ""
    combined: list[str] = field(default_factory=list)


@dataclass
class T:
    key: str
    last_name: str
    first: str
    email: str
    groups: list[str] = field(default_factory=list)


def _text(tag: str, value: str) -> str:
    return f"<{tag}>{escape(value)}</{tag}>" if value != "" else ""


def edexml(
    pupils: list[P],
    *,
    brin: str = "99RB",
    year: str = "2026-2027",
    groups=(("g5", "Groep 5", "5", False), ("g6", "Groep 6", "6", False)),
    teachers: list[T] = (),
    namespace: bool = True,
    prefix: str = "",
) -> bytes:
    """An EDEX.XML, with its namespace (as default, or under *prefix*) or without."""
    p = f"{prefix}:" if prefix else ""
    if not namespace:
        root_attrs = ""
    elif prefix:
        root_attrs = f' xmlns:{prefix}="{NAMESPACE}"'
    else:
        root_attrs = f' xmlns="{NAMESPACE}"'
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<{p}EDEX{root_attrs}>']
    out.append(
        f"<{p}school>{_text(p + 'schooljaar', year)}{_text(p + 'brincode', brin)}"
        f"{_text(p + 'dependancecode', '00')}</{p}school>"
    )
    out.append(f"<{p}groepen>")
    for key, name, year_group, combined in groups:
        tag = "samengestelde_groep" if combined else "groep"
        out.append(
            f"<{p}{tag} key={quoteattr(key)}>{_text(p + 'naam', name)}"
            f"{_text(p + 'jaargroep', year_group)}</{p}{tag}>"
        )
    out.append(f"</{p}groepen><{p}leerlingen>")
    for pupil in pupils:
        eckid = f" eckid={quoteattr(pupil.eckid)}" if pupil.eckid else ""
        out.append(
            f"<{p}leerling key={quoteattr(pupil.key)}{eckid}>"
            f"{_text(p + 'achternaam', pupil.last_name)}{_text(p + 'voorvoegsel', pupil.prefix)}"
            f"{_text(p + 'voornamen', pupil.first)}{_text(p + 'roepnaam', pupil.first)}"
            f"{_text(p + 'geboortedatum', pupil.birth)}{_text(p + 'geslacht', pupil.gender)}"
            f"{_text(p + 'jaargroep', pupil.year_group)}{_text(p + 'bsn', pupil.bsn)}"
            + (f"<{p}groep key={quoteattr(pupil.group)}/>" if pupil.group else "")
            + (
                f"<{p}samengestelde_groepen>"
                + "".join(f"<{p}samengestelde_groep key={quoteattr(k)}/>" for k in pupil.combined)
                + f"</{p}samengestelde_groepen>"
                if pupil.combined
                else ""
            )
            + f"</{p}leerling>"
        )
    out.append(f"</{p}leerlingen><{p}leerkrachten>")
    for teacher in teachers:
        out.append(
            f"<{p}leerkracht key={quoteattr(teacher.key)}>"
            f"{_text(p + 'achternaam', teacher.last_name)}{_text(p + 'roepnaam', teacher.first)}"
            f"{_text(p + 'emailadres', teacher.email)}<{p}groepen>"
            + "".join(f"<{p}groep key={quoteattr(k)}/>" for k in teacher.groups)
            + f"</{p}groepen></{p}leerkracht>"
        )
    out.append(f"</{p}leerkrachten></{p}EDEX>")
    return "\n".join(out).encode("utf-8")
