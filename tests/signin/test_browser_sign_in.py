"""A member of staff signs in through the school board's provider in real Chromium: the
demo board with its provider (here the test's own, on loopback), in Dutch and English."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from demo import data
from signin.models import ExternalIdentity, IdentityProvider, SignInAttempt
from tests.browser import login_url, open_login_page, screenshot

from .conftest import IDP_PASSWORD

pytestmark = pytest.mark.browser

EMAIL = "leerkracht2@regenboog.example"  # Fatima El Amrani, a teacher of the demo board


@pytest.fixture
def board_provider(op, live_server, demo, settings):
    """The demo board's provider, pointed at the test's provider and this server."""
    settings.SITE_URL = live_server.url
    cache.clear()
    op.users.clear()
    op.options.update(id_token_ttl=300, sign_with_other_key=False, override_claims={})
    client = op.clients[0]
    for uris, path in (
        ("redirect_uris", "/sign-in/callback/"),
        ("post_logout_redirect_uris", "/account/login/"),
    ):
        if live_server.url + path not in client[uris]:
            client[uris].append(live_server.url + path)
    provider = IdentityProvider.objects.get(name=data.OIDC_PROVIDER["name"])
    provider.issuer = op.issuer
    provider.client_id, provider.client_secret = client["client_id"], client["client_secret"]
    provider.save()
    return provider


def account(op, *, mfa: bool) -> dict:
    found = {
        "username": "fatima",
        "password": IDP_PASSWORD,
        "sub": "entra-0001",
        "email": EMAIL,
        "email_verified": True,
        "name": "Fatima El Amrani",
        "mfa": mfa,
    }
    op.users.append(found)
    return found


def sign_in_at_provider(page, who: dict) -> None:
    expect(page.get_by_role("heading", name="Demo identity provider")).to_be_visible()
    page.get_by_label("Username").fill(who["username"])
    page.get_by_label("Password").fill(who["password"])
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_with_mfa_at_the_provider_and_log_out_there_too(
    page, live_server, op, board_provider
):
    who = account(op, mfa=True)
    open_login_page(page, live_server)
    page.get_by_role("link", name="Inloggen met Kindkracht-account").click()
    sign_in_at_provider(page, who)
    # No code asked: the provider asserted multi-factor authentication.
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Fatima")
    screenshot(page, "signed-in-through-the-board")
    assert ExternalIdentity.objects.get(provider=board_provider).subject == "entra-0001"
    assert SignInAttempt.objects.get(provider=board_provider).mfa

    page.get_by_role("button", name="Uitloggen", exact=True).click()
    expect(page).to_have_url(login_url(live_server))
    assert len(op.logouts) >= 1  # through the provider's logout, back to ours
    # The provider's session ended too: signing in again asks for the password.
    page.get_by_role("link", name="Inloggen met Kindkracht-account").click()
    expect(page.get_by_label("Password")).to_be_visible()


def test_without_mfa_at_the_provider_the_app_asks_its_code(page, live_server, op, board_provider):
    who = account(op, mfa=False)
    open_login_page(page, live_server)
    page.get_by_role("link", name="Inloggen met Kindkracht-account").click()
    sign_in_at_provider(page, who)
    expect(page).to_have_url(re.compile(re.escape(live_server.url) + r"/account/two-step/"))


def test_an_unknown_person_reads_why_in_english(page, live_server, op, board_provider):
    stranger = {**account(op, mfa=True), "username": "nieuw", "sub": "entra-0099"}
    stranger["email"] = "nieuw@regenboog.example"
    op.users.append(stranger)
    open_login_page(page, live_server)
    page.get_by_role("button", name="English").click()
    page.get_by_role("link", name="Log in with Kindkracht-account").click()
    sign_in_at_provider(page, stranger)
    expect(page).to_have_url(login_url(live_server))
    expect(page.get_by_text("has no staff account with that address")).to_be_visible()
    assert SignInAttempt.objects.get(provider=board_provider).reason == "unknown_user"


@pytest.mark.parametrize(
    "option",
    [{"id_token_ttl": -120}, {"sign_with_other_key": True}],
    ids=["expired", "signed by someone else"],
)
def test_an_id_token_that_does_not_hold_is_refused(page, live_server, op, board_provider, option):
    op.options.update(option)
    who = account(op, mfa=True)
    open_login_page(page, live_server)
    page.get_by_role("link", name="Inloggen met Kindkracht-account").click()
    sign_in_at_provider(page, who)
    expect(page).to_have_url(login_url(live_server))
    expect(page.get_by_text("Inloggen via Kindkracht-account is niet gelukt")).to_be_visible()
    assert not ExternalIdentity.objects.exists()
    assert SignInAttempt.objects.get(provider=board_provider).reason == "invalid_token"


def test_an_answer_replayed_in_another_browser_opens_nothing(
    page, browser, live_server, op, board_provider
):
    who = account(op, mfa=True)
    answers = []
    page.on(
        "request",
        lambda request: answers.append(request.url) if "/callback/" in request.url else None,
    )
    open_login_page(page, live_server)
    page.get_by_role("link", name="Inloggen met Kindkracht-account").click()
    sign_in_at_provider(page, who)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Fatima")
    [answer] = answers
    context = browser.new_context()
    other = context.new_page()
    other.goto(answer)
    expect(other).to_have_url(login_url(live_server))
    expect(other.get_by_text("is niet gelukt")).to_be_visible()
    context.close()


def test_a_changed_address_still_finds_the_person(page, live_server, op, board_provider):
    who = account(op, mfa=True)
    open_login_page(page, live_server)
    page.get_by_role("link", name="Inloggen met Kindkracht-account").click()
    sign_in_at_provider(page, who)
    page.get_by_role("button", name="Uitloggen", exact=True).click()
    expect(page).to_have_url(login_url(live_server))
    who["email"] = "f.elamrani@regenboog.example"
    page.get_by_role("link", name="Inloggen met Kindkracht-account").click()
    sign_in_at_provider(page, who)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Fatima")
