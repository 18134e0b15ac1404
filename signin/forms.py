from django import forms
from django.utils.translation import gettext_lazy as _

from schoolprivacy.validators import validate_one_line

from .models import IdentityProvider
from .outbound import callable_address


class ProviderForm(forms.ModelForm):
    """A board's identity provider. OpenID Connect: the secret is never shown again; left
    empty when changing, the one kept stays. SAML: the metadata is read from its address
    when saved (services.provider_save), or pasted."""

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
        required=False,
        assume_scheme="https",
        help_text=IdentityProvider._meta.get_field("issuer").help_text,
    )
    idp_metadata_url = forms.URLField(
        label=_("Address of the provider's metadata"),
        required=False,
        assume_scheme="https",
        help_text=IdentityProvider._meta.get_field("idp_metadata_url").help_text,
    )
    context_list = forms.CharField(
        label=_("Authentication contexts that are multi-factor"),
        required=False,
        help_text=IdentityProvider._meta.get_field("mfa_contexts").help_text,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = IdentityProvider
        fields = [
            "board",
            "name",
            "protocol",
            "issuer",
            "client_id",
            "idp_metadata_url",
            "idp_metadata",
            "address_attribute",
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
        self.fields["idp_metadata"].widget.attrs["rows"] = 4
        if self.instance.pk:
            self.fields["domain_list"].initial = ", ".join(self.instance.domains)
            self.fields["context_list"].initial = "\n".join(self.instance.mfa_contexts)
            self.fields["secret"].help_text = _("Leave empty to keep the secret that is kept.")
            del self.fields["board"]

    def clean(self):
        # What the provider needs besides is IdentityProvider.clean's to say.
        cleaned = super().clean()
        if (
            cleaned.get("protocol") != IdentityProvider.Protocol.SAML
            and not self.instance.client_secret
            and not cleaned.get("secret")
        ):
            self.add_error("secret", _("Needed for OpenID Connect."))
        return cleaned

    def add_error(self, field, error):
        """IdentityProvider.clean says nothing more about a field this form has already
        found wrong: one message per mistake."""
        if field is None and hasattr(error, "error_dict"):
            left = {k: v for k, v in error.error_dict.items() if k not in self.errors}
            if not left:
                return
            error = forms.ValidationError(left)
        super().add_error(field, error)

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
        if issuer and not callable_address(issuer):
            raise forms.ValidationError(_("The issuer's address starts with https://."))
        return issuer

    def clean_idp_metadata_url(self) -> str:
        url = self.cleaned_data["idp_metadata_url"]
        if url and not callable_address(url):
            raise forms.ValidationError(_("The address starts with https://."))
        return url

    def clean_context_list(self) -> list[str]:
        found = self.cleaned_data["context_list"].replace(",", "\n").split("\n")
        return [value.strip() for value in found if value.strip()]

    def save(self, commit=True):
        self.instance.domains = self.cleaned_data["domain_list"]
        self.instance.mfa_contexts = self.cleaned_data["context_list"]
        return super().save(commit=False)
