"""A small SAML 2.0 identity provider for tests: NEVER use it in production.

It is the SAML provider the test suite starts on loopback (tests/signin/conftest.py). It
speaks Web Browser SSO (an AuthnRequest by HTTP-Redirect, a Response by HTTP-POST with a
signed assertion) and single logout by HTTP-Redirect, so any service provider works with
it. The assertion is
signed by python3-saml's own signing (xmlsec); the XML around it is a template.

What makes it unfit for production, on purpose: users and passwords come from a plain
list in memory, sessions live in memory, it serves plain HTTP, its key is made at
start-up, it checks no signature of the requests it gets and no throttle guards its
login form; a user's ``"mfa"`` is merely claimed as the authentication context.
"""

from __future__ import annotations

import base64
import datetime
import html
import secrets
import threading
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from onelogin.saml2.constants import OneLogin_Saml2_Constants as Saml
from onelogin.saml2.utils import OneLogin_Saml2_Utils
from onelogin.saml2.xml_utils import OneLogin_Saml2_XML

from demo.loopback import LoopbackServer, Request, Response, _page, _same
from signin.saml import sp_keys

COOKIE = "idp_session"
PENDING_SECONDS = 10 * 60
#: How long an assertion may be used, and its subject confirmed.
ASSERTION_SECONDS = 300
PASSWORD_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"  # noqa: S105
MFA_CONTEXT = "https://refeds.org/profile/mfa"
MAIL = "urn:oid:0.9.2342.19200300.100.1.3"
ORGANISATION = "urn:mace:terena.org:attribute-def:schacHomeOrganization"
OPTIONS = {
    "assertion_seconds": ASSERTION_SECONDS,
    "audience": None,
    "sign_with_other_key": False,
    "name_id_format": Saml.NAMEID_PERSISTENT,
    "authn_instant_offset": 0,
}


def _instant(moment: float) -> str:
    return datetime.datetime.fromtimestamp(moment, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _id() -> str:
    return "_" + uuid.uuid4().hex


class Provider(LoopbackServer):
    """A SAML identity provider in a threaded WSGI server (development and tests only).

    *users*: dicts with username, password, name_id (persistent), mail, organisation
    and ``mfa`` (the assertion then names MFA_CONTEXT). The list is kept, not copied.

    ``options`` are switches for tests: ``assertion_seconds`` (negative for an assertion
    already expired), ``audience`` (another audience than the requester),
    ``sign_with_other_key`` (a key not in the metadata), ``name_id_format`` and
    ``authn_instant_offset`` (seconds added to the moment of logging in). ``responses``
    keeps every Response issued (base64, as posted) and ``logouts`` each LogoutRequest.
    """

    def __init__(self, *, users: list[dict], host="127.0.0.1", port=0):
        super().__init__(host=host, port=port)
        self.users = users
        self.options: dict[str, Any] = dict(OPTIONS)
        self.responses: list[str] = []
        self.logouts: list[str] = []
        self.certificate, self.key = sp_keys()
        self._other = sp_keys()
        self._lock = threading.Lock()
        self._pending: dict[str, dict] = {}
        self._sessions: dict[str, dict] = {}
        self._routes = {
            ("GET", "/metadata"): self.metadata,
            ("GET", "/sso"): self.sso,
            ("POST", "/sso"): self.login,
            ("GET", "/slo"): self.slo,
        }

    @property
    def entity_id(self) -> str:
        return self.base + "/metadata"

    def _user(self, username: str) -> dict | None:
        return next((u for u in self.users if u["username"] == username), None)

    # --- Metadata ----------------------------------------------------------------------

    def metadata(self, request: Request | None = None) -> Response:
        return "200 OK", [("Content-Type", "application/samlmetadata+xml")], self.metadata_xml()

    def metadata_xml(self) -> bytes:
        certificate = "".join(
            line for line in self.certificate.splitlines() if "CERTIFICATE" not in line
        )
        return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{self.entity_id}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>
      <ds:X509Certificate>{certificate}</ds:X509Certificate>
    </ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleLogoutService Binding="{Saml.BINDING_HTTP_REDIRECT}" Location="{self.base}/slo"/>
    <md:NameIDFormat>{Saml.NAMEID_PERSISTENT}</md:NameIDFormat>
    <md:SingleSignOnService Binding="{Saml.BINDING_HTTP_REDIRECT}" Location="{self.base}/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>""".encode()

    # --- Signing in ------------------------------------------------------------------------

    def sso(self, request: Request) -> Response:
        """The AuthnRequest: the answer at once (single sign-on) or the login form."""
        try:
            xml = OneLogin_Saml2_Utils.decode_base64_and_inflate(request.query["SAMLRequest"])
            document = OneLogin_Saml2_XML.to_etree(xml)
        except Exception:  # any undecodable request is a bad request
            return _page("Bad request", "<p>No AuthnRequest.</p>", "400 Bad Request")
        issuers = OneLogin_Saml2_XML.query(document, "/samlp:AuthnRequest/saml:Issuer")
        authn = {
            "id": document.get("ID", ""),
            "acs": document.get("AssertionConsumerServiceURL", ""),
            "sp": issuers[0].text if issuers else "",
            "force": document.get("ForceAuthn") == "true",
            "relay": request.query.get("RelayState", ""),
            "expires": time.time() + PENDING_SECONDS,
        }
        with self._lock:
            session = self._sessions.get(request.session_id) if request.session_id else None
        if session is not None and not authn["force"]:
            return self._post_back(authn, session)
        pending_id = secrets.token_urlsafe(16)
        with self._lock:
            self._pending[pending_id] = authn
        return self._login_form(pending_id)

    def _login_form(self, pending_id: str, username="", error="") -> Response:
        alert = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
        body = (
            f"<p>Sign in with your school account (SAML).</p>{alert}"
            '<form method="post" action="/sso">'
            f'<input type="hidden" name="request_id" value="{html.escape(pending_id)}">'
            '<p><label for="username">Username</label><br>'
            '<input id="username" name="username" autocomplete="username" required '
            f'value="{html.escape(username)}"></p>'
            '<p><label for="password">Password</label><br>'
            '<input id="password" name="password" type="password" '
            'autocomplete="current-password" required></p>'
            '<p><button type="submit">Sign in</button></p></form>'
        )
        return _page("Sign in", body)

    def login(self, request: Request) -> Response:
        pending_id = request.form.get("request_id", "")
        with self._lock:
            authn = self._pending.get(pending_id)
        if authn is None or authn["expires"] < time.time():
            return _page("Sign-in expired", "<p>Start again.</p>", "400 Bad Request")
        username = request.form.get("username", "")
        user = self._user(username)
        if user is None or not _same(request.form.get("password", ""), user["password"]):
            return self._login_form(pending_id, username, "Wrong username or password.")
        with self._lock:
            if self._pending.pop(pending_id, None) is None:
                return _page("Sign-in expired", "<p>This sign-in is over.</p>", "400 Bad Request")
            self._sessions.pop(request.session_id, None)
            session_id = secrets.token_urlsafe(32)
            session = {"username": username, "auth_time": time.time(), "index": _id()}
            self._sessions[session_id] = session
        cookie = ("Set-Cookie", f"{COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Lax")
        status, headers, body = self._post_back(authn, session)
        return status, [*headers, cookie], body

    def _post_back(self, authn: dict, session: dict) -> Response:
        """The signed Response, posted to the service provider by the browser."""
        user = self._user(session["username"]) or {}
        encoded = self.response_for(
            user,
            in_response_to=authn["id"],
            acs=authn["acs"],
            audience=authn["sp"],
            auth_time=session["auth_time"],
            session_index=session["index"],
        )
        body = (
            f'<form method="post" action="{html.escape(authn["acs"])}">'
            f'<input type="hidden" name="SAMLResponse" value="{html.escape(encoded)}">'
            f'<input type="hidden" name="RelayState" value="{html.escape(authn["relay"])}">'
            "<p>You are signed in.</p><p><button type=submit>Continue</button></p></form>"
        )
        return _page("Signed in", body)

    def response_for(
        self,
        user: dict,
        *,
        in_response_to: str,
        acs: str,
        audience: str,
        auth_time: float | None = None,
        session_index: str = "",
    ) -> str:
        """A Response for *user*, its assertion signed, base64-encoded as it is posted."""
        now = time.time()
        options = self.options
        until = _instant(now + options["assertion_seconds"])
        moment = (auth_time or now) + options["authn_instant_offset"]
        contexts = MFA_CONTEXT if user.get("mfa") else PASSWORD_CONTEXT
        attributes = "".join(
            f'<saml:Attribute Name="{name}" NameFormat="{Saml.ATTRNAME_FORMAT_URI}">'
            f"<saml:AttributeValue>{html.escape(str(value))}</saml:AttributeValue>"
            "</saml:Attribute>"
            for name, value in ((MAIL, user.get("mail")), (ORGANISATION, user.get("organisation")))
            if value
        )
        assertion_id = _id()
        assertion = f"""<saml:Assertion xmlns:saml="{Saml.NS_SAML}" ID="{assertion_id}" Version="2.0" IssueInstant="{_instant(now)}"><saml:Issuer>{self.entity_id}</saml:Issuer><saml:Subject><saml:NameID Format="{options["name_id_format"]}">{html.escape(user["name_id"])}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData InResponseTo="{in_response_to}" NotOnOrAfter="{until}" Recipient="{html.escape(acs)}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{_instant(now - 30)}" NotOnOrAfter="{until}"><saml:AudienceRestriction><saml:Audience>{html.escape(options["audience"] or audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="{_instant(moment)}" SessionIndex="{session_index or _id()}"><saml:AuthnContext><saml:AuthnContextClassRef>{contexts}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>{attributes}</saml:AttributeStatement></saml:Assertion>"""  # noqa: E501
        certificate, key = (
            self._other
            if options["sign_with_other_key"]
            else (
                self.certificate,
                self.key,
            )
        )
        signed = OneLogin_Saml2_Utils.add_sign(
            assertion,
            key,
            certificate,
            sign_algorithm=Saml.RSA_SHA256,
            digest_algorithm=Saml.SHA256,
        )
        signed_text = signed.decode() if isinstance(signed, bytes) else str(signed)
        signed_text = signed_text.split("?>", 1)[-1].strip()
        response = (
            f'<samlp:Response xmlns:samlp="{Saml.NS_SAMLP}" xmlns:saml="{Saml.NS_SAML}" '
            f'ID="{_id()}" Version="2.0" IssueInstant="{_instant(now)}" '
            f'Destination="{html.escape(acs)}" InResponseTo="{in_response_to}">'
            f"<saml:Issuer>{self.entity_id}</saml:Issuer>"
            f'<samlp:Status><samlp:StatusCode Value="{Saml.STATUS_SUCCESS}"/></samlp:Status>'
            f"{signed_text}</samlp:Response>"
        )
        encoded = base64.b64encode(response.encode()).decode()
        self.responses.append(encoded)
        return encoded

    # --- Logging out -----------------------------------------------------------------------

    def logout_request_url(
        self,
        sls: str,
        *,
        name_id: str,
        other_key: bool = False,
        signed: bool = True,
        issued: float | None = None,
        not_on_or_after: float | None = None,
    ) -> str:
        """Where we send the browser to end a service provider's session (its single
        logout service *sls*): a signed LogoutRequest by HTTP-Redirect, issued now (or at
        the moment *issued*), valid until *not_on_or_after* where given."""
        until = f' NotOnOrAfter="{_instant(not_on_or_after)}"' if not_on_or_after else ""
        moment = time.time() if issued is None else issued
        request = (
            f'<samlp:LogoutRequest xmlns:samlp="{Saml.NS_SAMLP}" xmlns:saml="{Saml.NS_SAML}" '
            f'ID="{_id()}" Version="2.0" IssueInstant="{_instant(moment)}"{until} '
            f'Destination="{html.escape(sls)}">'
            f"<saml:Issuer>{self.entity_id}</saml:Issuer>"
            f'<saml:NameID Format="{Saml.NAMEID_PERSISTENT}">{html.escape(name_id)}</saml:NameID>'
            "</samlp:LogoutRequest>"
        )
        encoded = OneLogin_Saml2_Utils.deflate_and_base64_encode(request)
        query = "&".join(
            f"{name}={OneLogin_Saml2_Utils.escape_url(value)}"
            for name, value in (("SAMLRequest", encoded), ("SigAlg", Saml.RSA_SHA256))
        )
        if not signed:
            return f"{sls}?{query}"
        key = self._other[1] if other_key else self.key
        signature = OneLogin_Saml2_Utils.sign_binary(query.encode(), key)
        escaped = OneLogin_Saml2_Utils.escape_url(base64.b64encode(signature).decode())
        return f"{sls}?{query}&Signature={escaped}"

    def slo(self, request: Request) -> Response:
        """The service provider's LogoutRequest: our session ended, a LogoutResponse back."""
        try:
            xml = OneLogin_Saml2_Utils.decode_base64_and_inflate(request.query["SAMLRequest"])
            document = OneLogin_Saml2_XML.to_etree(xml)
        except Exception:  # any undecodable request is a bad request
            return _page("Bad request", "<p>No LogoutRequest.</p>", "400 Bad Request")
        self.logouts.append(xml.decode() if isinstance(xml, bytes) else str(xml))
        with self._lock:
            self._sessions.pop(request.session_id, None)
        issuers = OneLogin_Saml2_XML.query(document, "/samlp:LogoutRequest/saml:Issuer")
        sls = (issuers[0].text or "").replace("/metadata/", "/sls/") if issuers else ""
        answer = (
            f'<samlp:LogoutResponse xmlns:samlp="{Saml.NS_SAMLP}" xmlns:saml="{Saml.NS_SAML}" '
            f'ID="{_id()}" Version="2.0" IssueInstant="{_instant(time.time())}" '
            f'Destination="{html.escape(sls)}" InResponseTo="{document.get("ID", "")}">'
            f"<saml:Issuer>{self.entity_id}</saml:Issuer>"
            f'<samlp:Status><samlp:StatusCode Value="{Saml.STATUS_SUCCESS}"/></samlp:Status>'
            "</samlp:LogoutResponse>"
        )
        query = urlencode(
            {
                "SAMLResponse": OneLogin_Saml2_Utils.deflate_and_base64_encode(answer),
                "RelayState": request.query.get("RelayState", ""),
            }
        )
        cleared = ("Set-Cookie", f"{COOKIE}=; Path=/; Max-Age=0")
        return "302 Found", [("Location", f"{sls}?{query}"), cleared], b""
