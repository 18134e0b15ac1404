"""Writes of signing in through a board's identity provider: who the answer is, the
record of every attempt, and the board's settings."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schoolprivacy.models import BoardMembership, Membership, User

from . import saml
from .models import ExternalIdentity, IdentityProvider, ProviderMfaDevice, SignInAttempt
from .oidc import Answer, Refused, asserts_mfa

Reason = SignInAttempt.Reason
Outcome = SignInAttempt.Outcome

#: How long a sign-in through a provider, or its refusal, is kept: long enough to look
#: back on a year of school, not longer (data minimisation, GDPR Art. 5(1)(e)).
ATTEMPTS_KEPT_DAYS = 365


def attempt_record(
    *,
    provider: IdentityProvider,
    outcome: str,
    reason: str = "",
    claims: dict | None = None,
    user: User | None = None,
    remote_addr: str | None = None,
) -> SignInAttempt:
    """Keep one sign-in through *provider*, or its refusal (for the privacy officer)."""
    claims = claims or {}
    return SignInAttempt.objects.create(
        provider=provider,
        outcome=outcome,
        reason=reason,
        email=str(claims.get("email", ""))[:254],
        subject=str(claims.get("sub", ""))[:255],
        user=user,
        mfa=asserts_mfa(claims),
        remote_addr=remote_addr or None,
    )


def old_attempts_forget(*, now=None) -> int:
    """Delete the sign-ins older than ATTEMPTS_KEPT_DAYS, in one statement; how many."""
    cutoff = (now or timezone.now()) - timedelta(days=ATTEMPTS_KEPT_DAYS)
    deleted, _ = SignInAttempt.objects.filter(at__lt=cutoff).delete()
    return deleted


def _works_at(user: User, provider: IdentityProvider) -> bool:
    """A role at one of the board's schools or at the board itself."""
    return (
        Membership.objects.filter(user=user, school__board_id=provider.board_id).exists()
        or BoardMembership.objects.filter(user=user, board_id=provider.board_id).exists()
    )


def _may_sign_in_here(user: User, provider: IdentityProvider) -> bool:
    """Not the technical administrator, and no role at another board: whoever sets up a
    board's provider must not open accounts beyond that board's."""
    if user.is_staff or user.is_superuser:
        return False
    return not (
        Membership.objects.filter(user=user).exclude(school__board_id=provider.board_id).exists()
        or BoardMembership.objects.filter(user=user).exclude(board_id=provider.board_id).exists()
    )


def _in_domains(email: str, provider: IdentityProvider) -> bool:
    domain = email.rpartition("@")[2].lower()
    return bool(domain) and domain in {d.lower() for d in provider.domains}


def identify(answer: Answer) -> tuple[User, bool]:
    """The staff account *answer* signs in, and whether the provider asserted MFA.

    By the provider's stable subject, once known; else, the first time, by the address
    the provider verified, within the board's domains, to an existing account with a
    role at the board (and none elsewhere), which then gets the subject. Never makes an
    account or a role. Raises Refused with the reason.
    """
    provider, claims = answer.provider, answer.claims
    subject = str(claims["sub"])
    try:
        with transaction.atomic():
            linked = (
                ExternalIdentity.objects.select_for_update(of=("self",))
                .select_related("user")
                .filter(provider=provider, subject=subject)
                .first()
            )
            if linked is None:
                user = _first_match(provider, claims)
                linked = ExternalIdentity.objects.create(
                    provider=provider, subject=subject, user=user
                )
            user = linked.user
            _check(user, provider, claims)
            mfa = asserts_mfa(claims)
            if provider.mfa_required and not mfa:
                raise Refused(Reason.MFA_MISSING, provider, claims)
            linked.last_sign_in_at = timezone.now()
            linked.save(update_fields=["last_sign_in_at"])
    except IntegrityError as error:  # the same person's first sign-in, twice at once
        raise Refused(Reason.STATE, provider, claims) from error
    return user, mfa


def _check(user: User, provider: IdentityProvider, claims: dict) -> None:
    if provider.tenant_claim and str(claims.get(provider.tenant_claim, "")) != provider.tenant:
        raise Refused(Reason.OTHER_TENANT, provider, claims)
    if not user.is_active:
        raise Refused(Reason.INACTIVE, provider, claims)
    if not _works_at(user, provider):
        raise Refused(Reason.NOT_STAFF, provider, claims)
    if not _may_sign_in_here(user, provider):
        raise Refused(Reason.NOT_HERE, provider, claims)


def _first_match(provider: IdentityProvider, claims: dict) -> User:
    if provider.tenant_claim and str(claims.get(provider.tenant_claim, "")) != provider.tenant:
        raise Refused(Reason.OTHER_TENANT, provider, claims)
    email = _address(provider, claims)
    if not _in_domains(email, provider):
        raise Refused(Reason.OTHER_DOMAIN, provider, claims)
    # Addresses are kept in lower case (User.objects.create_user); an exact match, not
    # PostgreSQL's case folding, which folds some letters of other scripts together.
    user = User.objects.filter(email=email).first()
    if user is None:
        raise Refused(Reason.UNKNOWN_USER, provider, claims)
    if ExternalIdentity.objects.filter(provider=provider, user=user).exists():
        raise Refused(Reason.LINKED_ELSEWHERE, provider, claims)
    return user


def _address(provider: IdentityProvider, claims: dict) -> str:
    """The address the provider vouches for: its verified e-mail address, or (with the
    board's organisation pinned, as Microsoft Entra ID sends no email_verified) the user
    name the board's own administrators give out. Never an unverified e-mail claim."""
    if provider.address_claim == IdentityProvider.AddressClaim.USERNAME:
        email = str(claims.get("preferred_username") or "").strip().lower()
        if not provider.tenant or "@" not in email:
            raise Refused(Reason.UNVERIFIED, provider, claims)
        return email
    email = str(claims.get("email") or "").strip().lower()
    if not email or claims.get("email_verified") is not True:
        raise Refused(Reason.UNVERIFIED, provider, claims)
    return email


def confirmed_user(answer: Answer, user: User) -> bool:
    """Whether *answer* (a confirmation before a sensitive step) is *user* again."""
    return ExternalIdentity.objects.filter(
        provider=answer.provider, subject=str(answer.claims["sub"]), user=user
    ).exists()


def mfa_device(user: User) -> ProviderMfaDevice:
    """django-otp's device for multi-factor authentication at the provider (one per user)."""
    device, _created = ProviderMfaDevice.objects.get_or_create(
        user=user, defaults={"name": "identity provider", "confirmed": True}
    )
    return device


# --- The board's settings ----------------------------------------------------------------


def provider_save(*, provider: IdentityProvider, secret: str = "") -> IdentityProvider:
    """Create or change a provider (audited); an empty *secret* keeps the one it has.

    A SAML provider's metadata is read again from its address, when it has one (before
    the transaction: a slow provider holds no rows), and must hold what a sign-in needs;
    the first save makes our certificate and key.

    A subject is only unique at one issuer (and client; for SAML, one provider's entity
    id): when that changes, the identities linked so far are forgotten, and each person
    is found by address again.
    """
    if secret:
        provider.client_secret = secret
    provider.domains = sorted({d.strip().lower().lstrip("@") for d in provider.domains if d})
    if provider.is_saml:
        _saml_prepare(provider)
    provider.full_clean()
    with transaction.atomic():
        if provider.pk is not None:
            before = IdentityProvider.objects.filter(pk=provider.pk).first()
            if before and _subjects_of(before) != _subjects_of(provider):
                for identity in ExternalIdentity.objects.filter(provider=provider):
                    identity.delete()  # one by one: each deletion is audited
        provider.save()
    return provider


def _subjects_of(provider: IdentityProvider) -> tuple:
    """Where the provider's subjects are unique: its issuer and our client id; for SAML,
    its entity id."""
    if provider.is_saml:
        try:
            return (provider.protocol, saml.idp_of(provider.idp_metadata)["entityId"])
        except ValueError:
            return (provider.protocol, None)
    return (provider.protocol, provider.issuer, provider.client_id)


def _saml_prepare(provider: IdentityProvider) -> None:
    """The provider's metadata (read from its address, if given) checked, its entity id
    kept as the issuer, and our certificate and key made once."""
    if provider.idp_metadata_url:
        try:
            provider.idp_metadata = saml.metadata_read(provider.idp_metadata_url)
        except ValueError as error:
            message = (
                _("This address is not on the public internet; the app does not call it.")
                if str(error) == "not_public"
                else _("The metadata could not be read from this address.")
            )
            raise ValidationError({"idp_metadata_url": message}) from error
    try:
        saml.idp_of(provider.idp_metadata)
    except ValueError as error:
        raise ValidationError(
            {
                "idp_metadata": _(
                    "This is not the metadata of a SAML identity provider with an address "
                    "to log in (HTTP-Redirect) and a signing certificate."
                )
            }
        ) from error
    provider.issuer = ""
    provider.client_id = ""
    provider.client_secret = ""
    if not provider.sp_certificate or not provider.sp_private_key:
        provider.sp_certificate, provider.sp_private_key = saml.sp_keys()
