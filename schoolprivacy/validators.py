"""Validators every app uses, with messages in our own catalogues.

- One line of text for names and other short fields: no control characters. A school
  name with a line break in it once became the subject of every notice mail, and the
  mail library refused it (a header may not hold a line break).
- A plausible date for every date field: 0001-01-01 and 9999-12-31 are typing errors,
  never dates of a school. tests/core/test_text_and_dates.py holds every model's fields
  to these two.
- Password rules: Django 5.2's minimum-length message has no Dutch translation upstream,
  and a parent who chooses a password must be told in their own language why it is
  refused.
"""

import datetime
import unicodedata

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

#: The range of dates the school's records can hold (births, letters, retention ends).
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)


def validate_one_line(value) -> None:
    """One line of text: no line breaks, tabs or other control characters."""
    if any(unicodedata.category(c) == "Cc" or c in "\u2028\u2029" for c in str(value)):
        raise ValidationError(
            _("Use one line of text, without line breaks or control characters."),
            code="control_characters",
        )


def validate_plausible_date(value) -> None:
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _("Fill in a date between %(earliest)s and %(latest)s.")
            % {
                "earliest": formats.date_format(EARLIEST_DATE),
                "latest": formats.date_format(LATEST_DATE),
            },
            code="implausible_date",
        )


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(self.get_error_message(), code="password_too_short")

    def get_error_message(self):
        return _(
            "This password is too short. It must contain at least %(min_length)d characters."
        ) % {"min_length": self.min_length}

    def get_help_text(self):
        return _("Your password must contain at least %(min_length)d characters.") % {
            "min_length": self.min_length
        }
