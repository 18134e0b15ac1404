"""Telling the recipients (GDPR Art. 19): the notices a decision writes, their sending,
and the handler settling them.
"""

import datetime
from dataclasses import dataclass, field

from auditlog.context import set_actor
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from schoolprivacy.models import User
from suppliers import catalogue
from suppliers import selectors as supplier_selectors

from ..models import DataRequest, RecipientNotice, RequestEvent
from ._common import Status, _complete, _event, _lock, _reason, _require_handler, _say


@dataclass
class Change:
    """What a decision does to data that recipients may hold, for the Art. 19 notices.

    *codes* maps each catalogue code to the first day that matters (an erased item's
    date: a recipient that stopped receiving the field before never got it), or None;
    *items* names, per code, the single items concerned: (key, description, date).
    """

    action: str  # "correct", "erase" or "restrict"
    codes: dict[str, datetime.date | None] = field(default_factory=dict)
    items: dict[str, list[tuple[str, str, datetime.date | None]]] = field(default_factory=dict)

    def add(self, code: str, since: datetime.date | None = None, item=None) -> None:
        """*code* changes from *since* (None: whatever its date, all of it); *item* names the
        single item (key, description) the change is about. A code that changes as a whole
        (a whole category) names no single items: it is not "only" them."""
        whole = code in self.codes and self.codes[code] is None and not self.items.get(code)
        held = self.codes.get(code)
        if code not in self.codes:
            self.codes[code] = since
        elif held is not None:
            self.codes[code] = None if since is None else min(held, since)
        if item is None:
            self.items.pop(code, None)  # all of it
        elif not whole:
            self.items.setdefault(code, []).append((*item, since))


def _create_notices(data_request: DataRequest, changes) -> list[RecipientNotice]:
    """A notice for each supplier and legal recipient that received data the *changes*
    touch (a set of codes is a correction of those fields), naming precisely what.

    Its text is written now, in the school's language, while the pupil's name still
    exists: an erasure in the same transaction may take it away before the notice goes.
    """
    if isinstance(changes, set):
        changes = [Change("correct", dict.fromkeys(changes))]
    per_receiver: dict[tuple, dict] = {}
    for change in changes:
        if not change.codes:
            continue
        for receiver in supplier_selectors.receivers_of(
            pupil=data_request.pupil, fields=change.codes
        ):
            entry = per_receiver.setdefault(
                (receiver.kind, receiver.obj.pk), {"receiver": receiver, "parts": []}
            )
            items = {
                (key, label)
                for code in receiver.fields
                for key, label, since in change.items.get(code, ())
                if any(p.code == code and p.reaches(since) for p in receiver.periods)
            }
            entry["parts"].append((change.action, receiver.fields, sorted(items)))
    notices = []
    for entry in per_receiver.values():
        receiver = entry["receiver"]
        fields = catalogue.in_order({code for _a, codes, _i in entry["parts"] for code in codes})
        keys = sorted({key for _a, _c, items in entry["parts"] for key, _label in items})
        with translation.override(settings.LANGUAGE_CODE):
            subject, body = _notice_text(data_request, receiver.name, entry["parts"])
        notice, _created = RecipientNotice.objects.get_or_create(
            request=data_request,
            supplier=receiver.obj if receiver.kind == "supplier" else None,
            recipient=receiver.obj if receiver.kind == "recipient" else None,
            defaults={"fields": fields, "items": keys, "subject": subject, "body": body},
        )
        notices.append(notice)
    return notices


@transaction.atomic
def recipient_notice_send(*, notice_id: int) -> bool:
    """Send one recipient notice by e-mail, where the register has an address; once."""
    request_id = RecipientNotice.objects.values_list("request_id", flat=True).get(pk=notice_id)
    data_request = _lock(DataRequest(pk=request_id))  # the request first, then its notice
    notice = (
        RecipientNotice.objects.select_for_update(of=("self",))
        .select_related("supplier", "recipient")
        .get(pk=notice_id)
    )
    if notice.status != RecipientNotice.Status.PENDING or notice.supplier is None:
        return False
    address = supplier_selectors.contact_email(notice.supplier.contact)
    if not address or not notice.body:
        return False  # the handler tells them otherwise and marks it done
    EmailMessage(
        notice.subject,
        notice.body,
        None,
        [address],
        headers={"Message-ID": f"<art19-{notice.pk}@{_mail_host()}>"},
    ).send()
    notice.status = RecipientNotice.Status.SENT
    notice.done_at = timezone.now()
    notice.note = address
    notice.body = ""  # sent: the pupil's name need not stay here
    notice.save(update_fields=["status", "done_at", "note", "body"])
    _event(data_request, RequestEvent.Kind.NOTICE, note=notice.receiver_name)
    _complete_if_told(data_request)
    return True


def _notice_text(data_request: DataRequest, name: str, parts) -> tuple[str, str]:
    """The Art. 19 notice to a supplier or recipient: per action, in whole sentences, the
    fields, and the single items by kind and date (never their contents)."""
    values = {
        "supplier": name,
        "school": data_request.school.name,
        "pupil": data_request.pupil.full_name,
        "reference": data_request.reference,
    }
    sentences = {
        "correct": _(
            "At the request of a parent, %(school)s has corrected data of the pupil "
            "%(pupil)s that you receive from us: %(fields)s. Please correct it in your own "
            "records too, from the school's next data delivery or by contacting us."
        ),
        "erase": _(
            "At the request of a parent, %(school)s has deleted data of the pupil %(pupil)s "
            "that you received from us: %(fields)s. Please delete it from your own records too."
        ),
        "restrict": _(
            "At the request of a parent, %(school)s has restricted the use of data of the "
            "pupil %(pupil)s that you received from us: %(fields)s. Please only store it, and "
            "do not use it, until we tell you otherwise."
        ),
    }
    subjects = {
        "correct": _("%(school)s: pupil data corrected (GDPR Art. 19)"),
        "erase": _("%(school)s: pupil data deleted (GDPR Art. 19)"),
        "restrict": _("%(school)s: use of pupil data restricted (GDPR Art. 19)"),
    }
    paragraphs = []
    for action, codes, items in parts:
        text = sentences[action] % {
            **values,
            "fields": ", ".join(catalogue.label(code) for code in codes),
        }
        if items:
            text += (
                "\n" + _("This concerns only:") + "".join(f"\n- {label}" for _key, label in items)
            )
        paragraphs.append(text)
    subject = subjects[parts[0][0]] % values
    body = _(
        "Dear %(supplier)s,\n\n%(what)s\n\nOur reference: %(reference)s.\n\n"
        "Kind regards,\n%(school)s"
    ) % {**values, "what": "\n\n".join(paragraphs)}
    return subject, body


def _mail_host() -> str:
    from urllib.parse import urlsplit

    return urlsplit(settings.SITE_URL).hostname or "schoolprivacy.invalid"


@transaction.atomic
def notice_settle(
    *, notice: RecipientNotice, done: bool, note: str, acting_user: User
) -> RecipientNotice:
    """The handler told the recipient another way (done), or records why not (not needed)."""
    (settled,) = notices_settle(
        data_request=notice.request,
        notice_ids=[notice.pk],
        done=done,
        note=note,
        acting_user=acting_user,
    )
    return settled


@transaction.atomic
def notices_settle(
    *, data_request: DataRequest, notice_ids, done: bool, note: str, acting_user: User
) -> list[RecipientNotice]:
    """Settle several notices of one request in one step, with one note: the recipients on
    a legal basis (DUO, the board, the attendance officer) that the school tells by hand.
    """
    data_request = _lock(data_request)  # the request first, then its notices
    _require_handler(acting_user, data_request)
    notices = list(
        RecipientNotice.objects.select_for_update(of=("self",))
        .select_related("supplier", "recipient")
        .filter(request=data_request, pk__in=list(notice_ids))
        .order_by("pk")
    )
    if not notices or any(notice.is_settled for notice in notices):
        raise ValidationError(_("This notice has already been dealt with."))
    note = (note or "").strip()
    if not done:
        note = _reason(note, "note")
    now = timezone.now()
    with set_actor(acting_user):
        for notice in notices:
            notice.status = (
                RecipientNotice.Status.DONE if done else RecipientNotice.Status.NOT_NEEDED
            )
            notice.note = note
            notice.done_at = now
            notice.done_by = acting_user
            notice.body = ""
            notice.save(update_fields=["status", "note", "done_at", "done_by", "body"])
            _event(
                data_request, RequestEvent.Kind.NOTICE, by=acting_user, note=notice.receiver_name
            )
    _complete_if_told(data_request, acting_user)
    return notices


def _complete_if_told(data_request: DataRequest, by: User | None = None) -> None:
    """The caller holds the request's row lock, so two last notices cannot both miss it."""
    if data_request.status != Status.NOTIFYING:
        return
    if data_request.notices.filter(status=RecipientNotice.Status.PENDING).exists():
        return
    message = _say(
        data_request.requester,
        lambda: _("done: every organisation that receives this data has been told."),
    )
    _complete(data_request, by, message)
