"""The OpenID Connect authorization-code flow with PKCE, as the relying party.

Authlib's OAuth2Client (over httpx2: our app ``requests/`` shadows the library that
Authlib's other client uses) builds the authorization URL and redeems the code; joserfc
checks the ID token's signature against the provider's published keys and its claims
(issuer, audience, expiry, nonce). Nothing here signs, parses or checks a token by hand.

What a started sign-in must remember (state, nonce, PKCE verifier, where to go next)
waits in the session under its state (pending.py); the answer is accepted once, for the
state it names.
"""

import json
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit, urlunsplit

import httpx2
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from django.core.cache import cache
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, KeySetSerialization

from . import outbound, pending
from .models import IdentityProvider, SignInAttempt
from .outbound import callable_address

Reason = SignInAttempt.Reason

#: How long a provider's configuration and keys are kept (a new key is fetched at once).
METADATA_SECONDS = 60 * 60
#: Seconds of clock difference allowed between the provider and us.
LEEWAY = 60
#: Signature algorithms accepted for an ID token (never "none", never HMAC).
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]


class Refused(Exception):
    """The sign-in cannot go on, for *reason* (SignInAttempt.Reason)."""

    def __init__(self, reason: str, provider: IdentityProvider | None = None, claims=None):
        super().__init__(reason)
        self.reason = reason
        self.provider = provider
        self.claims = claims or {}


@dataclass(frozen=True)
class Answer:
    """A checked answer of the provider: its ID token's claims, and why it was asked."""

    provider: IdentityProvider
    claims: dict
    id_token: str
    purpose: str
    next_url: str


def metadata(provider: IdentityProvider, *, fresh: bool = False) -> dict:
    """The provider's configuration (OpenID Connect Discovery), kept for an hour: its
    issuer must be the one set up, and every endpoint used an address we may call."""
    key = f"signin:oidc:meta:{provider.issuer}"
    found = None if fresh else cache.get(key)
    if found is None:
        found = _get_json(
            provider, provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
        )
        issuer = found.get("issuer")
        if not isinstance(issuer, str) or issuer.rstrip("/") != provider.issuer.rstrip("/"):
            raise Refused(Reason.INVALID_TOKEN, provider)
        for name in ENDPOINTS:
            if not callable_address(found.get(name)):
                raise Refused(Reason.INVALID_TOKEN, provider)
        end = found.get("end_session_endpoint")
        if end is not None and not callable_address(end):
            found.pop("end_session_endpoint")
        cache.set(key, found, METADATA_SECONDS)
    return found


#: The endpoints of the discovery document the flow needs.
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")


def keys(provider: IdentityProvider, *, fresh: bool = False) -> KeySet:
    """The provider's public keys (its jwks_uri), kept for an hour."""
    key = f"signin:oidc:jwks:{provider.issuer}"
    found = None if fresh else cache.get(key)
    if found is None:
        found = _get_json(provider, metadata(provider)["jwks_uri"])
        cache.set(key, found, METADATA_SECONDS)
    try:
        return KeySet.import_key_set(cast("KeySetSerialization", found))
    except (JoseError, KeyError, TypeError, ValueError) as error:
        raise Refused(Reason.INVALID_TOKEN, provider) from error


def _get_json(provider: IdentityProvider, url: str) -> dict:
    """A JSON object from *url* (outbound.get: a public address, a bounded answer), or
    Refused."""
    try:
        found = json.loads(outbound.get(url))
    except outbound.TooLarge as error:
        raise Refused(Reason.INVALID_TOKEN, provider) from error
    except (httpx2.HTTPError, ValueError) as error:
        raise Refused(Reason.UNREACHABLE, provider) from error
    if not isinstance(found, dict):
        raise Refused(Reason.INVALID_TOKEN, provider)
    return found


def _client(provider: IdentityProvider, redirect_uri: str) -> OAuth2Client:
    return OAuth2Client(
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        scope="openid email profile",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        **outbound.client(),
    )


def begin(
    session, provider: IdentityProvider, *, redirect_uri: str, purpose: str, next_url: str
) -> str:
    """The provider's authorization URL for a new sign-in, remembered in *session*.

    *purpose* "confirm" asks the provider to authenticate the user again, whatever its
    own session (prompt=login, max_age=0), before a sensitive step.
    """
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    extra = {"prompt": "login", "max_age": "0"} if purpose == "confirm" else {}
    with _client(provider, redirect_uri) as client:
        url, _state = client.create_authorization_url(
            metadata(provider)["authorization_endpoint"],
            state=state,
            nonce=nonce,
            code_verifier=verifier,
            **extra,
        )
    pending.remember(
        session,
        state,
        {
            "provider": str(provider.uid),
            "nonce": nonce,
            "verifier": verifier,
            "purpose": purpose,
            "next": next_url,
            "redirect_uri": redirect_uri,
        },
    )
    return url


def finish(session, params) -> Answer:
    """The provider's answer (the query of the redirect back), checked: the sign-in it
    belongs to (once), the code redeemed, the ID token's signature and claims; for a
    confirmation, that the provider logged the person in after it was asked."""
    started = pending.take(session, params.get("state", ""))
    if started is None:
        raise Refused(Reason.STATE)
    provider = IdentityProvider.objects.filter(
        uid=started["provider"], active=True, protocol=IdentityProvider.Protocol.OIDC
    ).first()
    if provider is None:
        raise Refused(Reason.STATE)
    if pending.waited_too_long(started):
        raise Refused(Reason.STATE, provider)
    if params.get("error") or not params.get("code"):
        raise Refused(Reason.PROVIDER_ERROR, provider)
    meta = metadata(provider)
    if "iss" in params and params["iss"].rstrip("/") != meta["issuer"].rstrip("/"):
        raise Refused(Reason.INVALID_TOKEN, provider)  # RFC 9207: an answer of another issuer
    try:
        with _client(provider, started["redirect_uri"]) as client:
            token = client.fetch_token(
                meta["token_endpoint"],
                grant_type="authorization_code",
                code=params["code"],
                code_verifier=started["verifier"],
            )
    except (OAuthError, KeyError, TypeError, ValueError) as error:
        raise Refused(Reason.INVALID_TOKEN, provider) from error
    except httpx2.HTTPError as error:
        raise Refused(Reason.UNREACHABLE, provider) from error
    id_token = token.get("id_token") if isinstance(token, dict) else None
    if not isinstance(id_token, str):
        raise Refused(Reason.INVALID_TOKEN, provider)
    claims = checked_claims(provider, id_token, nonce=started["nonce"])
    if started["purpose"] == "confirm" and not _authenticated_since(claims, started["started"]):
        raise Refused(Reason.STALE, provider, claims)
    return Answer(provider, claims, id_token, started["purpose"], started["next"])


def _authenticated_since(claims: dict, started: float) -> bool:
    """Whether the provider says it logged the person in after *started* (auth_time):
    prompt=login and max_age=0 are requests a provider may pass over."""
    auth_time = claims.get("auth_time")
    return isinstance(auth_time, int | float) and auth_time >= started - LEEWAY


def checked_claims(provider: IdentityProvider, id_token: str, *, nonce: str) -> dict:
    """The ID token's claims, when its signature is the provider's and its claims hold."""
    try:
        token = _decode(provider, id_token)
    except JoseError:
        try:  # the provider may have rolled its keys since we read them
            token = _decode(provider, id_token, fresh=True)
        except JoseError as error:
            raise Refused(Reason.INVALID_TOKEN, provider) from error
    claims = token.claims
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY,
        iss={"essential": True, "value": metadata(provider)["issuer"]},
        aud={"essential": True, "value": provider.client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except JoseError as error:
        raise Refused(Reason.INVALID_TOKEN, provider, claims) from error
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != provider.client_id:
        raise Refused(Reason.INVALID_TOKEN, provider, claims)
    return claims


def _decode(provider: IdentityProvider, id_token: str, *, fresh: bool = False):
    return jwt.decode(id_token, keys(provider, fresh=fresh), algorithms=ALGORITHMS)


def asserts_mfa(claims: dict) -> bool:
    """Whether the provider says the user proved a second factor (OIDC ``amr``, RFC 8176)."""
    methods = claims.get("amr") or []
    return isinstance(methods, list) and "mfa" in methods


def end_session_url(provider: IdentityProvider, *, id_token: str, return_to: str) -> str:
    """Where the browser ends the provider's session too (RP-initiated logout), or ""."""
    try:
        endpoint = metadata(provider).get("end_session_endpoint", "")
    except Refused:
        return ""
    if not endpoint:
        return ""
    parts = urlsplit(endpoint)
    query = httpx2.QueryParams(parts.query).merge(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": return_to,
            "client_id": provider.client_id,
        }
    )
    return urlunsplit(parts._replace(query=str(query)))
