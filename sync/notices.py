"""GDPR Art. 19 for what an import corrects: each supplier and legal recipient that receives
a corrected field of the pupil (by the register's dated field sets, see suppliers/selectors.py)
is told, by e-mail where the register holds an address; otherwise the school tells them and
records it. The notice is written in the school's language when the change is applied."""

from __future__ import annotations

from auditlog.context import set_actor
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pupils.models import Pupil
from schoolprivacy.models import User
from schoolprivacy.tasks import enqueue_on_commit
from suppliers import catalogue
from suppliers import selectors as supplier_selectors
from suppliers.models import Recipient, Supplier

from .models import ChangeNotice, ImportRun
from .permissions import may_import

#: The pupil fields an import corrects that recipients may hold (their catalogue codes).
TOLD_FIELDS = ("first_name", "name_prefix", "last_name", "date_of_birth", "gender")


def notices_create(*, run: ImportRun, pupil: Pupil, fields, before: dict) -> list[ChangeNotice]:
    """A notice for every receiver of a corrected field of *pupil*; *before* holds the values
    the receivers know, to recognise the pupil."""
    codes = {name for name in fields if name in TOLD_FIELDS}
    if not codes:
        return []
    notices = []
    for receiver in supplier_selectors.receivers_of(pupil=pupil, fields=codes):
        with translation.override(settings.LANGUAGE_CODE):
            subject, body = _text(run, pupil, receiver, before)
        notice = ChangeNotice.objects.create(
            run=run,
            pupil=pupil,
            supplier=receiver.obj if isinstance(receiver.obj, Supplier) else None,
            recipient=receiver.obj if isinstance(receiver.obj, Recipient) else None,
            receiver_name=receiver.name[:200],
            fields=list(receiver.fields),
            subject=subject[:200],
            body=body,
        )
        if receiver.kind == "supplier" and receiver.contact_email:
            from .tasks import send_change_notice

            enqueue_on_commit(send_change_notice, notice.pk)
        notices.append(notice)
    return notices


def _text(run: ImportRun, pupil: Pupil, receiver, before: dict) -> tuple[str, str]:
    school = run.school.name
    known = " ".join(
        str(before.get(name) or getattr(pupil, name) or "")
        for name in ("first_name", "name_prefix", "last_name")
        if before.get(name) or getattr(pupil, name)
    )
    subject = _("%(school)s: pupil data corrected (GDPR Art. 19)") % {"school": school}
    body = _(
        "Dear %(receiver)s,\n\n%(school)s has corrected data of the pupil %(pupil)s in its "
        "pupil administration that you receive from us: %(fields)s. Until now you knew the "
        "pupil as %(known)s. Please correct it in your own records too, from the school's "
        "next data delivery or by contacting us.\n\nKind regards,\n%(school)s"
    ) % {
        "receiver": receiver.name,
        "school": school,
        "pupil": pupil.full_name,
        "fields": ", ".join(catalogue.label(code) for code in receiver.fields),
        "known": known,
    }
    return subject, body


@transaction.atomic
def change_notice_send(*, notice_id: int) -> bool:
    """E-mail one notice to the supplier's contact address; once."""
    notice = (
        ChangeNotice.objects.select_for_update(of=("self",))
        .select_related("supplier")
        .get(pk=notice_id)
    )
    if notice.status != ChangeNotice.Status.PENDING or notice.supplier is None:
        return False
    address = supplier_selectors.contact_email(notice.supplier.contact)
    if not address or not notice.body:
        return False
    EmailMessage(notice.subject, notice.body, None, [address]).send()
    notice.status = ChangeNotice.Status.SENT
    notice.done_at = timezone.now()
    notice.note = address
    notice.body = ""  # sent: the pupil's name need not stay here
    notice.save(update_fields=["status", "done_at", "note", "body"])
    return True


@transaction.atomic
def notice_settle(*, notice: ChangeNotice, done: bool, note: str, acting_user: User):
    """The school told the receiver another way (done), or records why not (not needed)."""
    notice = ChangeNotice.objects.select_for_update().select_related("run").get(pk=notice.pk)
    if not may_import(acting_user, notice.run.school):
        raise PermissionDenied
    if notice.status != ChangeNotice.Status.PENDING:
        raise ValidationError(_("This notice has already been settled."))
    note = note.strip()
    if not done and not note:
        raise ValidationError({"note": _("Say why the receiver is not told.")})
    notice.status = ChangeNotice.Status.DONE if done else ChangeNotice.Status.NOT_NEEDED
    notice.note, notice.done_at, notice.done_by = note, timezone.now(), acting_user
    notice.body = ""
    with set_actor(acting_user):
        notice.save(update_fields=["status", "note", "done_at", "done_by", "body"])
    return notice
