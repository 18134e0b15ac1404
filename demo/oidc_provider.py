"""A small OpenID Connect provider for development and tests: NEVER use it in production.

It is the demo board's identity provider under ``make run`` and the provider the test
suite starts on loopback. It speaks the standard authorization-code flow (OpenID Connect
Core 1.0 with PKCE, RFC 7636, and the ``iss`` answer parameter, RFC 9207), Discovery,
a JWKS, UserInfo and RP-initiated logout, so any relying party works with it.

What makes it unfit for production, on purpose: users, passwords and clients come from
plain lists in memory; everything it issues lives in memory and is lost on restart; it
serves plain HTTP; the key is generated at start-up; the login form has no CSRF token,
throttle or second factor (a user's ``"mfa": True`` merely claims one in ``amr``).

    python -m demo.oidc_provider --port 8765 --config config.json

where config.json holds ``{"users": [...], "clients": [...]}`` (see Provider).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import html
import json
import secrets
import signal
import threading
import time
from typing import Any
from urllib.parse import unquote_plus, urlencode

from joserfc import jwk, jwt
from joserfc.errors import JoseError

from demo.loopback import COOKIE, LoopbackServer, Request, Response, _page, _same

CODE_SECONDS = 60
PENDING_SECONDS = 10 * 60
ACCESS_TOKEN_SECONDS = 300
OPTIONS = {"id_token_ttl": 300, "sign_with_other_key": False, "override_claims": {}}
PROFILE = ["email", "email_verified", "name"]
CLAIMS = ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "amr", *PROFILE]
ENDPOINTS = {
    "authorization_endpoint": "/authorize",
    "token_endpoint": "/token",
    "userinfo_endpoint": "/userinfo",
    "jwks_uri": "/jwks",
    "end_session_endpoint": "/logout",
}
METADATA = {
    "response_types_supported": ["code"],
    "response_modes_supported": ["query"],
    "grant_types_supported": ["authorization_code"],
    "subject_types_supported": ["public"],
    "id_token_signing_alg_values_supported": ["RS256"],
    "scopes_supported": ["openid", "email", "profile"],
    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    "code_challenge_methods_supported": ["S256"],
    "claims_supported": CLAIMS,
    "prompt_values_supported": ["none", "login"],
    "authorization_response_iss_parameter_supported": True,
}


def _json(data: dict, status: str = "200 OK", headers: list | None = None) -> Response:
    base = [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
    return status, base + (headers or []), json.dumps(data).encode("utf-8")


def _redirect(
    uri: str, params: dict[str, str], status: str = "302 Found", headers: list | None = None
) -> Response:
    """Redirect to *uri* with *params* added to its query (empty values left out)."""
    query = urlencode({key: value for key, value in params.items() if value})
    location = f"{uri}{'&' if '?' in uri else '?'}{query}" if query else uri
    return status, [("Location", location), ("Cache-Control", "no-store"), *(headers or [])], b""


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class Provider(LoopbackServer):
    """An OpenID Connect provider in a threaded WSGI server (development and tests only).

    *users*: dicts with username, password, sub, email, email_verified, name and mfa.
    *clients*: dicts with client_id, client_secret, redirect_uris and
    post_logout_redirect_uris. Both lists are kept, not copied: append to them at will.

    ``options`` are switches for tests: ``id_token_ttl`` (seconds, negative for a token
    already expired), ``sign_with_other_key`` (a key not in the JWKS, with the same kid)
    and ``override_claims`` (merged into the ID token's claims). ``issued_codes`` counts
    the codes issued and ``logouts`` keeps the parameters of each logout request.
    """

    def __init__(self, *, users: list[dict], clients: list[dict], host="127.0.0.1", port=0):
        super().__init__(host=host, port=port)
        self.users = users
        self.clients = clients
        self.options: dict[str, Any] = {**OPTIONS, "override_claims": {}}
        self.issued_codes = 0
        self.logouts: list[dict[str, str]] = []
        self.key = jwk.RSAKey.generate_key(2048, {"use": "sig", "alg": "RS256"}, auto_kid=True)
        self._other_key: jwk.RSAKey | None = None
        self._lock = threading.Lock()
        self._pending: dict[str, dict] = {}  # authorization requests waiting for a login
        self._sessions: dict[str, dict] = {}  # the browser's sessions with us, by cookie
        self._codes: dict[str, dict] = {}
        self._tokens: dict[str, dict] = {}  # access tokens for /userinfo
        self._routes = {
            ("GET", "/.well-known/openid-configuration"): self.discovery,
            ("GET", "/jwks"): self.jwks,
            ("GET", "/authorize"): self.authorize,
            ("POST", "/authorize"): self.login,
            ("POST", "/token"): self.token,
            ("GET", "/userinfo"): self.userinfo,
            ("POST", "/userinfo"): self.userinfo,
            ("GET", "/logout"): self.logout,
            ("POST", "/logout"): self.logout,
        }

    @property
    def issuer(self) -> str:
        """Our address, once started (LoopbackServer.base)."""
        return self.base

    # --- Serving ---------------------------------------------------------------------

    def serve_forever(self, announce: str = "OIDC provider at {issuer}") -> None:
        """Print *announce* (with the issuer) and serve until SIGINT or SIGTERM, then stop
        cleanly (the CLI; call it from the main thread)."""
        done = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: done.set())
        self.start()
        print(announce.format(issuer=self.issuer, port=self.port), flush=True)
        while not done.wait(0.5):
            pass
        self.stop()

    # --- Look-ups --------------------------------------------------------------------

    def _client(self, client_id: str | None) -> dict | None:
        return next((c for c in self.clients if c["client_id"] == client_id), None)

    def _user(self, username: str) -> dict | None:
        return next((u for u in self.users if u["username"] == username), None)

    def _session(self, request: Request) -> dict | None:
        return self._sessions.get(request.session_id) if request.session_id else None

    # --- Discovery and keys ----------------------------------------------------------

    def discovery(self, request: Request) -> Response:
        endpoints = {name: self.issuer + path for name, path in ENDPOINTS.items()}
        return _json({"issuer": self.issuer, **endpoints, **METADATA})

    def jwks(self, request: Request) -> Response:
        return _json({"keys": [self.key.as_dict(private=False)]})

    # --- Authorization ---------------------------------------------------------------

    def authorize(self, request: Request) -> Response:
        """The authorization request: a code at once (single sign-on) or the login form."""
        params = request.query
        client = self._client(params.get("client_id"))
        if client is None or params.get("redirect_uri") not in client["redirect_uris"]:
            what = "application" if client is None else "return address"
            body = f"<p class='error'>The {what} of this sign-in request is not registered.</p>"
            return _page("Sign-in refused", body, "400 Bad Request")
        error = self._invalid(params)
        if error:
            return self._answer(params, {"error": error})
        prompt = params.get("prompt", "").split()
        session = self._session(request)
        if session and "login" not in prompt and self._recent(session, params.get("max_age")):
            return self._answer(params, {"code": self._issue_code(params, session)})
        if "none" in prompt:
            return self._answer(params, {"error": "login_required"})
        pending_id = secrets.token_urlsafe(24)
        with self._lock:
            self._pending[pending_id] = {**params, "expires": time.time() + PENDING_SECONDS}
        return self._login_form(pending_id, client)

    def _invalid(self, params: dict[str, str]) -> str:
        """The OAuth error code of an authorization request, or "" when it is acceptable."""
        if params.get("response_type") != "code":
            return "unsupported_response_type"
        if "openid" not in params.get("scope", "").split():
            return "invalid_scope"
        if "code_challenge" in params and params.get("code_challenge_method") != "S256":
            return "invalid_request"  # PKCE "plain" (also the default) is refused
        prompt = params.get("prompt", "").split()
        if "none" in prompt and len(prompt) > 1:
            return "invalid_request"
        if not params.get("max_age", "0").isdigit():
            return "invalid_request"
        return ""

    def _recent(self, session: dict, max_age: str | None) -> bool:
        return max_age is None or time.time() - session["auth_time"] <= int(max_age)

    def _answer(self, params: dict, answer: dict, status="302 Found", headers=None) -> Response:
        """Send the browser back to the client with *answer*, its state and our issuer."""
        answer = {**answer, "state": params.get("state", ""), "iss": self.issuer}
        return _redirect(params["redirect_uri"], answer, status, headers)

    def _login_form(self, pending_id: str, client: dict, username="", error="") -> Response:
        name = client.get("client_name") or client["client_id"]
        alert = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
        body = (
            f"<p>Sign in to continue to {html.escape(name)}.</p>{alert}"
            '<form method="post" action="/authorize">'
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
        """The login form posted: a session and a code, or the form again."""
        pending_id = request.form.get("request_id", "")
        with self._lock:
            params = self._pending.get(pending_id)
        client = self._client(params.get("client_id")) if params else None
        if params is None or client is None or params["expires"] < time.time():
            body = "<p class='error'>This sign-in has expired. Go back and start again.</p>"
            return _page("Sign-in expired", body, "400 Bad Request")
        username = request.form.get("username", "")
        user = self._user(username)
        password = request.form.get("password", "")
        if user is None or not _same(password, user["password"]):
            return self._login_form(pending_id, client, username, "Wrong username or password.")
        with self._lock:
            if self._pending.pop(pending_id, None) is None:  # a second post of the form
                return _page("Sign-in expired", "<p>This sign-in is over.</p>", "400 Bad Request")
            self._sessions.pop(request.session_id, None)  # a new login replaces the old
            session_id = secrets.token_urlsafe(32)
            session = {"username": username, "auth_time": int(time.time())}
            self._sessions[session_id] = session
        cookie = ("Set-Cookie", f"{COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Lax")
        code = self._issue_code(params, session)
        return self._answer(params, {"code": code}, "303 See Other", [cookie])

    def _issue_code(self, params: dict[str, str], session: dict) -> str:
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._purge()
            self._codes[code] = {
                "client_id": params["client_id"],
                "redirect_uri": params["redirect_uri"],
                "scope": params["scope"],
                "nonce": params.get("nonce"),
                "code_challenge": params.get("code_challenge"),
                "username": session["username"],
                "auth_time": session["auth_time"],
                "expires": time.time() + CODE_SECONDS,
            }
            self.issued_codes += 1
        return code

    def _purge(self) -> None:
        """Forget what has expired (called with the lock held)."""
        now = time.time()
        for store in (self._pending, self._codes, self._tokens):
            for key in [key for key, value in store.items() if value["expires"] < now]:
                del store[key]

    # --- Token and UserInfo ----------------------------------------------------------

    def token(self, request: Request) -> Response:
        """Redeem a code (once) for an access token and an ID token."""
        client, basic = self._authenticate(request)
        if client is None:
            headers = [("WWW-Authenticate", 'Basic realm="token"')] if basic else []
            return _json({"error": "invalid_client"}, "401 Unauthorized", headers)
        form = request.form
        if form.get("grant_type") != "authorization_code":
            return _json({"error": "unsupported_grant_type"}, "400 Bad Request")
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # single use, even if refused
        if grant is None or not self._grant_holds(grant, client, form):
            return _json({"error": "invalid_grant"}, "400 Bad Request")
        access_token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[access_token] = {
                "username": grant["username"],
                "expires": time.time() + ACCESS_TOKEN_SECONDS,
            }
        return _json(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": ACCESS_TOKEN_SECONDS,
                "scope": grant["scope"],
                "id_token": self.id_token(grant, client["client_id"]),
            }
        )

    def _authenticate(self, request: Request) -> tuple[dict | None, bool]:
        """The client by client_secret_basic or client_secret_post; and whether Basic."""
        basic = request.authorization.startswith("Basic ")
        form_id = request.form.get("client_id")
        if basic:
            try:
                decoded = base64.b64decode(request.authorization[6:], validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return None, True
            client_id, _, secret = decoded.partition(":")
            if form_id not in (None, client_id) or "client_secret" in request.form:
                return None, True
            # RFC 6749 form-encodes both before Base64; many clients (Authlib) do not.
            tries = [(client_id, secret), (unquote_plus(client_id), unquote_plus(secret))]
        else:
            tries = [(form_id or "", request.form.get("client_secret", ""))]
        for client_id, secret in tries:
            client = self._client(client_id)
            if client and _same(secret, client["client_secret"]):
                return client, basic
        return None, basic

    def _grant_holds(self, grant: dict, client: dict, form: dict[str, str]) -> bool:
        """Whether the code is alive, the client's, for this redirect_uri, with its PKCE."""
        if grant["expires"] < time.time():
            return False
        if grant["client_id"] != client["client_id"]:
            return False
        if grant["redirect_uri"] != form.get("redirect_uri"):
            return False
        verifier = form.get("code_verifier")
        if grant["code_challenge"] is None:
            return verifier is None  # a verifier without a challenge: a downgrade attempt
        return verifier is not None and _same(_s256(verifier), grant["code_challenge"])

    def id_token(self, grant: dict, client_id: str) -> str:
        """The signed ID token for *grant*, as the switches in ``options`` say."""
        user = self._user(grant["username"]) or {}
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": user.get("sub"),
            "aud": client_id,
            "exp": now + int(self.options.get("id_token_ttl", OPTIONS["id_token_ttl"])),
            "iat": now,
            "auth_time": grant["auth_time"],
            "amr": ["pwd", "mfa"] if user.get("mfa") else ["pwd"],
            **self._profile(user),
        }
        if grant.get("nonce"):
            claims["nonce"] = grant["nonce"]
        claims.update(self.options.get("override_claims") or {})
        key = self.key
        if self.options.get("sign_with_other_key"):
            if self._other_key is None:
                self._other_key = jwk.RSAKey.generate_key(2048, {"kid": str(self.key.kid)})
            key = self._other_key
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, key, ["RS256"])

    @staticmethod
    def _profile(user: dict) -> dict[str, Any]:
        return {field: user[field] for field in PROFILE if field in user}

    def userinfo(self, request: Request) -> Response:
        """The user's claims, for a Bearer access token we issued."""
        scheme, _, token = request.authorization.partition(" ")
        with self._lock:
            found = self._tokens.get(token.strip()) if scheme == "Bearer" else None
        user = self._user(found["username"]) if found and found["expires"] > time.time() else None
        if user is None:
            challenge = ("WWW-Authenticate", 'Bearer error="invalid_token"')
            return _json({"error": "invalid_token"}, "401 Unauthorized", [challenge])
        return _json({"sub": user["sub"], **self._profile(user)})

    # --- Logout ----------------------------------------------------------------------

    def logout(self, request: Request) -> Response:
        """RP-initiated logout: end our session, back to a registered address or a page."""
        params = request.params
        self.logouts.append(dict(params))
        client_id = params.get("client_id")
        if params.get("id_token_hint"):
            audience = self._hint_audience(params["id_token_hint"])
            if audience is None or client_id not in (None, audience):
                body = "<p class='error'>This sign-out request is not valid.</p>"
                return _page("Sign-out refused", body, "400 Bad Request")
            client_id = audience
        with self._lock:
            self._sessions.pop(request.session_id, None)
        cookie = ("Set-Cookie", f"{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
        client = self._client(client_id)
        target = params.get("post_logout_redirect_uri")
        if client and target and target in client.get("post_logout_redirect_uris", []):
            return _redirect(target, {"state": params.get("state", "")}, headers=[cookie])
        return _page("Signed out", "<p>You are signed out.</p>", headers=[cookie])

    def _hint_audience(self, id_token: str) -> str | None:
        """The client an ID token of ours was issued to (expired or not), else None."""
        try:
            claims = jwt.decode(id_token, self.key, algorithms=["RS256"]).claims
        except (JoseError, ValueError):
            return None
        audience = claims.get("aud")
        if isinstance(audience, list) and len(audience) == 1:
            audience = audience[0]
        if claims.get("iss") != self.issuer or not isinstance(audience, str):
            return None
        return audience


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A development/test OpenID Connect provider.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 for any free port")
    parser.add_argument("--config", required=True, help='JSON: {"users": [], "clients": []}')
    args = parser.parse_args(argv)
    with open(args.config, encoding="utf-8") as file:
        config = json.load(file)
    provider = Provider(
        users=config.get("users", []),
        clients=config.get("clients", []),
        host=args.host,
        port=args.port,
    )
    provider.serve_forever()


if __name__ == "__main__":
    main()
