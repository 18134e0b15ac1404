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

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consents import selectors as consent_selectors
from consents.selectors import STATE_LABELS
from pupils import items as pupil_items
from pupils import selectors as pupil_selectors
from pupils import services as pupil_services
from pupils.models import Pupil, SpecialRecord
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


def collect(request: DataRequest) -> tuple[dict, dict[str, int]]:
    """Everything held on the request's pupil, for its requester; and what was left out."""
    pupil = request.pupil
    guardians = list(pupil_selectors.guardians_of(pupil=pupil))
    others = [g.parent for g in guardians if g.parent_id != request.requester_id]
    redact = Redactor.for_others(others, pupil)
    entries = pupil_selectors.dossier_entries(pupil=pupil)
    holds = list(pupil_selectors.holds_of(pupil=pupil))

    parents = []
    for g in guardians:
        own = g.parent_id == request.requester_id
        if not own:
            redact.count("other_parents")
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

    decisions = []
    for d in consent_selectors.decision_history(pupil=pupil):
        own = d.decided_by_id in (request.requester_id, pupil.account_id)
        if not own:
            redact.count("decisions_by_others")
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

    own_requests = []
    for r in DataRequest.objects.filter(pupil=pupil).order_by("received_at", "pk"):
        if r.requester_id != request.requester_id:
            redact.count("requests_by_others")
            continue
        own_requests.append(
            {
                "reference": r.reference,
                "request": r.get_kind_display(),
                "received_on": _date(r.received_on),
                "due_on": _date(r.due_on),
                "status": r.get_status_display(),
            }
        )

    declarations = []
    for declaration in pupil_selectors.declarations_of(pupil=pupil):
        if declaration.parent_id != request.requester_id:
            redact.count("declarations_of_others")
            continue
        declarations.append(
            {
                "education_level": declaration.get_education_level_display(),
                "nationality": declaration.nationality,
                "declared_on": _date(declaration.declared_on),
                "legal_basis": declaration.legal_basis,
            }
        )

    def own_or_none(contact) -> bool:
        """An emergency contact that is another parent is that parent's data (Art. 15(4))."""
        if contact.parent_id in (None, request.requester_id):
            return True
        redact.count("other_parents_contact")
        return False

    def source(entry) -> str:
        label = entry.get_source_display()
        return f"{label} ({redact.text(entry.source_detail)})" if entry.source_detail else label

    data = {
        "about": {
            "title": _("Copy of the data the school holds on %(name)s")
            % {"name": pupil.full_name},
            "made_at": _moment(timezone.now()),
            "request": request.reference,
            "school": pupil.school.name,
            "school_board": request.board.name,
            "privacy_contact": request.board.privacy_contact_email,
        },
        "pupil": {
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
            "own_login": pupil.account.email if pupil.account_id else "",
        },
        "parents": parents,
        "groups": [
            {"group": str(p.group), "from": _date(p.start_on), "until": _date(p.end_on)}
            for p in pupil_selectors.placements_of(pupil=pupil)
        ],
        "agreements": [
            {
                "date": _date(a.agreed_on),
                "participants": redact.text(a.participants),
                "agreement": redact.text(a.agreement),
                "follow_up": redact.text(a.follow_up),
                "follow_up_on": _date(a.follow_up_on),
                "recorded_by": a.author.full_name,
                "recorded_at": _moment(a.recorded_at),
                "source": source(a),
            }
            for a in entries["agreements"]
        ],
        "test_results": [
            {
                "test": t.test_name,
                "date": _date(t.taken_on),
                "score": t.score,
                "level": t.level,
                "remark": redact.text(t.remark),
                "recorded_by": t.author.full_name,
                "source": source(t),
            }
            for t in entries["test_results"]
        ],
        "notes": [
            {
                "kind": n.get_kind_display(),
                "date": _date(n.written_on),
                "title": redact.text(n.title),
                "text": redact.text(n.body),
                "recorded_by": n.author.full_name,
                "source": source(n),
            }
            for n in entries["notes"]
        ],
        "special_categories": [
            {
                "kind": s.get_kind_display(),
                "content": redact.text(s.content),
                "recorded_by": s.author.full_name,
                "recorded_at": _moment(s.recorded_at),
                "source": source(s),
                "ended_on": _date(s.ended_on),
                "why_it_ended": redact.text(s.end_reason),
            }
            for s in pupil_selectors.special_records_of(pupil=pupil)
        ],
        "earlier_versions": [
            {
                "entry": _entry_label(revision),
                "version": revision.version,
                "text": {
                    key: redact.text(str(value)) if value not in (None, "") else ""
                    for key, value in pupil_services.revision_values(revision).items()
                },
                "changed_by": revision.corrected_by.full_name,
                "changed_at": _moment(revision.corrected_at),
                "reason": redact.text(revision.reason),
            }
            for revision in pupil_selectors.revisions_all(pupil=pupil)
        ],
        "documents": [
            {
                "description": redact.text(document.title),
                "file": f"{DOCUMENTS}/{document.filename}",
                "belongs_to": _entry_label(document),
                "added_at": _moment(document.added_at),
            }
            for document in pupil_selectors.attachments_of(pupil=pupil, content=False)
        ],
        "your_contact_details": _contact(pupil_selectors.own_contact(user=request.requester)),
        "emergency_contacts": [
            {
                "kind": contact.get_kind_display(),
                "name": contact.display_name if own_or_none(contact) else REDACTED,
                "relation": contact.relation_label,
                "phone": ", ".join(n for _label, n in contact.numbers)
                if own_or_none(contact)
                else REDACTED,
            }
            for contact in pupil_selectors.emergency_contacts(
                pupils=[pupil.pk], with_parents=False
            ).get(pupil.pk, [])
        ],
        "your_declaration": declarations,
        "restricted_looks": [
            {
                "when": _moment(look.at),
                "who": look.user.full_name,
                "kinds": [str(SpecialRecord.Kind(kind).label) for kind in look.kinds],
                "reason": redact.text(look.reason),
            }
            for look in pupil_selectors.restricted_looks_of(pupil=pupil)
        ],
        "emergency_access": [
            {
                "when": _moment(e.opened_at),
                "who": e.user.full_name,
                "reason": redact.text(e.reason),
            }
            for e in pupil_selectors.emergency_accesses_of(pupil=pupil)
        ],
        "holds": [
            {
                "kind": h.get_kind_display(),
                "data": [str(label) for label in h.category_labels],
                "since": _moment(h.placed_at),
                "reason": redact.text(h.reason),
                "lifted": _moment(h.lifted_at),
                "why_lifted": redact.text(h.lift_reason),
            }
            for h in holds
        ],
        "consents": {
            "now": [
                {
                    "purpose": view.version.title if view.version else view.purpose.code,
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
                    "asked": q.recipient.full_name
                    if q.recipient_id in (request.requester_id, pupil.account_id)
                    else REDACTED,
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
        },
        "recipients": [
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
            for r in supplier_selectors.pupil_receivers(pupil=pupil)
        ],
        "requests": own_requests,
        "access_history": [
            {
                "when": _moment(item["when"]),
                "who": item["who"],
                "role": ", ".join(str(role) for role in item["roles"]),
                "what": str(item["what"]),
            }
            for item in pupil_selectors.access_history(pupil=pupil)
        ],
        "information": information(request),
    }
    return data, redact.counts


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
