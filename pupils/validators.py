"""Validation of pupil data, with messages in the user's language."""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: The youngest and oldest age a pupil of a primary or special-needs school can have.
YOUNGEST_AGE = 2
OLDEST_AGE = 21


def bsn_passes_elfproef(value: str) -> bool:
    """The eleven-test: 9 digits, weights 9..2 and -1, sum divisible by 11, not all zero."""
    if len(value) != 9 or not value.isdigit() or value == "000000000":
        return False
    digits = [int(c) for c in value]
    total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
    return total % 11 == 0


def validate_bsn(value: str) -> None:
    if not value:
        return
    if len(value) != 9 or not value.isdigit():
        raise ValidationError(
            _("A citizen service number has exactly 9 digits."), code="bsn_format"
        )
    if not bsn_passes_elfproef(value):
        raise ValidationError(
            _("This is not a valid citizen service number: check the digits."),
            code="bsn_elfproef",
        )


def validate_date_of_birth(value: date) -> None:
    today = timezone.localdate()
    if value > today:
        raise ValidationError(_("The date of birth lies in the future."), code="future")
    age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
    if not YOUNGEST_AGE <= age <= OLDEST_AGE:
        raise ValidationError(
            _("A pupil is between %(youngest)s and %(oldest)s years old; check the date."),
            code="implausible",
            params={"youngest": YOUNGEST_AGE, "oldest": OLDEST_AGE},
        )


def validate_phone(value: str) -> None:
    """A phone number as people write it: digits, with an optional leading +, spaces,
    hyphens and brackets; 6 to 15 digits (the international maximum, ITU-T E.164)."""
    if not value:
        return
    digits = sum(c.isdigit() for c in value)
    allowed = set("0123456789 -()")
    body = value[1:] if value.startswith("+") else value
    if not set(body) <= allowed or not 6 <= digits <= 15:
        raise ValidationError(
            _("%(value)s is not a phone number: use digits, and + for a country code."),
            code="phone",
            params={"value": value},
        )
