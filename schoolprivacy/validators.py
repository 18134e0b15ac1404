"""Password rules with messages in our own catalogues.

Django 5.2's minimum-length message has no Dutch translation upstream, and a
parent who chooses a password must be told in their own language why it is
refused.
"""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


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
