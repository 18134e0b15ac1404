"""Signing in through a board's own identity provider (OpenID Connect or SAML 2.0).

A board's administrator sets up its provider (IdentityProvider: for OpenID Connect the
issuer, our client id and the client secret, encrypted; for SAML the provider's metadata,
and our own certificate and key, which the app makes). A member of staff signs in there;
the first time, the address the provider vouches for, within the board's domains, finds
their account, and from then on the provider's stable subject does (ExternalIdentity).
Signing in never makes an account or gives a role. Every sign-in and every refusal is
kept (SignInAttempt) for the board's privacy officer.
"""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from schoolprivacy.fields import EncryptedCharField, EncryptedTextField
from schoolprivacy.models import Board
from schoolprivacy.validators import validate_one_line

#: The SAML attribute of the e-mail address (eduPerson's and Entree Federatie's ``mail``).
SAML_MAIL = "urn:oid:0.9.2342.19200300.100.1.3"


class IdentityProvider(models.Model):
    """A board's identity provider: OpenID Connect (Microsoft Entra ID, Google Workspace)
    or SAML 2.0 (Entree Federatie, ADFS)."""

    class Protocol(models.TextChoices):
        OIDC = "oidc", _("OpenID Connect (Microsoft Entra ID, Google Workspace)")
        SAML = "saml", _("SAML 2.0 (Entree Federatie, ADFS)")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    board = models.ForeignKey(
        Board,
        on_delete=models.CASCADE,
        related_name="identity_providers",
        verbose_name=_("school board"),
    )
    name = models.CharField(
        _("name"),
        max_length=60,
        validators=[validate_one_line],
        help_text=_('Shown on the login page as "Log in with <name>", e.g. Microsoft.'),
    )
    protocol = models.CharField(
        _("protocol"), max_length=8, choices=Protocol.choices, default=Protocol.OIDC
    )
    issuer = models.URLField(
        _("issuer"),
        blank=True,
        help_text=_(
            "The provider's address; its settings are read from "
            "<issuer>/.well-known/openid-configuration."
        ),
    )
    client_id = models.CharField(
        _("client id"), max_length=255, blank=True, validators=[validate_one_line]
    )
    client_secret = EncryptedCharField(_("client secret"), max_length=500, blank=True)
    # SAML: the provider's metadata as read (its entity id, addresses and certificates), and
    # our own certificate and key, made by the app (saml.py: sp_keys).
    idp_metadata_url = models.URLField(
        _("address of the provider's metadata"),
        blank=True,
        help_text=_("Read again when the settings are saved. Or paste the metadata below."),
    )
    idp_metadata = models.TextField(_("the provider's metadata (XML)"), blank=True)
    sp_certificate = models.TextField(_("our certificate"), blank=True, editable=False)
    sp_private_key = EncryptedTextField(
        _("our private key"), null=True, blank=True, editable=False
    )
    address_attribute = models.CharField(
        _("attribute of the e-mail address"),
        max_length=255,
        blank=True,
        default=SAML_MAIL,
        validators=[validate_one_line],
    )
    mfa_contexts = ArrayField(
        models.CharField(max_length=255),
        verbose_name=_("authentication contexts that are multi-factor"),
        blank=True,
        default=list,
        help_text=_(
            "The AuthnContextClassRef values with which the provider says a second factor "
            "was used, e.g. https://refeds.org/profile/mfa."
        ),
    )
    domains = ArrayField(
        models.CharField(max_length=253),
        verbose_name=_("e-mail domains"),
        help_text=_("The domains of the staff's addresses, e.g. school.nl."),
    )

    class AddressClaim(models.TextChoices):
        EMAIL = "email", _("the e-mail address the provider verified (email_verified)")
        USERNAME = (
            "preferred_username",
            _(
                "the user name in the board's own organisation at the provider "
                "(Microsoft Entra ID: preferred_username, with the organisation pinned)"
            ),
        )

    address_claim = models.CharField(
        _("the first sign-in finds the account by"),
        max_length=24,
        choices=AddressClaim.choices,
        default=AddressClaim.EMAIL,
    )
    tenant_claim = models.CharField(
        _("claim of the organisation"),
        max_length=255,
        blank=True,
        validators=[validate_one_line],
        help_text=_(
            "The claim that names the board's organisation: tid (Microsoft), hd (Google); "
            "for SAML its attribute, e.g. schacHomeOrganization."
        ),
    )
    tenant = models.CharField(
        _("the board's organisation"),
        max_length=255,
        blank=True,
        validators=[validate_one_line],
        help_text=_("Its value for the board: the tenant id, or the Google Workspace domain."),
    )
    mfa_required = models.BooleanField(
        _("require multi-factor authentication at the provider"),
        default=False,
        help_text=_(
            "Refuse a sign-in for which the provider does not assert multi-factor "
            "authentication. Without this, such a sign-in asks the app's own second step."
        ),
    )
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")
        ordering = ["board", "name"]
        constraints = [
            models.UniqueConstraint(fields=["board", "name"], name="signin_provider_name_unique")
        ]

    def __str__(self):
        return self.name

    @property
    def is_saml(self) -> bool:
        return self.protocol == self.Protocol.SAML

    def clean(self):
        errors: dict[str, str] = {}
        if self.is_saml:
            if not (self.idp_metadata or self.idp_metadata_url):
                errors["idp_metadata_url"] = _(
                    "Give the address of the provider's metadata, or paste it."
                )
            if not self.tenant:
                # A federation's hub (Entree Federatie) signs for every school behind it:
                # only the board's own organisation may vouch for an address of the board.
                errors["tenant"] = _(
                    "SAML: give the attribute that names the board's organisation and its "
                    "value, e.g. urn:mace:terena.org:attribute-def:schacHomeOrganization and "
                    "the board's domain."
                )
        else:
            for name in ("issuer", "client_id"):
                if not getattr(self, name):
                    errors[name] = _("Needed for OpenID Connect.")
        if errors:
            raise ValidationError(errors)
        if bool(self.tenant_claim) != bool(self.tenant):
            raise ValidationError(
                _("Give both the organisation's claim and its value, or neither.")
            )
        if (
            not self.is_saml
            and self.address_claim == self.AddressClaim.USERNAME
            and not self.tenant
        ):
            raise ValidationError(
                _(
                    "A user name finds an account only within the board's own organisation: "
                    "give the organisation's claim and value."
                )
            )


class ExternalIdentity(models.Model):
    """The provider's stable subject of one staff account, recorded at its first sign-in."""

    provider = models.ForeignKey(
        IdentityProvider,
        on_delete=models.CASCADE,
        related_name="identities",
        verbose_name=_("identity provider"),
    )
    subject = models.CharField(_("subject"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="external_identities",
        verbose_name=_("user"),
    )
    linked_at = models.DateTimeField(_("linked at"), auto_now_add=True)
    last_sign_in_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    class Meta:
        verbose_name = _("external identity")
        verbose_name_plural = _("external identities")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "subject"], name="signin_identity_subject_unique"
            ),
            models.UniqueConstraint(
                fields=["provider", "user"], name="signin_identity_user_unique"
            ),
        ]

    def __str__(self):
        return f"{self.provider} {self.subject}"


class SignInAttempt(models.Model):
    """One sign-in through a provider, or its refusal and why."""

    class Outcome(models.TextChoices):
        SIGNED_IN = "signed_in", _("signed in")
        CONFIRMED = "confirmed", _("confirmed before a sensitive step")
        REFUSED = "refused", _("refused")

    class Reason(models.TextChoices):
        UNKNOWN_USER = "unknown_user", _("no account with this address")
        INACTIVE = "inactive", _("the account is deactivated")
        NOT_STAFF = "not_staff", _("the account has no role at this board")
        UNVERIFIED = "unverified", _("the provider did not verify the e-mail address")
        OTHER_DOMAIN = "other_domain", _("the address is not in the board's domains")
        MFA_MISSING = "mfa_missing", _("no multi-factor authentication at the provider")
        INVALID_TOKEN = "invalid_token", _("the provider's answer was invalid or expired")
        STATE = "state", _("the answer did not belong to a sign-in started here")
        PROVIDER_ERROR = "provider_error", _("the provider reported an error")
        UNREACHABLE = "unreachable", _("the provider could not be reached")
        OTHER_USER = "other_user", _("confirmed as another person than the one logged in")
        LINKED_ELSEWHERE = "linked_elsewhere", _("the account is linked to another identity")
        NOT_HERE = "not_here", _("the account may not sign in through a provider")
        STALE = "stale", _("the provider did not log the person in again")
        OTHER_TENANT = "other_tenant", _("an account of another organisation at the provider")
        NO_SUBJECT = "no_subject", _("the provider sent no lasting identifier")

    provider = models.ForeignKey(
        IdentityProvider,
        on_delete=models.CASCADE,
        related_name="attempts",
        verbose_name=_("identity provider"),
    )
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices, blank=True)
    email = models.CharField(_("e-mail address given"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    mfa = models.BooleanField(_("multi-factor at the provider"), default=False)
    remote_addr = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in through a provider")
        verbose_name_plural = _("sign-ins through a provider")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["provider", "outcome", "-at"])]

    def __str__(self):
        return f"{self.provider} {self.outcome} {self.at:%Y-%m-%d %H:%M}"


class ProviderMfaDevice(Device):
    """django-otp's mark that this session's second factor was proven at the identity
    provider (its ID token asserted multi-factor authentication). It verifies no code:
    the app's own second step (Authenticator, RecoveryCodes) stays as it is."""

    #: Not the app's own second step: changing that asks for the app's own (security.py).
    proven_here = False

    class Meta:
        verbose_name = _("multi-factor authentication at the identity provider")
        verbose_name_plural = _("multi-factor authentication at the identity provider")
        constraints = [models.UniqueConstraint(fields=["user"], name="signin_mfa_device_user")]

    def verify_token(self, token) -> bool:
        return False
