"""SAML 2.0 Web Browser SSO as the service provider (Entree Federatie, ADFS, …).

python3-saml builds and signs our AuthnRequest and LogoutRequest, and checks the
provider's Response: its signature (xmlsec) against the certificates in the provider's
metadata, that the assertion is signed and the only one, its audience (our entity id),
recipient and destination (our address), its times, and that it answers the request
this browser started (InResponseTo). Nothing here signs, parses or checks a signature
by hand.

A started sign-in waits in the session under its request's ID (pending.py) and is
accepted once. The provider posts its answer across sites, which carries no session
cookie (SameSite=Lax): the answer is posted once more from our own page (views.py:
saml_acs), which does.

The answer is told in the words of OpenID Connect (``sub``, ``email``,
``email_verified``, ``amr``), so that services.identify decides for both protocols
alike: the subject is the persistent NameID (no other format is taken), the address the
configured attribute (the board's own provider vouches for it; the board's domains still
bound it), and "mfa" where the authentication context is one the board counts as
multi-factor.
"""

import base64
import datetime
import hashlib
import logging
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings as django_settings
from django.core.cache import cache
from django.urls import reverse
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants as Saml
from onelogin.saml2.errors import OneLogin_Saml2_ValidationError
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.logout_request import OneLogin_Saml2_Logout_Request
from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from onelogin.saml2.utils import OneLogin_Saml2_Utils
from onelogin.saml2.xml_utils import OneLogin_Saml2_XML

from . import outbound, pending
from .models import IdentityProvider, SignInAttempt
from .oidc import LEEWAY, Answer, Refused
from .outbound import callable_address

logger = logging.getLogger(__name__)

Reason = SignInAttempt.Reason

#: What we ask of a provider's messages and sign in ours (strict: nothing unsigned, no
#: SHA-1, only the answer to a request this browser started).
SECURITY = {
    "authnRequestsSigned": True,
    "logoutRequestSigned": True,
    "logoutResponseSigned": True,
    "wantAssertionsSigned": True,
    "wantMessagesSigned": False,
    "wantNameId": True,
    "wantAssertionsEncrypted": False,
    "wantNameIdEncrypted": False,
    "requestedAuthnContext": False,
    "rejectUnsolicitedResponsesWithInResponseTo": True,
    "rejectDeprecatedAlgorithm": True,
    "signatureAlgorithm": Saml.RSA_SHA256,
    "digestAlgorithm": Saml.SHA256,
    "allowRepeatAttributeName": True,
}
#: The one NameID format that names a person lastingly, and only for us: a transient
#: one changes at every sign-in, an e-mail address or an unspecified value may change or
#: pass to someone else (a reused address), and would then open another's account.
LASTING_NAMEID = Saml.NAMEID_PERSISTENT
#: The longest NameID kept (ExternalIdentity.subject).
NAME_ID_MAX = 255
#: How far a LogoutRequest's IssueInstant may be from our clock (either way), in seconds.
LOGOUT_SKEW = 5 * 60
#: Our certificate: long enough that a board need not hand a new one to its provider often.
CERTIFICATE_DAYS = 10 * 365


@dataclass(frozen=True)
class Session:
    """What ending the provider's session needs (SAML single logout)."""

    name_id: str
    name_id_format: str
    session_index: str

    def as_dict(self) -> dict:
        return {
            "name_id": self.name_id,
            "name_id_format": self.name_id_format,
            "session_index": self.session_index,
        }


# --- Our certificate and the provider's metadata -----------------------------------------


def sp_keys() -> tuple[str, str]:
    """A new key and self-signed certificate for our requests (PEM): (certificate, key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "schoolprivacy SAML")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=CERTIFICATE_DAYS))
        .sign(key, hashes.SHA256())
    )
    return (
        certificate.public_bytes(serialization.Encoding.PEM).decode(),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
    )


def metadata_read(url: str) -> str:
    """The provider's metadata from *url* (outbound.get: a public address, a bounded
    answer); ValueError with a reason a person can act on."""
    try:
        return outbound.get(url).decode()
    except outbound.NotPublic as error:
        raise ValueError("not_public") from error
    except outbound.TooLarge as error:
        raise ValueError("size") from error
    except httpx2.HTTPError as error:
        raise ValueError("unreachable") from error
    except UnicodeDecodeError as error:
        raise ValueError("metadata") from error


def idp_of(metadata: str) -> dict:
    """The provider's part of python3-saml's settings, from its metadata: entity id, the
    address to sign in (Redirect binding), to log out if it has one, and its signing
    certificates. ValueError when the metadata does not hold what a sign-in needs."""
    try:
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(
            metadata,
            required_sso_binding=Saml.BINDING_HTTP_REDIRECT,
            required_slo_binding=Saml.BINDING_HTTP_REDIRECT,
        )
    except Exception as error:  # lxml's and the parser's own errors: not metadata
        raise ValueError("metadata") from error
    idp = parsed.get("idp", {})
    certificates = idp.get("x509certMulti", {}).get("signing") or [idp.get("x509cert")]
    if not (
        idp.get("entityId")
        and callable_address(idp.get("singleSignOnService", {}).get("url"))
        and any(certificates)
    ):
        raise ValueError("metadata")
    slo = idp.get("singleLogoutService", {})
    if slo and not callable_address(slo.get("url")):
        idp.pop("singleLogoutService")
    return idp


def sp_urls(provider: IdentityProvider) -> dict[str, str]:
    """Our addresses for *provider*: the entity id (where our metadata is), the assertion
    consumer service and the single logout service. Made of SITE_URL, never of the host a
    request names: the provider knows one set of addresses, whichever host was used."""
    return {
        name: django_settings.SITE_URL + reverse(f"signin:saml_{name}", args=[provider.uid])
        for name in ("metadata", "acs", "sls")
    }


def _settings(provider: IdentityProvider, *, sp_only: bool = False):
    urls = sp_urls(provider)
    data = {
        "strict": True,
        "debug": False,
        "sp": {
            "entityId": urls["metadata"],
            "assertionConsumerService": {"url": urls["acs"], "binding": Saml.BINDING_HTTP_POST},
            "singleLogoutService": {"url": urls["sls"], "binding": Saml.BINDING_HTTP_REDIRECT},
            "NameIDFormat": LASTING_NAMEID,  # our metadata asks for it
            "x509cert": provider.sp_certificate,
            "privateKey": provider.sp_private_key,
        },
        "security": {
            **SECURITY,
            # The test client's host ("testserver"), only where loopback HTTP is allowed.
            "allowSingleLabelDomains": getattr(django_settings, "SIGNIN_LOOPBACK_HTTP", False),
        },
    }
    if not sp_only:
        try:
            data["idp"] = idp_of(provider.idp_metadata)
        except ValueError as error:
            raise Refused(Reason.INVALID_TOKEN, provider) from error
    return OneLogin_Saml2_Settings(data, sp_validation_only=sp_only)


def sp_metadata(provider: IdentityProvider) -> str:
    """Our metadata for *provider*, to hand to it: entity id, addresses, certificate."""
    settings = _settings(provider, sp_only=True)
    return settings.get_sp_metadata().decode()


# --- Signing in ----------------------------------------------------------------------------


def _request_data(request) -> dict:
    """The request as python3-saml reads it (it checks the Destination against it): at
    our canonical address (SITE_URL), which is the one the provider was given."""
    site = urlsplit(django_settings.SITE_URL)
    return {
        "https": "on" if site.scheme == "https" else "off",
        "http_host": site.netloc,
        "script_name": request.path,
        "get_data": request.GET.copy(),
        "post_data": request.POST.copy(),
    }


def begin(request, provider: IdentityProvider, *, purpose: str, next_url: str) -> str:
    """The provider's address with our signed AuthnRequest, remembered in the session.

    *purpose* "confirm" asks the provider to authenticate the user again (ForceAuthn),
    whatever its own session, before a sensitive step.
    """
    auth = OneLogin_Saml2_Auth(_request_data(request), _settings(provider))
    url = auth.login(force_authn=purpose == "confirm", set_nameid_policy=False)
    pending.remember(
        request.session,
        auth.get_last_request_id(),
        {"provider": str(provider.uid), "purpose": purpose, "next": next_url},
    )
    return url


def finish(request, provider: IdentityProvider) -> tuple[Answer, Session]:
    """The provider's Response (posted to our assertion consumer service), checked."""
    settings = _settings(provider)
    try:
        posted = request.POST["SAMLResponse"]
        if _encrypted(posted):  # we ask for none; never decrypt what is not yet checked
            raise ValueError("encrypted")
        response = OneLogin_Saml2_Response(settings, posted)
        in_response_to = response.get_in_response_to()
    except Exception as error:  # not base64, not XML, not a Response (lxml's own errors too)
        raise Refused(Reason.INVALID_TOKEN, provider) from error
    started = pending.take(request.session, in_response_to)
    if started is None or started["provider"] != str(provider.uid):
        raise Refused(Reason.STATE, provider)
    if pending.waited_too_long(started):
        raise Refused(Reason.STATE, provider)
    try:
        response.check_status()
    except OneLogin_Saml2_ValidationError as error:
        raise Refused(Reason.PROVIDER_ERROR, provider) from error
    try:
        response.is_valid(_request_data(request), in_response_to, raise_exceptions=True)
        confirmed = _confirmed_for(response, in_response_to, settings)
        claims = _claims(provider, response)
        session = Session(
            name_id=response.get_nameid(),
            name_id_format=response.get_nameid_format() or "",
            session_index=response.get_session_index() or "",
        )
    except Refused:
        raise
    except Exception as error:  # python3-saml's refusals, and its parsing of bad times
        logger.warning("SAML answer refused: %s", error)
        raise Refused(Reason.INVALID_TOKEN, provider) from error
    if not confirmed:
        raise Refused(Reason.INVALID_TOKEN, provider, claims)
    if started["purpose"] == "confirm" and not _authenticated_since(response, started["started"]):
        raise Refused(Reason.STALE, provider, claims)
    return Answer(provider, claims, "", started["purpose"], started["next"]), session


def _encrypted(posted: str) -> bool:
    raw = base64.b64decode(posted, validate=False)
    return b"EncryptedAssertion" in raw or b"EncryptedID" in raw


def _in_assertion(response: OneLogin_Saml2_Response, path: str) -> list:
    """*path* below the Response's one assertion, which is_valid found signed (and the only
    one): what the assertion itself says, not the unsigned envelope around it."""
    return OneLogin_Saml2_XML.query(
        response.get_xml_document(), "/samlp:Response/saml:Assertion" + path
    )


def _confirmed_for(response: OneLogin_Saml2_Response, request_id: str, settings) -> bool:
    """The signed assertion itself names our request and our address: every bearer
    confirmation answers *request_id*, at exactly our assertion consumer service, until a
    stated moment; and the assertion names its audience. python3-saml checks these only
    where they are present, and our request's ID otherwise only in the unsigned envelope."""
    acs = settings.get_sp_data()["assertionConsumerService"]["url"]
    data = _in_assertion(
        response,
        "/saml:Subject/saml:SubjectConfirmation[@Method='urn:oasis:names:tc:SAML:2.0:cm:bearer']"
        "/saml:SubjectConfirmationData",
    )
    return (
        bool(data)
        and all(
            d.get("InResponseTo") == request_id
            and d.get("Recipient") == acs
            and d.get("NotOnOrAfter")
            for d in data
        )
        and bool(response.get_audiences())
    )


def _claims(provider: IdentityProvider, response: OneLogin_Saml2_Response) -> dict:
    """The checked assertion in the words of OpenID Connect (see the module's doc)."""
    attributes = response.get_attributes()

    def first(name: str) -> str:
        values = attributes.get(name) or []
        return str(values[0]).strip() if values and values[0] is not None else ""

    name_id = response.get_nameid() or ""
    if len(name_id) > NAME_ID_MAX:
        raise Refused(Reason.NO_SUBJECT, provider)
    claims: dict = {"sub": name_id, "email": first(provider.address_attribute).lower()}
    claims["email_verified"] = bool(claims["email"])
    if provider.tenant_claim:
        claims[provider.tenant_claim] = first(provider.tenant_claim)
    if set(response.get_authn_contexts()) & set(provider.mfa_contexts):
        claims["amr"] = ["mfa"]
    if not name_id or response.get_nameid_format() != LASTING_NAMEID:
        raise Refused(Reason.NO_SUBJECT, provider, claims)
    return claims


def _authenticated_since(response: OneLogin_Saml2_Response, started: float) -> bool:
    """Whether the checked assertion says the person logged in after *started*
    (AuthnInstant): ForceAuthn is a request a provider may pass over."""
    instants = _in_assertion(response, "/saml:AuthnStatement/@AuthnInstant")
    if len(instants) != 1:
        return False
    try:
        moment = OneLogin_Saml2_Utils.parse_SAML_to_time(str(instants[0]))
    except Exception:  # its own error for a time it cannot read
        return False
    return moment >= started - LEEWAY


# --- Logging out ---------------------------------------------------------------------------


def logout_url(request, provider: IdentityProvider, session: dict, *, return_to: str) -> str:
    """Where the browser ends the provider's session too (a signed LogoutRequest), or ""
    where the provider has no single logout."""
    try:
        settings = _settings(provider)
    except Refused:
        return ""
    if not settings.get_idp_data().get("singleLogoutService", {}).get("url"):
        return ""
    auth = OneLogin_Saml2_Auth(_request_data(request), settings)
    return auth.logout(
        return_to=return_to,
        name_id=session.get("name_id"),
        session_index=session.get("session_index") or None,
        name_id_format=session.get("name_id_format") or None,
    )


def logout_answer(request, provider: IdentityProvider, *, name_id: str, end_session) -> str | None:
    """The provider's single logout message (GET): its answer to our LogoutRequest (our
    session ended already), or its own LogoutRequest, which must be signed, recent (its
    IssueInstant within LOGOUT_SKEW, its NotOnOrAfter not passed) and new (accepted once),
    and calls *end_session* when it names the person of this session (*name_id*); the
    address of our signed answer. None when the message is not valid."""
    if "SAMLRequest" in request.GET and "Signature" not in request.GET:
        return None  # anyone could write an unsigned one; an answer to ours ends nothing
    accepted: list[bool] = []

    def checked_and_new(xml) -> None:
        # Called by python3-saml only once the request's signature and times hold.
        accepted.append(_logout_request_once(provider, xml))
        if accepted[-1] and name_id and named == name_id:
            end_session()

    try:
        auth = OneLogin_Saml2_Auth(_request_data(request), _settings(provider))
        asked, named, xml = request.GET.get("SAMLRequest"), None, None
        if asked:
            xml = OneLogin_Saml2_Utils.decode_base64_and_inflate(asked)
            named = OneLogin_Saml2_Logout_Request.get_nameid(xml)
        url = auth.process_slo(
            keep_local_session=not asked, delete_session_cb=lambda: checked_and_new(xml)
        )
    except Exception:  # not base64, not XML, not a logout message, or bad stored metadata
        return None
    if auth.get_errors():
        logger.warning("SAML logout refused: %s", auth.get_last_error_reason())
        return None
    if asked and accepted != [True]:
        logger.warning("SAML logout request refused: replayed, or not issued just now")
        return None
    return url or ""


def _logout_request_once(provider: IdentityProvider, xml) -> bool:
    """Whether the provider's (checked) LogoutRequest was issued within LOGOUT_SKEW of now
    and is seen for the first time: its ID is remembered (cache) as long as it could be
    accepted, so that a copy replayed later ends no session."""
    root = OneLogin_Saml2_XML.to_etree(xml)
    message_id, issued = root.get("ID"), root.get("IssueInstant")
    if not message_id or not issued:
        return False
    try:
        moment = OneLogin_Saml2_Utils.parse_SAML_to_time(issued)
    except Exception:  # its own error for a time it cannot read
        return False
    if abs(time.time() - moment) > LOGOUT_SKEW:
        return False
    digest = hashlib.sha256(message_id.encode()).hexdigest()
    # Accepted only while |now - IssueInstant| <= LOGOUT_SKEW: kept twice that, it is
    # remembered for the whole of its window. cache.add is atomic: one of two wins.
    return cache.add(f"signin:saml:logout:{provider.uid}:{digest}", 1, 2 * LOGOUT_SKEW)
