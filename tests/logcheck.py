"""No sensitive data in the logs or mails: everything the suite logs or mails is kept and
checked at the end.

The check fails the run on any 9-digit number that passes the eleven-test (a BSN) and
on the plaintext of any value the suite encrypted (special-category data, BSNs, the
parent's words in a request, authenticator keys). Installed by tests/conftest.py.
"""

import contextlib
import logging
import re

from schoolprivacy import encryption, fields

#: Encrypted values shorter than this are too common to look for ("", "m", "ja").
MIN_SECRET = 8
#: Nine digits standing alone. Not part of a longer run of letters and digits: a task id
#: (a UUID such as ...-eeb805480146) ends in nine digits often enough to pass the elfproef.
NINE_DIGITS = re.compile(r"(?<![0-9A-Za-z])\d{9}(?![0-9A-Za-z])")
#: A secret of digits counts where it is not part of a longer number: an encrypted BSN is
#: also the middle of a task's run time ("0.035101731000395375s"). Any other secret counts
#: wherever it appears.
ALONE = r"(?<!\d){}(?!\d)"


def passes_elfproef(number: str) -> bool:
    digits = [int(c) for c in number]
    total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
    return total % 11 == 0 and number[0] != "0"


def violations(lines: list[str], secrets: set[str], where: str = "the log") -> list[str]:
    """What in *lines* must not be in a log (or a mail): BSNs, and any of *secrets*."""
    found = []
    for line in lines:
        for number in NINE_DIGITS.findall(line):
            if passes_elfproef(number):
                found.append(f"a BSN in {where}: {line[:200]}")
        for secret in secrets:
            if secret in line and (
                not secret.isdigit() or re.search(ALONE.format(re.escape(secret)), line)
            ):
                found.append(
                    f"the plaintext of an encrypted value ({secret[:80]!r}) in {where}: "
                    f"{line[:200]}"
                )
    return found


class Collector(logging.Handler):
    """Keeps every record, formatted with its traceback, as the console would show it."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record):
        # A record that cannot be formatted is not written to any log either.
        with contextlib.suppress(Exception):
            self.lines.append(self.format(record))


SECRETS: set[str] = set()
#: Health facts and second-step secrets (by the table and column they are encrypted for): no
#: mail of the run may hold one. Mails are checked against these only, as other encrypted
#: values (a contact's name, say) may rightly be in a mail where another test wrote them. A
#: special record's source_detail is left out for the same reason: it names the care partner
#: the fact came from, and that partner's name rightly stands in a consent question's title
#: ("Gegevens delen met het Landelijk Werkverband Onderwijs en Epilepsie").
SPECIAL_TABLES = (
    "pupils_specialrecord.content.",
    "pupils_specialrecord.end_reason.",
    "pupils_emergencyaccess.",
    "pupils_restrictedaccess.",
    "schoolprivacy_authenticator.",
)
SPECIAL_SECRETS: set[str] = set()
MAILS: list[str] = []
COLLECTOR = Collector()


def _recording(encrypt):
    def wrapped(plaintext, *, context):
        if isinstance(plaintext, str) and len(plaintext.strip()) >= MIN_SECRET:
            SECRETS.add(plaintext.strip())
            if context.startswith(SPECIAL_TABLES):
                SPECIAL_SECRETS.add(plaintext.strip())
        return encrypt(plaintext, context=context)

    return wrapped


def _recording_mail(send_messages):
    def wrapped(self, messages):
        for message in messages:
            MAILS.append(f"mail to {message.to}: {message.subject} {message.body}")
        return send_messages(self, messages)

    wrapped._records = True
    return wrapped


def install() -> None:
    """Record every encrypted plaintext, every log record and every mail, from now on."""
    from django.core.mail.backends import locmem

    root = logging.getLogger()
    if COLLECTOR not in root.handlers:
        root.addHandler(COLLECTOR)
    if not getattr(locmem.EmailBackend.send_messages, "_records", False):
        locmem.EmailBackend.send_messages = _recording_mail(locmem.EmailBackend.send_messages)
    if getattr(encryption.encrypt, "_records", False):
        return
    recording = _recording(encryption.encrypt)
    recording._records = True
    encryption.encrypt = recording
    fields.encrypt = recording
