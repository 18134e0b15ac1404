"""The complete copy of everything the school holds on a child (GDPR Art. 15).

Gathered from every app through its selectors: the dossier and its special
categories, the groups and parents, consents with their history and exact
texts, the publications the child is in, who receives which data, the
requests, and who looked at the dossier; with the Art. 15 information
(purposes, recipients, retention, rights, sources). It is written twice: as
JSON for machines and as one readable HTML page, in the requester's language.

The personal data of the other parent(s) is not the requester's to receive
(Art. 15(4)): their names and e-mail addresses are replaced wherever they
appear, decisions they took show only their role, and their own requests are
left out. What was left out is counted, and the count is logged.
"""

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from functools import cached_property

from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consents import selectors as consent_selectors
from consents.selectors import STATE_LABELS
from pupils import items as pupil_items
from pupils import looks as pupil_looks
from pupils import selectors as pupil_selectors
from pupils import services as pupil_services
from pupils.models import Pupil, SpecialRecord
from schoolprivacy import personal_data
from suppliers import selectors as supplier_selectors

from . import retention
from .models import DataRequest

#: Where the other parent's data stood.
REDACTED = "[…]"
#: Parts of Dutch surnames that are words of their own, never left out alone.
NAME_PREFIXES = frozenset({"van", "de", "der", "den", "ter", "te", "het", "'t", "op", "in", "von"})


@dataclass
class Redactor:
    """Replaces the other parents' names and addresses in text, and counts what it left out."""

    patterns: list[re.Pattern] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def for_others(cls, others, pupil: Pupil) -> "Redactor":
        """Patterns for the other parents: e-mail address, full name, surname, first name.

        Names match as written (capitalised), so that "van", "de" or "roos" in running
        text stay; a name the child also bears (the family name, usually) is not taken
        out, or the copy would lose the child's own name.
        """
        child = {part for part in (pupil.first_name, pupil.last_name) if part}
        child |= {" ".join(p for p in (pupil.name_prefix, pupil.last_name) if p)}
        names: set[str] = set()
        addresses: set[str] = set()
        for person in others:
            addresses.add(person.email)
            parts = person.full_name.split()
            if not parts:
                continue
            names.add(person.full_name)
            first, rest = parts[0], parts[1:]
            surname = " ".join(rest)
            bare = [p for p in rest if p.lower() not in NAME_PREFIXES]
            for candidate in (first, surname, " ".join(bare)):
                if len(candidate) >= 3 and candidate not in child:
                    names.add(candidate)
        words = [(w, re.IGNORECASE) for w in addresses] + [(w, 0) for w in names]
        # Longest first, so that a full name goes before its parts.
        patterns = [
            re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)", flags)
            for word, flags in sorted(words, key=lambda w: len(w[0]), reverse=True)
            if word
        ]
        return cls(patterns=patterns)

    def count(self, what: str, n: int = 1) -> None:
        if n:
            self.counts[what] = self.counts.get(what, 0) + n

    def text(self, value) -> str:
        text = "" if value is None else str(value)
        for pattern in self.patterns:
            text, n = pattern.subn(REDACTED, text)
            self.count("mentions_in_text", n)
        return text


def _date(value) -> str:
    return value.isoformat() if value else ""


def _moment(value) -> str:
    return timezone.localtime(value).isoformat(timespec="minutes") if value else ""


@dataclass
class _Copy:
    """What every section of one copy needs: the request, its pupil, and the redactor."""

    request: DataRequest
    pupil: Pupil
    redact: Redactor
    guardians: list

    @classmethod
    def of(cls, request: DataRequest) -> "_Copy":
        pupil = request.pupil
        guardians = list(pupil_selectors.guardians_of(pupil=pupil))
        others = [g.parent for g in guardians if g.parent_id != request.requester_id]
        return cls(request, pupil, Redactor.for_others(others, pupil), guardians)

    @cached_property
    def entries(self) -> dict[str, list]:
        return pupil_selectors.dossier_entries(pupil=self.pupil)

    def source(self, entry) -> str:
        label = entry.get_source_display()
        if not entry.source_detail:
            return label
        return f"{label} ({self.redact.text(entry.source_detail)})"

    def own_contact(self, contact) -> bool:
        """An emergency contact that is another parent is that parent's data (Art. 15(4))."""
        if contact.parent_id in (None, self.request.requester_id):
            return True
        self.redact.count("other_parents_contact")
        return False

    def by_requester(self, user_id) -> bool:
        return user_id in (self.request.requester_id, self.pupil.account_id)


def collect(request: DataRequest) -> tuple[dict, dict[str, int]]:
    """Everything held on the request's pupil, for its requester; and what was left out.

    The sections holding the pupil's data are those of the registry of personal data
    (schoolprivacy/personal_data.py), each built by its function in SECTIONS; the rest
    (who receives the data, who looked, the Art. 15 information) are about the school's
    processing of it.
    """
    declared = personal_data.copy_sections()
    unwritten = set(declared) - set(SECTIONS)
    if unwritten:
        raise ImproperlyConfigured(f"The copy has no section for {sorted(unwritten)}")
    copy = _Copy.of(request)
    data: dict[str, object] = {"about": _about(copy)}
    for section, build in SECTIONS.items():
        if section in declared:
            data[section] = build(copy)
    data["recipients"] = _recipients(copy)
    data["access_history"] = _access_history(copy)
    data["information"] = information(request)
    return data, copy.redact.counts


def _about(copy: _Copy) -> dict:
    request, pupil = copy.request, copy.pupil
    return {
        "title": _("Copy of the data the school holds on %(name)s") % {"name": pupil.full_name},
        "made_at": _moment(timezone.now()),
        "request": request.reference,
        "school": pupil.school.name,
        "school_board": request.board.name,
        "privacy_contact": request.board.privacy_contact_email,
    }


def _pupil(copy: _Copy) -> dict:
    pupil = copy.pupil
    return {
        "first_name": pupil.first_name,
        "prefix": pupil.name_prefix,
        "last_name": pupil.last_name,
        "date_of_birth": _date(pupil.date_of_birth),
        "gender": pupil.get_gender_display(),
        "bsn": pupil.bsn or "",
        "school": pupil.school.name,
        "group": pupil.group.name if pupil.group else "",
        "enrolled_on": _date(pupil.enrolled_on),
        "left_on": _date(pupil.left_on),
        "own_login": pupil.account.email if pupil.account else "",
    }


def _parents(copy: _Copy) -> list[dict]:
    parents = []
    for g in copy.guardians:
        own = g.parent_id == copy.request.requester_id
        if not own:
            copy.redact.count("other_parents")
        parents.append(
            {
                "relation": g.get_relation_display(),
                "name": g.parent.full_name if own else REDACTED,
                "email": g.parent.email if own else REDACTED,
                "parental_authority": g.has_parental_authority,
                "information_right": g.has_information_right,
                "you": own,
            }
        )
    return parents


def _groups(copy: _Copy) -> list[dict]:
    return [
        {"group": str(p.group), "from": _date(p.start_on), "until": _date(p.end_on)}
        for p in pupil_selectors.placements_of(pupil=copy.pupil)
    ]


def _agreements(copy: _Copy) -> list[dict]:
    text = copy.redact.text
    return [
        {
            "date": _date(a.agreed_on),
            "participants": text(a.participants),
            "agreement": text(a.agreement),
            "follow_up": text(a.follow_up),
            "follow_up_on": _date(a.follow_up_on),
            "recorded_by": a.author.full_name,
            "recorded_at": _moment(a.recorded_at),
            "source": copy.source(a),
        }
        for a in copy.entries["agreements"]
    ]


def _test_results(copy: _Copy) -> list[dict]:
    return [
        {
            "test": t.test_name,
            "date": _date(t.taken_on),
            "score": t.score,
            "level": t.level,
            "remark": copy.redact.text(t.remark),
            "recorded_by": t.author.full_name,
            "source": copy.source(t),
        }
        for t in copy.entries["test_results"]
    ]


def _notes(copy: _Copy) -> list[dict]:
    return [
        {
            "kind": n.get_kind_display(),
            "date": _date(n.written_on),
            "title": copy.redact.text(n.title),
            "text": copy.redact.text(n.body),
            "recorded_by": n.author.full_name,
            "source": copy.source(n),
        }
        for n in copy.entries["notes"]
    ]


def _special_categories(copy: _Copy) -> list[dict]:
    return [
        {
            "kind": s.get_kind_display(),
            "content": copy.redact.text(s.content),
            "recorded_by": s.author.full_name,
            "recorded_at": _moment(s.recorded_at),
            "source": copy.source(s),
            "ended_on": _date(s.ended_on),
            "why_it_ended": copy.redact.text(s.end_reason),
        }
        for s in pupil_selectors.special_records_of(pupil=copy.pupil)
    ]


def _earlier_versions(copy: _Copy) -> list[dict]:
    text = copy.redact.text
    return [
        {
            "entry": _entry_label(revision),
            "version": revision.version,
            "text": {
                key: text(str(value)) if value not in (None, "") else ""
                for key, value in pupil_services.revision_values(revision).items()
            },
            "changed_by": revision.corrected_by.full_name,
            "changed_at": _moment(revision.corrected_at),
            "reason": text(revision.reason),
        }
        for revision in pupil_selectors.revisions_all(pupil=copy.pupil)
    ]


def _documents(copy: _Copy) -> list[dict]:
    return [
        {
            "description": copy.redact.text(document.title),
            "file": f"{DOCUMENTS}/{document.filename}",
            "belongs_to": _entry_label(document),
            "added_at": _moment(document.added_at),
        }
        for document in pupil_selectors.attachments_of(pupil=copy.pupil, content=False)
    ]


def _your_contact_details(copy: _Copy) -> dict:
    return _contact(pupil_selectors.own_contact(user=copy.request.requester))


def _emergency_contacts(copy: _Copy) -> list[dict]:
    contacts = pupil_selectors.emergency_contacts(pupils=[copy.pupil.pk], with_parents=False)
    rows = []
    for contact in contacts.get(copy.pupil.pk, []):
        own = copy.own_contact(contact)
        rows.append(
            {
                "kind": contact.get_kind_display(),
                "name": contact.display_name if own else REDACTED,
                "relation": contact.relation_label,
                "phone": ", ".join(n for _label, n in contact.numbers) if own else REDACTED,
            }
        )
    return rows


def _your_declaration(copy: _Copy) -> list[dict]:
    declarations = []
    for declaration in pupil_selectors.declarations_of(pupil=copy.pupil):
        if declaration.parent_id != copy.request.requester_id:
            copy.redact.count("declarations_of_others")
            continue
        declarations.append(
            {
                "education_level": declaration.get_education_level_display(),
                "nationality": declaration.nationality,
                "declared_on": _date(declaration.declared_on),
                "legal_basis": declaration.legal_basis,
            }
        )
    return declarations


def _restricted_looks(copy: _Copy) -> list[dict]:
    return [
        {
            "when": _moment(look.at),
            "who": look.user.full_name,
            "kinds": [str(SpecialRecord.Kind(kind).label) for kind in look.kinds],
            "reason": copy.redact.text(look.reason),
        }
        for look in pupil_selectors.restricted_looks_of(pupil=copy.pupil)
    ]


def _emergency_access(copy: _Copy) -> list[dict]:
    return [
        {
            "when": _moment(e.opened_at),
            "who": e.user.full_name,
            "reason": copy.redact.text(e.reason),
        }
        for e in pupil_selectors.emergency_accesses_of(pupil=copy.pupil)
    ]


def _holds(copy: _Copy) -> list[dict]:
    text = copy.redact.text
    return [
        {
            "kind": h.get_kind_display(),
            "data": [str(label) for label in h.category_labels],
            "since": _moment(h.placed_at),
            "reason": text(h.reason),
            "lifted": _moment(h.lifted_at),
            "why_lifted": text(h.lift_reason),
        }
        for h in pupil_selectors.holds_of(pupil=copy.pupil)
    ]


def _consents(copy: _Copy) -> dict:
    pupil = copy.pupil
    decisions = []
    for d in consent_selectors.decision_history(pupil=pupil):
        own = copy.by_requester(d.decided_by_id)
        if not own:
            copy.redact.count("decisions_by_others")
        decisions.append(
            {
                "purpose": d.version.title,
                "version": d.version.number,
                "text": d.version.text,
                "decision": d.get_choice_display(),
                "decided_by": d.decided_by.full_name if own else d.get_decider_role_display(),
                "as": d.get_decider_role_display(),
                "decided_at": _moment(d.decided_at),
                "how": d.get_channel_display(),
            }
        )
    return {
        "now": [
            {
                "purpose": view.version.title if view.version else view.purpose.untitled,
                "state": str(STATE_LABELS[view.outcome.state]),
            }
            for view in consent_selectors.consent_overview(pupil=pupil)
        ],
        "decisions": decisions,
        "events": [
            {"event": e.get_trigger_display(), "from": _date(e.started_on)}
            for e in consent_selectors.events_of(pupil=pupil)
        ],
        "asked": [
            {
                "question": q.version.title,
                "school_year": f"{q.school_year}-{q.school_year + 1}",
                "asked_on": _moment(q.sent_at),
                "reminded_on": _moment(q.reminded_at),
                "asked": q.recipient.full_name if copy.by_requester(q.recipient_id) else REDACTED,
            }
            for q in consent_selectors.questions_asked_of(pupil=pupil)
        ],
        "taken_down": [
            {
                "what": t.publication.title,
                "channel": consent_selectors.channel_title(t.publication.purpose),
                "asked_on": _moment(t.created_at),
                "done_on": _moment(t.done_at),
            }
            for t in consent_selectors.takedowns_of(pupil=pupil)
        ],
        "publications": [
            {
                "what": p.title,
                "channel": consent_selectors.channel_title(p.purpose),
                "published_on": _date(p.published_on),
                "where": p.location,
            }
            for p in consent_selectors.publications_of(pupil=pupil)
        ],
    }


def _requests(copy: _Copy) -> list[dict]:
    """The requester's own requests; those of other parents are theirs (Art. 15(4))."""
    own = []
    for r in DataRequest.objects.filter(pupil=copy.pupil).order_by("received_at", "pk"):
        if r.requester_id != copy.request.requester_id:
            copy.redact.count("requests_by_others")
            continue
        own.append(
            {
                "reference": r.reference,
                "request": r.get_kind_display(),
                "received_on": _date(r.received_on),
                "due_on": _date(r.due_on),
                "status": r.get_status_display(),
            }
        )
    return own


def _recipients(copy: _Copy) -> list[dict]:
    return [
        {
            "name": r.name,
            "kind": _("supplier") if r.kind == "supplier" else _("recipient on a legal basis"),
            "data": r.field_labels,
            "received": [
                {"field": p.label, "since": _date(p.since), "until": _date(p.until)}
                for p in r.field_periods
            ],
            "not_shared_now": r.withheld_labels,
            "explicitly_not": r.not_shared,
            "since": _date(r.since),
            "privacy_leaflet": r.leaflet_url,
            "legal_basis": r.legal_basis,
        }
        for r in supplier_selectors.pupil_receivers(pupil=copy.pupil)
    ]


def _access_history(copy: _Copy) -> list[dict]:
    return [
        {
            "when": _moment(item["when"]),
            "who": item["who"],
            "role": ", ".join(str(role) for role in item["roles"]),
            "what": str(item["what"]),
        }
        for item in pupil_looks.every_look(pupil=copy.pupil)
    ]


#: How each section of personal data (a ``copy`` of schoolprivacy/personal_data.py) is
#: written in the copy. tests/test_personal_data.py holds the two together.
SECTIONS = {
    "pupil": _pupil,
    "parents": _parents,
    "groups": _groups,
    "agreements": _agreements,
    "test_results": _test_results,
    "notes": _notes,
    "special_categories": _special_categories,
    "earlier_versions": _earlier_versions,
    "documents": _documents,
    "your_contact_details": _your_contact_details,
    "emergency_contacts": _emergency_contacts,
    "your_declaration": _your_declaration,
    "restricted_looks": _restricted_looks,
    "emergency_access": _emergency_access,
    "holds": _holds,
    "consents": _consents,
    "requests": _requests,
}


def information(request: DataRequest) -> dict:
    """The Art. 15(1) information: purposes, recipients, retention, rights, complaint, sources."""
    lines = supplier_selectors.processing_register(boards=[request.board])
    return {
        "purposes": [
            {
                "processing": line.activity.name,
                "purpose": line.activity.purpose,
                "legal_basis": line.activity.legal_basis,
                "data": line.activity.data_categories,
                "retention": line.activity.retention,
            }
            for line in lines
        ],
        "retention": [
            {"data": str(dict(retention.ErasureCategory.choices)[c]), "rule": str(rule.basis)}
            for c, rule in ((c, retention.RULES[c]) for c in retention.ORDER)
        ],
        "rights": [
            _("You may see everything the school holds on your child, and get a copy (this one)."),
            _("You may have data corrected or completed, with a statement of your own."),
            _("You may ask for data to be deleted that the school no longer needs."),
            _("You may ask the school to restrict its use of data, or object to it."),
            _("Where the school asked your consent, you may withdraw it at any time."),
        ],
        "complaint": _(
            "If you do not agree with how the school handles your child's data, tell the "
            "school's privacy officer (%(contact)s). You may also complain to the Autoriteit "
            "Persoonsgegevens (autoriteitpersoonsgegevens.nl), or go to court."
        )
        % {"contact": request.board.privacy_contact_email or request.school.name},
        "sources": _(
            "Most data comes from you and from the school itself. Where another source gave "
            "it (a care partner, a previous school), the item names it under 'source'."
        ),
    }


#: The folder of the ZIP that holds the documents of the dossier.
DOCUMENTS = "documents"


def _entry_label(row) -> str:
    """What a revision or document belongs to, by kind (pupils.items), without contents."""
    target, _pk = row.target
    return pupil_items.kind_name(target)


def _contact(contact) -> dict:
    if contact is None:
        return {}
    return {
        str(contact._meta.get_field(name).verbose_name): getattr(contact, name)
        for name in contact.FIELDS
        if getattr(contact, name)
    }


def build(request: DataRequest) -> tuple[bytes, dict[str, int]]:
    """The ZIP of the copy (data.json and copy.html) in the requester's language."""
    with translation.override(request.requester.language):
        data, redactions = collect(request)
        html = render_to_string(
            "requests/copy/copy.html", {"data": data, "redactions": redactions}
        )
    payload = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", payload)
        archive.writestr("copy.html", html)
        for document in pupil_selectors.attachments_of(pupil=request.pupil):
            archive.writestr(
                f"{DOCUMENTS}/{document.filename}", pupil_services.attachment_bytes(document)
            )
    return buffer.getvalue(), redactions
