"""Writes of the core. One function per use case, keyword-only."""

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Cast
from django.utils import timezone, translation

from . import maintenance
from .encryption import EncryptionError, current_key_id, token_key_id, token_prefix
from .fields import EncryptedTextField, encrypted_fields, models_with_encrypted_fields
from .models import Authenticator, Heartbeat, Notice, RecoveryCode, RecoveryCodes, User

logger = logging.getLogger(__name__)


@transaction.atomic
def heartbeat_record(*, name: str) -> Heartbeat:
    """Store that the periodic process *name* is alive now."""
    heartbeat, _ = Heartbeat.objects.update_or_create(
        name=name, defaults={"last_seen": timezone.now()}
    )
    return heartbeat


@dataclass
class FieldRotation:
    """What a key rotation did (or, in a dry run, would do) to one encrypted column."""

    model: str
    field: str
    already_current: int = 0  # values sealed with the current key before the run
    reencrypted: int = 0  # values sealed afresh with the current key by this run
    remaining: int = 0  # values on an older key after the run (in a dry run: to do)


@dataclass
class RotationReport:
    """The outcome of :func:`encryption_rotate`: one row per encrypted column, no values."""

    key_id: str
    dry_run: bool
    fields: list[FieldRotation] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # "<model> pk=<pk> <field>"

    @property
    def complete(self) -> bool:
        """True when no value is left on an older key, so older keys may go (backups aside)."""
        return not self.dry_run and all(f.remaining == 0 for f in self.fields)


def encryption_rotate(
    *, batch_size: int = 500, dry_run: bool = False, max_batches: int | None = None
) -> RotationReport:
    """Seal every encrypted value that is on an older key with the current key.

    Works in batches of *batch_size* rows, each committed on its own (rows locked by
    other work are skipped), so it can be stopped and run again; values already on
    the current key are left alone. The plaintext does not change, so the audit log
    gets no rows. A dry run only counts; *max_batches* stops early.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    kid = current_key_id()
    report = RotationReport(key_id=kid, dry_run=dry_run)
    batches = 0
    for model in models_with_encrypted_fields():
        fields = encrypted_fields(model)
        # Filtering on the tokens themselves: the fields refuse lookups, their text casts do not.
        queryset = model._base_manager.alias(
            **{_token_alias(f): Cast(f.attname, output_field=models.TextField()) for f in fields}
        )
        current = {f: _current_q(f, kid) for f in fields}
        stale = {
            f: models.Q(**{f"{_token_alias(f)}__isnull": False}) & ~current[f] for f in fields
        }
        rotations = {
            f: FieldRotation(
                model=model._meta.label,
                field=f.name,
                already_current=queryset.filter(current[f]).count(),
                remaining=queryset.filter(stale[f]).count(),
            )
            for f in fields
        }
        report.fields.extend(rotations.values())
        if dry_run or not any(r.remaining for r in rotations.values()):
            continue

        any_stale = queryset.filter(reduce(or_, stale.values())).order_by("pk")
        last_pk = None
        while max_batches is None or batches < max_batches:
            with transaction.atomic():
                batch = any_stale if last_pk is None else any_stale.filter(pk__gt=last_pk)
                rows = list(batch.select_for_update(skip_locked=True)[:batch_size])
                if not rows:
                    break
                for row in rows:
                    _reseal(row, fields, kid, rotations, report)
                last_pk = rows[-1].pk
            batches += 1

        for f, rotation in rotations.items():
            rotation.remaining = queryset.filter(stale[f]).count()
            logger.info(
                "Key rotation %s.%s: %d re-encrypted, %d already current, %d remaining",
                rotation.model,
                rotation.field,
                rotation.reencrypted,
                rotation.already_current,
                rotation.remaining,
            )
    return report


def _current_q(f: EncryptedTextField, kid: str) -> models.Q:
    return models.Q(**{f"{_token_alias(f)}__startswith": token_prefix(kid)})


def _token_alias(f: EncryptedTextField) -> str:
    return f"_token_{f.attname}"


def _reseal(row, fields, kid, rotations, report) -> None:
    """Save *row* with its old-key values sealed afresh; unreadable values are reported, kept."""
    changed = []
    for f in fields:
        token = f.raw_value(row)
        if token is None:
            continue
        try:
            if token_key_id(token) == kid:
                continue
            getattr(row, f.attname)  # decrypt: pre_save seals it again with the current key
        except EncryptionError:
            report.unreadable.append(f"{row._meta.label} pk={row.pk} {f.name}")
            continue
        changed.append(f)
    if changed:
        row.save(update_fields=[f.name for f in changed])
        for f in changed:
            rotations[f].reencrypted += 1


def notices_scrub(text: str, replacement: str = "[…]", *, pupil_id: int) -> int:
    """Take *text* (an erased pupil's name) out of the notices about the pupil *pupil_id*
    (and those written before notices said whom they were about, by the name), in each
    language they were written in, with one UPDATE; returns how many changed. Another
    pupil of the same name keeps their notices as they are."""
    import json

    from django.db.models import JSONField, Q, TextField, Value
    from django.db.models.functions import Replace

    if not text.strip():
        return 0

    def in_json(words: str) -> str:  # as PostgreSQL writes a string inside jsonb's text
        return json.dumps(words, ensure_ascii=False)[1:-1]

    written = Cast("texts", TextField())
    return (
        Notice.objects.filter(about_pupil__in=[pupil_id, Notice.ABOUT_UNKNOWN])
        .annotate(written=written)
        .filter(Q(message__contains=text) | Q(written__contains=in_json(text)))
        .update(
            message=Replace("message", Value(text), Value(replacement)),
            texts=Cast(
                Replace(written, Value(in_json(text)), Value(in_json(replacement))), JSONField()
            ),
        )
    )


def notices_mark_read(*, user: User) -> int:
    """Mark all of the user's notices read; returns how many."""
    return Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


#: What a notice says: text in the recipient's language, or a function that writes it in
#: the active language, so that the notice reads in the language of the page it is on.
Message = str | Callable[[], str]


def _notice(user: User, message: Message, path: str, about: int | None = None, **mail) -> Notice:
    """The notice to *user*: its text in the user's language (the e-mail's), and, for a
    *message* that can be written again, in each language of the interface. *about*: the
    id of the pupil it names, if any (its name is scrubbed when the pupil is anonymised)."""
    mail["about_pupil"] = about
    if not callable(message):
        return Notice(user=user, message=message[:500], url=path, **mail)
    texts = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            texts[language] = str(message())[:500]
    own = texts.get(user.language)
    if own is None:
        with translation.override(user.language):
            own = str(message())[:500]
    return Notice(user=user, message=own, texts=texts, url=path, **mail)


def notice_send(
    *, user: User, subject: str, message: Message, path: str = "", about: int | None = None
) -> int:
    """Tell *user* in the app and by e-mail; *path* is the page it is about. Returns mails sent.

    The caller renders *subject* in the user's language; *message* is a text in it or a
    function that writes it (then the notice reads in the language of the page).
    """
    from django.core.mail import send_mail

    notice = _notice(user, message, path, about)
    notice.save()
    body = f"{notice.message}\n\n{settings.SITE_URL}{path}" if path else notice.message
    return send_mail(subject, body, None, [user.email])


def notice_queue(
    *, user: User, subject: str, message: Message, path: str = "", about: int | None = None
) -> Notice:
    """Tell *user* in the app now and by e-mail soon, in the caller's transaction.

    The notice and its e-mail are written together: a rollback leaves neither, a
    commit leaves both, and :func:`notices_deliver` sends the mail afterwards, at
    least once, with a Message-ID of its own so a repeat is recognised as the same
    mail. Use this where a task may be killed halfway (deadline sweeps). The caller
    renders *subject* in the user's language; *message* as for :func:`notice_send`.
    """
    notice = _notice(user, message, path, about, mail_subject=subject[:200], mail_pending=True)
    notice.save()
    notices_deliver_after_commit()
    return notice


def notice_queue_many(messages) -> int:
    """:func:`notice_queue` for many (user, subject, message, path, about) at once, in one
    insert (*about*: the pupil's id, or None)."""
    notices = [
        _notice(user, message, path, about, mail_subject=subject[:200], mail_pending=True)
        for user, subject, message, path, about in messages
    ]
    if notices:
        Notice.objects.bulk_create(notices)
        notices_deliver_after_commit()
    return len(notices)


def _deliver_queued_notices() -> None:
    from .tasks import deliver_notice_mail, enqueue

    enqueue(deliver_notice_mail)  # beat sends what is left every minute anyway


def notices_deliver_after_commit() -> None:
    """Ask a worker to send the queued mails once the current transaction commits (once)."""
    connection = transaction.get_connection()
    if any(entry[1] is _deliver_queued_notices for entry in connection.run_on_commit):
        return
    transaction.on_commit(_deliver_queued_notices)


def notice_message_id(notice: Notice) -> str:
    """The same Message-ID every time this notice's e-mail is sent, and never another's.

    Unique through the notice's key (a UUID made with the row): a restored backup hands
    out row ids again, keys never repeat. The row id stays in front for the reader.
    """
    from urllib.parse import urlsplit

    host = urlsplit(settings.SITE_URL).hostname or "schoolprivacy.invalid"
    return f"<notice-{notice.pk}@{notice.mail_key.hex}.{host}>"


class SentMailLog:
    """The Message-ID of every notice mail sent, in files kept apart from the database
    (beside the erasure ledger, SENT_MAIL_LOG_DIR): a backup restored from before a mail
    was sent brings its notice back as waiting, and this log says it went already.

    One file per month in which the notices were made (``2026-12.log``), one Message-ID a
    line, flushed to disk before the notice is marked sent; a sweep reads only the months
    of the mails it sends, once.
    """

    def __init__(self):
        from pathlib import Path

        configured = settings.SENT_MAIL_LOG_DIR
        self.folder = (
            Path(configured) if configured else settings.ERASURE_LEDGER_PATH.parent / "sent-mail"
        )
        self._months: dict[str, set[str]] = {}

    def _file(self, notice: Notice):
        from datetime import UTC

        return self.folder / f"{notice.created_at.astimezone(UTC):%Y-%m}.log"

    def has(self, notice: Notice) -> bool:
        month = self._file(notice)
        if month.name not in self._months:
            try:
                text = month.read_text(encoding="utf-8")
            except FileNotFoundError:
                text = ""
            except OSError:
                logger.warning("The sent-mail log %s cannot be read", month)
                text = ""
            self._months[month.name] = set(text.split())
        return notice_message_id(notice) in self._months[month.name]

    def add(self, notice: Notice) -> None:
        import os

        month = self._file(notice)
        message_id = notice_message_id(notice)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with month.open("a", encoding="utf-8") as log:
                log.write(message_id + "\n")
                log.flush()
                os.fsync(log.fileno())
        except OSError:
            # The mail went; only a restore could now send it once more.
            logger.warning("Notice %s: the sent-mail log %s cannot be written", notice.pk, month)
            return
        self._months.setdefault(month.name, set()).add(message_id)


#: A mail that failed this many times for a reason of its own (a 4xx answer to it) is set
#: aside; the notice stays in the app.
MAIL_ATTEMPTS = 5
#: After this many failures in a row the mail server is taken to be down: try next time.
FAILURES_IN_A_ROW = 3

#: The mail server or the way to it, not the mail: wait and try again, however often.
_SERVER_TROUBLE = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
    smtplib.SMTPSenderRefused,  # the site's own From address: every mail would fail alike
)


def _mail_failure_kind(error: Exception) -> str:
    """Whose failure: "server" (the network or the mail server: try again later, however
    often), "later" (this mail got a temporary refusal: try again a few times) or
    "poison" (this mail will never go: set it aside)."""
    if isinstance(error, _SERVER_TROUBLE):
        return "server"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return "later" if codes and all(400 <= code < 500 for code in codes) else "poison"
    if isinstance(error, smtplib.SMTPResponseException):
        return "later" if 400 <= error.smtp_code < 500 else "poison"
    if isinstance(error, OSError):  # any other SMTPException, sockets, timeouts, TLS
        return "server"
    return "poison"  # a header with a line break, text that cannot be encoded, ...


def _mail_failure_text(error: Exception) -> str:
    """What the administrator sees: the kind of error and the server's answer, never the
    mail's own text (a header with a line break is named, not quoted)."""
    from django.core.mail import BadHeaderError

    if isinstance(error, BadHeaderError):
        return "BadHeaderError: a header holds a line break"
    if isinstance(error, smtplib.SMTPResponseException):
        answer = error.smtp_error
        if isinstance(answer, bytes):
            answer = answer.decode("utf-8", "replace")
        return f"{type(error).__name__}: {error.smtp_code} {answer}"[:300]
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        answers = [f"{code}" for code, _message in error.recipients.values()]
        return f"SMTPRecipientsRefused: {', '.join(answers)}"[:300]
    return type(error).__name__


def notices_deliver(*, limit: int = 1000) -> int:
    """Send the e-mails of queued notices, oldest first; returns how many were sent.

    Each mail is sent and marked in a transaction of its own, holding the notice's
    row lock (other workers skip it). A worker that dies after sending but before
    committing sends that one mail again later, with the same Message-ID; nothing
    queued is ever lost, because the queue is the notice table, not the broker. A
    mail the sent-mail log knows (sent before a backup was restored) is marked sent,
    not sent again. A mail that fails for a reason of its own (a header with a line
    break, an address refused for good, or a temporary refusal MAIL_ATTEMPTS times) is
    set aside for the technical administrator and never tried again; one that fails on
    the network waits behind the others and is tried again on the next run. One bad
    message never holds up the others. During a restore (maintenance) nothing is sent.
    """
    import contextlib

    from django.core.mail import EmailMessage, get_connection

    if maintenance.is_on():
        return 0  # the database may hold what was erased until the ledger is applied
    sent = failures = 0
    skip: set[int] = set()
    sent_log = SentMailLog()
    with get_connection() as mail:
        while sent < limit and failures < FAILURES_IN_A_ROW:
            with transaction.atomic():
                notice = (
                    Notice.objects.select_for_update(skip_locked=True)
                    .filter(mail_pending=True)
                    .exclude(pk__in=skip)
                    .select_related("user")
                    .order_by("mail_attempts", "pk")
                    .first()
                )
                if notice is None:
                    break
                if sent_log.has(notice):
                    # Sent before a backup from before it was restored: not again.
                    notice.mail_pending = False
                    notice.mailed_at = notice.mailed_at or timezone.now()
                    notice.save(update_fields=["mail_pending", "mailed_at"])
                    continue
                body = notice.message
                if notice.url:
                    body = f"{body}\n\n{settings.SITE_URL}{notice.url}"
                try:
                    EmailMessage(
                        notice.mail_subject,
                        body,
                        None,
                        [notice.user.email],
                        connection=mail,
                        headers={"Message-ID": notice_message_id(notice)},
                    ).send()
                except Exception as error:
                    kind = _mail_failure_kind(error)
                    skip.add(notice.pk)
                    notice.mail_attempts = min(notice.mail_attempts + 1, 32767)
                    if isinstance(error, OSError):
                        # The server's answer (or none): three in a row end the run, so a
                        # server that refuses every mail sets aside three at most.
                        failures += 1
                    given_up = kind == "later" and notice.mail_attempts >= MAIL_ATTEMPTS
                    if kind == "poison" or given_up:
                        _mail_set_aside(notice, error)
                        continue
                    logger.warning(
                        "Notice %s: e-mail failed (%s, attempt %d)",
                        notice.pk,
                        type(error).__name__,
                        notice.mail_attempts,
                    )
                    notice.save(update_fields=["mail_attempts"])
                    if kind == "server":
                        with contextlib.suppress(OSError):
                            mail.close()  # the next mail opens a fresh connection
                    continue
                sent_log.add(notice)
                failures = 0
                notice.mailed_at = timezone.now()
                notice.mail_pending = False
                notice.save(update_fields=["mail_pending", "mailed_at"])
            sent += 1
    return sent


def _mail_set_aside(notice: Notice, error: Exception) -> None:
    """A dead letter: never tried again, never first in line; the notice stays in the app."""
    logger.warning("Notice %s: e-mail set aside (%s)", notice.pk, type(error).__name__)
    notice.mail_pending = False
    notice.mail_failed_at = timezone.now()
    notice.mail_failure = _mail_failure_text(error)
    notice.save(update_fields=["mail_pending", "mail_attempts", "mail_failed_at", "mail_failure"])


# --- Two-step verification (django-otp) ---------------------------------------------------

#: How many one-time recovery codes a user gets; each works once.
RECOVERY_CODES = 10


def language_choose(*, user: User, language: str) -> bool:
    """Keep *user*'s language: of the interface after a login, and of everything the
    system sends them (e-mails, answers to requests, the copy of the data)."""
    if language not in dict(settings.LANGUAGES) or user.language == language:
        return False
    user.language = language
    user.save(update_fields=["language"])
    return True


def two_step_device_new(*, user: User):
    """A new, not yet confirmed authenticator for *user* (the QR code shows its key)."""
    Authenticator.objects.filter(user=user, confirmed=False).delete()
    return Authenticator.objects.create(user=user, name="authenticator", confirmed=False)


@transaction.atomic
def two_step_confirm(*, user: User, device, token: str) -> list[str]:
    """Confirm the authenticator with its first code; it replaces any earlier one.

    Returns new recovery codes (shown once). A wrong code changes nothing.
    """
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    device = Authenticator.objects.select_for_update().get(
        pk=device.pk, user=user, confirmed=False
    )
    if not device.verify_token((token or "").strip().replace(" ", "")):
        raise ValidationError(
            {"code": _("This code is not right. Type the six digits the app shows now.")}
        )
    Authenticator.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    logger.info("Two-step verification set up for user %s", user.pk)
    return recovery_codes_issue(user=user)


@transaction.atomic
def recovery_codes_issue(*, user: User) -> list[str]:
    """New one-time recovery codes for *user*; the earlier ones stop working. Shown once:
    only their keyed hashes are stored."""
    device, _created = RecoveryCodes.objects.get_or_create(
        user=user, name="recovery", defaults={"confirmed": True}
    )
    device.codes.all().delete()
    # Ten characters of base32: 50 bits each, grouped for reading.
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(device=device, digest=RecoveryCodes.digest(code)) for code in codes]
    )
    return codes


def _recovery_code() -> str:
    import base64
    import secrets

    text = base64.b32encode(secrets.token_bytes(10)).decode().lower()[:10]
    return f"{text[:5]}-{text[5:]}"


def sessions_end(*, user: User) -> int:
    """End every session of *user* (an account disabled, a password reset by staff)."""
    from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY  # noqa: F401
    from django.contrib.sessions.models import Session

    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk):
            session.delete()
            ended += 1
    return ended


# --- Password reset -----------------------------------------------------------------------


def password_reset_request(*, email: str, client: str) -> int:
    """Mail a link to choose a new password to the account of *email*; returns mails sent.

    At most PASSWORD_RESET_REQUESTS_PER_CLIENT requests per *client* (network address) and
    PASSWORD_RESET_MAILS_PER_ADDRESS per address pass in PASSWORD_RESET_WINDOW
    (schoolprivacy/throttle.py); an unknown address counts too. The link is made of
    SITE_URL alone, never of the request's host. The caller answers the same whether the
    address is known, over a limit, or its mail failed.
    """
    from django.contrib.auth.forms import PasswordResetForm
    from django.contrib.auth.tokens import default_token_generator
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.utils import translation
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from . import throttle

    address = email.strip().lower()
    window = settings.PASSWORD_RESET_WINDOW
    within = throttle.attempt(
        "password-reset-client",
        client or "unknown",
        limit=settings.PASSWORD_RESET_REQUESTS_PER_CLIENT,
        window=window,
    ) and throttle.attempt(
        "password-reset-address",
        address,
        limit=settings.PASSWORD_RESET_MAILS_PER_ADDRESS,
        window=window,
    )
    if not within:
        logger.info("Password reset refused: over a limit")
        return 0
    sent = 0
    # Active accounts with a usable password, the address compared without case (Django).
    for user in PasswordResetForm().get_users(address):
        context = {
            "user": user,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
            "site_url": settings.SITE_URL,
        }
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject = render_to_string("registration/password_reset_subject.txt", context)
            body = render_to_string("registration/password_reset_email.html", context)
        try:
            sent += send_mail(" ".join(subject.split()), body, None, [user.email])
        except Exception as error:
            # As Django's own form: the answer must not tell a known address by an error.
            logger.warning(
                "Password reset mail to user %s failed (%s)", user.pk, type(error).__name__
            )
    return sent
