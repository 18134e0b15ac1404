from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .validators import validate_plausible_date

#: The browser's date picker, with the value in the form it understands.
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LabelledField(BoundField):
    """A form field whose label starts with a capital, as Dutch (and English) write a label,
    whether it comes from a model's verbose name ("geboortedatum") or a form's own."""

    def __init__(self, form, field, name):
        super().__init__(form, field, name)
        self.label = capfirst(self.label)


class FormRenderer(TemplatesSetting):
    """The project's form templates (templates/django/forms/), with labels as written."""

    bound_field_class = LabelledField


class DateField(forms.DateField):
    """A date from the date picker, in the range a school's records hold (validators.py)."""

    widget = DATE_WIDGET
    default_validators = [validate_plausible_date]


class LoginForm(AuthenticationForm):
    """Log in with an e-mail address and a password."""

    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _(
            "This e-mail address and password do not match an account. Check both and try again."
        ),
        "inactive": _("This account has been disabled. Ask your school for help."),
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, *more: forms.BaseForm
) -> None:
    """Show a service's ValidationError on the form: next to its field, in whichever of the
    page's forms (*form*, *more*) has it, or above the first form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            owner = next((f for f in (form, *more) if field in f.fields), None)
            if owner is None:
                form.add_error(None, errors)
            else:
                owner.add_error(field, errors)
    else:
        form.add_error(None, error)


class ReauthenticateForm(forms.Form):
    """The own password once more, before a sensitive step."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("This is not your password. Try again."), code="wrong")
        return password


class SecondStepForm(forms.Form):
    """The code of the authenticator app, or one of the recovery codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "autocapitalize": "off",
            }
        ),
    )

    def clean_code(self):
        return self.cleaned_data["code"].strip().replace(" ", "")
