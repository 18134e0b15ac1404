from django import forms
from django.utils.translation import gettext_lazy as _

from schoolprivacy.validators import validate_one_line

from .models import IdentityProvider
from .oidc import callable_address


class ProviderForm(forms.ModelForm):
    """A board's OpenID Connect provider. The secret is never shown again: left empty when
    changing, the one kept stays."""

    secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        validators=[validate_one_line],
    )
    domain_list = forms.CharField(
        label=_("E-mail domains"),
        help_text=_("The domains of the staff's addresses, separated by commas: school.nl."),
        validators=[validate_one_line],
    )

    issuer = forms.URLField(
        label=_("Issuer"),
        assume_scheme="https",
        help_text=IdentityProvider._meta.get_field("issuer").help_text,
    )

    class Meta:
        model = IdentityProvider
        fields = [
            "board",
            "name",
            "issuer",
            "client_id",
            "address_claim",
            "tenant_claim",
            "tenant",
            "mfa_required",
            "active",
        ]

    def __init__(self, *args, boards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].queryset = boards
        self.fields["board"].empty_label = None
        if self.instance.pk:
            self.fields["domain_list"].initial = ", ".join(self.instance.domains)
            self.fields["secret"].help_text = _("Leave empty to keep the secret that is kept.")
            del self.fields["board"]
        else:
            self.fields["secret"].required = True

    def clean_domain_list(self) -> list[str]:
        domains = [
            d.strip().lower().lstrip("@") for d in self.cleaned_data["domain_list"].split(",")
        ]
        domains = [d for d in domains if d]
        bad = [d for d in domains if "." not in d or " " in d or "@" in d]
        if not domains or bad:
            raise forms.ValidationError(_("Give one or more domains, like school.nl."))
        return domains

    def clean_issuer(self) -> str:
        issuer = self.cleaned_data["issuer"].rstrip("/")
        if not callable_address(issuer):
            raise forms.ValidationError(_("The issuer's address starts with https://."))
        return issuer

    def save(self, commit=True):
        self.instance.domains = self.cleaned_data["domain_list"]
        return super().save(commit=False)
