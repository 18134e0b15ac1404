"""What signing in through a board's provider holds (schoolprivacy/personal_data.py)."""

from schoolprivacy.personal_data import Erasure, Holding, Subject, kinds


def holdings() -> list[Holding]:
    from .models import ExternalIdentity, IdentityProvider, ProviderMfaDevice, SignInAttempt

    return [
        Holding(
            IdentityProvider,
            Subject.STAFF,
            kinds(secret=("client_secret", "sp_private_key")),
            copy=None,
            erasure=Erasure.WITH_OWNER,
            pupil=None,
            why="a school board's identity provider: no one's personal data, but its client "
            "secret (OpenID Connect) and our private key (SAML) open the board's staff "
            "accounts, so they are kept encrypted and never shown",
        ),
        Holding(
            ExternalIdentity,
            Subject.STAFF,
            kinds("subject", "user", "linked_at", "last_sign_in_at"),
            copy=None,
            erasure=Erasure.WITH_OWNER,
            pupil=None,
            why="which identity at the school board's provider a staff account is",
        ),
        Holding(
            SignInAttempt,
            Subject.STAFF,
            kinds("email", "subject", "user", "remote_addr", "at"),
            copy=None,
            erasure=Erasure.WITH_OWNER,
            pupil=None,
            why="who signed in through the provider, or was refused and why (security, "
            "Art. 32), kept a year (signin/services.py: ATTEMPTS_KEPT_DAYS); the account's "
            "link is cleared when the account goes",
        ),
        Holding(
            ProviderMfaDevice,
            Subject.STAFF,
            kinds("user", "name"),
            copy=None,
            erasure=Erasure.WITH_OWNER,
            pupil=None,
            why="the mark that a session's second factor was proven at the provider",
        ),
    ]


def not_personal() -> dict:
    return {}
