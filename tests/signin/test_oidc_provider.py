"""The development/test OpenID Connect provider (demo/oidc_provider.py), driven over HTTP.

A browser is an httpx2 client that keeps cookies and does not follow redirects; the ID
tokens are checked the way a relying party does, with joserfc and the published JWKS.
No database is used.
"""

import base64
import hashlib
import json
import re
import secrets
import selectors
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from joserfc import jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidClaimError
from joserfc.jwk import KeySet

from demo import oidc_provider
from demo.oidc_provider import Provider

ROOT = Path(__file__).resolve().parents[2]
CALLBACK = "http://rp.example/signin/callback"
SIGNED_OUT = "http://rp.example/signed-out"
ANNA = ("anna", "correct horse")
BRAM = ("bram", "battery staple")


def _users():
    return [
        {
            "username": "anna",
            "password": "correct horse",
            "sub": "sub-anna",
            "email": "anna@school.example",
            "email_verified": True,
            "name": "Anna de Vries",
            "mfa": False,
        },
        {
            "username": "bram",
            "password": "battery staple",
            "sub": "sub-bram",
            "email": "bram@school.example",
            "email_verified": True,
            "name": "Bram Jansen",
            "mfa": True,
        },
    ]


def _clients():
    return [
        {
            "client_id": "board",
            "client_secret": "board-secret",
            "redirect_uris": [CALLBACK],
            "post_logout_redirect_uris": [SIGNED_OUT],
        },
        {
            "client_id": "other",
            "client_secret": "other-secret",
            "redirect_uris": ["http://other.example/cb"],
            "post_logout_redirect_uris": ["http://other.example/bye"],
        },
    ]


@pytest.fixture(scope="module")
def provider():
    running = Provider(users=_users(), clients=_clients()).start()
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _switches_off(provider):
    provider.options.update(id_token_ttl=300, sign_with_other_key=False, override_claims={})


@pytest.fixture
def browser(provider):
    with httpx2.Client(base_url=provider.issuer, follow_redirects=False, timeout=10) as client:
        yield client


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class Flow:
    """One authorization request of the client "board", with its state, nonce and PKCE."""

    def __init__(self, **extra):
        self.state = secrets.token_urlsafe(16)
        self.nonce = secrets.token_urlsafe(16)
        self.verifier = secrets.token_urlsafe(48)
        self.params = {
            "response_type": "code",
            "client_id": "board",
            "redirect_uri": CALLBACK,
            "scope": "openid email profile",
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": s256(self.verifier),
            "code_challenge_method": "S256",
            **extra,
        }


def answer(response) -> dict[str, str]:
    """The query of the redirect back to the client."""
    assert response.status_code in (302, 303), response.text
    location = response.headers["location"]
    assert location.startswith(CALLBACK + "?")
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def request_id(page) -> str:
    return re.search(r'name="request_id" value="([^"]+)"', page.text).group(1)


def sign_in(browser, flow: Flow, login=ANNA) -> str:
    """The login form filled in with *login* (username, password): the code answered."""
    form = browser.get("/authorize", params=flow.params)
    assert form.status_code == 200
    username, password = login
    posted = browser.post(
        "/authorize",
        data={"request_id": request_id(form), "username": username, "password": password},
    )
    answered = answer(posted)
    assert answered["state"] == flow.state
    return answered["code"]


def redeem(browser, flow: Flow, code: str, **overrides):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": flow.verifier,
        **overrides,
    }
    data = {key: value for key, value in data.items() if value is not None}
    return browser.post("/token", data=data, auth=("board", "board-secret"))


def checked_claims(provider, id_token: str, *, nonce: str) -> dict:
    """What a relying party does: the signature by the JWKS, then the claims."""
    keys = KeySet.import_key_set(httpx2.get(f"{provider.issuer}/jwks").json())
    token = jwt.decode(id_token, keys, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": "board"},
        nonce={"essential": True, "value": nonce},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
    ).validate(token.claims)
    return token.claims


def id_token_of(provider, browser, login=ANNA) -> tuple:
    """A whole sign-in: the flow and the ID token it ends with."""
    flow = Flow()
    response = redeem(browser, flow, sign_in(browser, flow, login))
    assert response.status_code == 200
    return flow, response.json()["id_token"]


# --- Discovery and keys ----------------------------------------------------------------


def test_discovery_names_the_endpoints_under_the_issuer(provider, browser):
    config = browser.get("/.well-known/openid-configuration").json()
    assert config["issuer"] == provider.issuer
    assert not provider.issuer.endswith("/")
    for name, path in [
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/token"),
        ("userinfo_endpoint", "/userinfo"),
        ("jwks_uri", "/jwks"),
        ("end_session_endpoint", "/logout"),
    ]:
        assert config[name] == provider.issuer + path
    assert config["response_types_supported"] == ["code"]
    assert config["id_token_signing_alg_values_supported"] == ["RS256"]
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert set(config["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
    }
    assert {"sub", "email", "amr", "nonce"} <= set(config["claims_supported"])


def test_jwks_publishes_one_public_signing_key(browser):
    (key,) = browser.get("/jwks").json()["keys"]
    assert key["kty"] == "RSA" and key["kid"] and key["alg"] == "RS256"
    assert "d" not in key and "p" not in key


# --- The code flow ---------------------------------------------------------------------


def test_code_flow_with_pkce_gives_an_id_token_signed_by_the_published_key(provider, browser):
    flow = Flow()
    form = browser.get("/authorize", params=flow.params)
    assert form.status_code == 200
    for text in ("Demo identity provider", "Username", "Password", "Sign in"):
        assert text in form.text
    codes_before = provider.issued_codes
    posted = browser.post(
        "/authorize",
        data={"request_id": request_id(form), "username": "anna", "password": "correct horse"},
    )
    assert "op_session=" in posted.headers["set-cookie"]
    assert "HttpOnly" in posted.headers["set-cookie"]
    assert "SameSite=Lax" in posted.headers["set-cookie"]
    answered = answer(posted)
    assert answered["state"] == flow.state and answered["iss"] == provider.issuer
    assert provider.issued_codes == codes_before + 1

    response = redeem(browser, flow, answered["code"])
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    header = json.loads(base64.urlsafe_b64decode(body["id_token"].split(".")[0] + "=="))
    assert header["alg"] == "RS256" and header["kid"] == provider.key.kid
    claims = checked_claims(provider, body["id_token"], nonce=flow.nonce)
    assert claims["sub"] == "sub-anna" and claims["aud"] == "board"
    assert claims["amr"] == ["pwd"]
    assert claims["email"] == "anna@school.example" and claims["email_verified"] is True
    assert claims["name"] == "Anna de Vries"
    assert claims["iat"] <= claims["auth_time"] + 5 and claims["exp"] > claims["iat"]

    userinfo = browser.get(
        "/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert userinfo.json() == {
        "sub": "sub-anna",
        "email": "anna@school.example",
        "email_verified": True,
        "name": "Anna de Vries",
    }


def test_a_user_who_did_mfa_has_it_in_amr(provider, browser):
    flow, id_token = id_token_of(provider, browser, BRAM)
    assert checked_claims(provider, id_token, nonce=flow.nonce)["amr"] == ["pwd", "mfa"]


def test_a_user_added_after_start_can_sign_in(provider, browser):
    provider.users.append({**_users()[0], "username": "cato", "sub": "sub-cato"})
    flow, id_token = id_token_of(provider, browser, ("cato", "correct horse"))
    assert checked_claims(provider, id_token, nonce=flow.nonce)["sub"] == "sub-cato"


def test_client_secret_post_is_accepted_and_a_wrong_secret_is_not(browser):
    flow = Flow()
    code = sign_in(browser, flow)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}
    data["code_verifier"] = flow.verifier
    wrong = browser.post("/token", data={**data, "client_id": "board", "client_secret": "x"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    right = {**data, "client_id": "board", "client_secret": "board-secret"}
    assert browser.post("/token", data=right).status_code == 200


def test_authlibs_httpx2_client_redeems_a_code(provider, browser):
    """The relying party's own library: Authlib's OAuth2Client over httpx2."""
    from authlib.integrations.httpx_client import OAuth2Client

    flow = Flow()
    config = browser.get("/.well-known/openid-configuration").json()
    with OAuth2Client(
        client_id="board",
        client_secret="board-secret",
        scope="openid email profile",
        redirect_uri=CALLBACK,
        code_challenge_method="S256",
    ) as client:
        url, _ = client.create_authorization_url(
            config["authorization_endpoint"],
            state=flow.state,
            nonce=flow.nonce,
            code_verifier=flow.verifier,
        )
        form = browser.get(url)
        posted = browser.post(
            "/authorize",
            data={
                "request_id": request_id(form),
                "username": "bram",
                "password": "battery staple",
            },
        )
        token = client.fetch_token(
            config["token_endpoint"],
            grant_type="authorization_code",
            code=answer(posted)["code"],
            code_verifier=flow.verifier,
        )
    assert checked_claims(provider, token["id_token"], nonce=flow.nonce)["sub"] == "sub-bram"


# --- Single sign-on, prompt and max_age ------------------------------------------------


def test_a_second_authorize_signs_in_at_once_with_the_session(provider, browser):
    first, first_token = id_token_of(provider, browser)
    flow = Flow()
    again = answer(browser.get("/authorize", params=flow.params))
    assert again["state"] == flow.state
    second = redeem(browser, flow, again["code"]).json()["id_token"]
    auth_time = checked_claims(provider, first_token, nonce=first.nonce)["auth_time"]
    assert checked_claims(provider, second, nonce=flow.nonce)["auth_time"] == auth_time


def test_without_the_cookie_there_is_no_single_sign_on(provider, browser):
    id_token_of(provider, browser)
    browser.cookies.clear()
    assert browser.get("/authorize", params=Flow().params).status_code == 200


@pytest.mark.parametrize("extra", [{"prompt": "login"}, {"max_age": "0"}])
def test_prompt_login_or_an_old_login_shows_the_form_again(provider, browser, extra):
    id_token_of(provider, browser)
    form = browser.get("/authorize", params=Flow(**extra).params)
    assert form.status_code == 200 and 'name="password"' in form.text


def test_a_recent_enough_login_satisfies_max_age(provider, browser):
    id_token_of(provider, browser)
    answer(browser.get("/authorize", params=Flow(max_age="3600").params))


def test_prompt_none_without_a_session_answers_login_required(browser):
    flow = Flow(prompt="none")
    answered = answer(browser.get("/authorize", params=flow.params))
    assert answered["error"] == "login_required" and answered["state"] == flow.state
    assert "code" not in answered


# --- Refusals --------------------------------------------------------------------------


def test_a_code_is_used_once(browser):
    flow = Flow()
    code = sign_in(browser, flow)
    assert redeem(browser, flow, code).status_code == 200
    second = redeem(browser, flow, code)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "overrides",
    [
        {"code_verifier": "a-wrong-verifier-that-is-long-enough-for-pkce-0123456789"},
        {"code_verifier": None},  # left out
        {"redirect_uri": "http://rp.example/other"},
    ],
)
def test_a_wrong_verifier_or_redirect_uri_is_refused(browser, overrides):
    flow = Flow()
    code = sign_in(browser, flow)
    response = redeem(browser, flow, code, **overrides)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert redeem(browser, flow, code).status_code == 400  # and the code is gone


@pytest.mark.parametrize("verifier", ["sent", None])
def test_without_a_challenge_a_verifier_is_refused(browser, verifier):
    """PKCE is optional, but a verifier for a code without a challenge is a downgrade."""
    flow = Flow()
    del flow.params["code_challenge"], flow.params["code_challenge_method"]
    response = redeem(browser, flow, sign_in(browser, flow), code_verifier=verifier)
    assert response.status_code == (400 if verifier else 200)


def test_a_code_of_another_client_is_refused(browser):
    flow = Flow()
    code = sign_in(browser, flow)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}
    data["code_verifier"] = flow.verifier
    response = browser.post("/token", data=data, auth=("other", "other-secret"))
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_an_expired_code_is_refused(browser, monkeypatch):
    monkeypatch.setattr(oidc_provider, "CODE_SECONDS", -1)
    flow = Flow()
    assert redeem(browser, flow, sign_in(browser, flow)).json()["error"] == "invalid_grant"


def test_plain_pkce_is_refused(browser):
    flow = Flow(code_challenge_method="plain")
    answered = answer(browser.get("/authorize", params=flow.params))
    assert answered["error"] == "invalid_request" and answered["state"] == flow.state


def test_a_request_without_openid_scope_goes_back_with_an_error(browser):
    answered = answer(browser.get("/authorize", params=Flow(scope="email").params))
    assert answered["error"] == "invalid_scope"


def test_a_wrong_password_shows_the_form_with_an_error(provider, browser):
    flow = Flow()
    form = browser.get("/authorize", params=flow.params)
    codes_before = provider.issued_codes
    posted = browser.post(
        "/authorize",
        data={"request_id": request_id(form), "username": "anna", "password": "wrong"},
    )
    assert posted.status_code == 200
    assert "Wrong username or password" in posted.text and 'name="password"' in posted.text
    assert "set-cookie" not in posted.headers and provider.issued_codes == codes_before
    # The same request may still be completed with the right password.
    posted = browser.post(
        "/authorize",
        data={"request_id": request_id(posted), "username": "anna", "password": "correct horse"},
    )
    assert answer(posted)["state"] == flow.state


@pytest.mark.parametrize(
    "extra",
    [
        {"redirect_uri": "http://evil.example/callback"},
        {"client_id": "nobody"},
        {"redirect_uri": ""},
    ],
)
def test_an_unknown_client_or_redirect_uri_gets_a_page_and_no_redirect(browser, extra):
    response = browser.get("/authorize", params={**Flow().params, **extra})
    assert response.status_code == 400 and "location" not in response.headers
    assert "Demo identity provider" in response.text


def test_what_the_form_shows_back_is_escaped(browser):
    form = browser.get("/authorize", params=Flow().params)
    posted = browser.post(
        "/authorize",
        data={"request_id": request_id(form), "username": '"><script>x</script>', "password": "x"},
    )
    assert "<script>x" not in posted.text and "&lt;script&gt;" in posted.text


def test_a_bearer_token_we_did_not_issue_gets_no_userinfo(browser):
    response = browser.get("/userinfo", headers={"Authorization": "Bearer made-up"})
    assert response.status_code == 401


# --- The test switches -----------------------------------------------------------------


def test_switch_id_token_ttl_negative_gives_an_expired_token(provider, browser):
    provider.options["id_token_ttl"] = -60
    flow, id_token = id_token_of(provider, browser)
    with pytest.raises(ExpiredTokenError):
        checked_claims(provider, id_token, nonce=flow.nonce)


def test_switch_sign_with_other_key_is_refused_by_the_jwks(provider, browser):
    provider.options["sign_with_other_key"] = True
    flow, id_token = id_token_of(provider, browser)
    header = json.loads(base64.urlsafe_b64decode(id_token.split(".")[0] + "=="))
    assert header["kid"] == provider.key.kid
    with pytest.raises(BadSignatureError):
        checked_claims(provider, id_token, nonce=flow.nonce)


@pytest.mark.parametrize("claim", ["aud", "nonce"])
def test_switch_override_claims_gives_claims_an_rp_refuses(provider, browser, claim):
    provider.options["override_claims"] = {claim: "someone-else"}
    flow, id_token = id_token_of(provider, browser)
    with pytest.raises(InvalidClaimError):
        checked_claims(provider, id_token, nonce=flow.nonce)


def test_switch_override_claims_changes_a_profile_claim(provider, browser):
    provider.options["override_claims"] = {"email": "changed@school.example"}
    flow, id_token = id_token_of(provider, browser)
    claims = checked_claims(provider, id_token, nonce=flow.nonce)
    assert claims["email"] == "changed@school.example"


# --- Logout ----------------------------------------------------------------------------


def test_logout_ends_the_session_and_returns_to_a_registered_address(provider, browser):
    _, id_token = id_token_of(provider, browser)
    query = {
        "id_token_hint": id_token,
        "post_logout_redirect_uri": SIGNED_OUT,
        "client_id": "board",
        "state": "bye",
    }
    response = browser.get("/logout", params=query)
    assert response.status_code == 302
    assert response.headers["location"] == f"{SIGNED_OUT}?state=bye"
    assert provider.logouts[-1] == query
    assert browser.get("/authorize", params=Flow().params).status_code == 200  # no SSO


@pytest.mark.parametrize(
    "query",
    [
        {"post_logout_redirect_uri": "http://evil.example/"},
        {"post_logout_redirect_uri": "http://other.example/bye"},  # another client's
        {"post_logout_redirect_uri": SIGNED_OUT},  # no client named
        {},
    ],
)
def test_logout_to_an_address_not_registered_shows_a_page(provider, browser, query):
    _, id_token = id_token_of(provider, browser)
    hint = (
        {} if query.get("post_logout_redirect_uri") == SIGNED_OUT else {"id_token_hint": id_token}
    )
    response = browser.get("/logout", params={**query, **hint})
    assert response.status_code == 200 and "location" not in response.headers
    assert "You are signed out" in response.text
    assert browser.get("/authorize", params=Flow().params).status_code == 200


def test_logout_with_a_hint_we_did_not_sign_is_refused(provider, browser):
    provider.options["sign_with_other_key"] = True
    _, forged = id_token_of(provider, browser)
    provider.options["sign_with_other_key"] = False
    response = browser.get(
        "/logout", params={"id_token_hint": forged, "post_logout_redirect_uri": SIGNED_OUT}
    )
    assert response.status_code == 400 and "location" not in response.headers


# --- The command line ------------------------------------------------------------------


def test_the_cli_serves_until_sigterm_and_exits_cleanly(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"users": _users(), "clients": _clients()}))
    process = subprocess.Popen(
        [sys.executable, "-m", "demo.oidc_provider", "--port", "0", "--config", str(config)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            assert selector.select(timeout=30), "the provider did not announce itself"
        line = process.stdout.readline().strip()
        issuer = re.fullmatch(r"OIDC provider at (http://127\.0\.0\.1:\d+)", line).group(1)
        config = httpx2.get(f"{issuer}/.well-known/openid-configuration").json()
        assert config["issuer"] == issuer
        process.terminate()
        assert process.wait(timeout=10) == 0
        assert process.stderr.read() == ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
