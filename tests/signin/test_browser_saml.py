"""A member of staff signs in through the school board's SAML provider in real Chromium:
the provider's answer is posted across sites, without the app's session cookie, and the
app's own page posts it on; logging out ends the provider's session too."""

import re

import pytest
from playwright.sync_api import expect

from demo import data
from demo.saml_provider import MFA_CONTEXT
from schoolprivacy.models import Board
from signin import services
from signin.models import ExternalIdentity, IdentityProvider, SignInAttempt
from tests.browser import login_url, open_login_page

from .conftest import IDP_PASSWORD

pytestmark = pytest.mark.browser

EMAIL = "leerkracht2@regenboog.example"  # Fatima El Amrani, a teacher of the demo board


@pytest.fixture
def board_saml(saml_op, live_server, demo):
    saml_op.users.clear()
    saml_op.logouts.clear()
    board = IdentityProvider.objects.get(name=data.OIDC_PROVIDER["name"]).board
    return services.provider_save(
        provider=IdentityProvider(
            board=Board.objects.get(pk=board.pk),
            name="Entree",
            protocol=IdentityProvider.Protocol.SAML,
            idp_metadata_url=saml_op.entity_id,
            domains=["regenboog.example"],
            mfa_contexts=[MFA_CONTEXT],
        )
    )


def sign_in_at_provider(page, who: dict) -> None:
    page.get_by_label("Username").fill(who["username"])
    page.get_by_label("Password").fill(who["password"])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Continue").click()  # the provider's post to the app


def test_sign_in_through_saml_and_log_out_there_too(page, live_server, saml_op, board_saml):
    who = {
        "username": "fatima",
        "password": IDP_PASSWORD,
        "name_id": "entree-0001",
        "mail": EMAIL,
        "mfa": True,
    }
    saml_op.users.append(who)
    open_login_page(page, live_server)
    page.get_by_role("link", name="Inloggen met Entree").click()
    sign_in_at_provider(page, who)
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Fatima")
    assert ExternalIdentity.objects.get(provider=board_saml).subject == "entree-0001"
    assert SignInAttempt.objects.get(provider=board_saml).mfa

    page.get_by_role("button", name="Uitloggen", exact=True).click()
    expect(page).to_have_url(login_url(live_server))
    assert len(saml_op.logouts) == 1
    page.get_by_role("link", name="Inloggen met Entree").click()
    expect(page.get_by_label("Password")).to_be_visible()


def test_without_mfa_the_app_asks_its_code_in_english(page, live_server, saml_op, board_saml):
    who = {
        "username": "fatima",
        "password": IDP_PASSWORD,
        "name_id": "entree-0001",
        "mail": EMAIL,
        "mfa": False,
    }
    saml_op.users.append(who)
    open_login_page(page, live_server)
    page.get_by_role("button", name="English").click()
    page.get_by_role("link", name="Log in with Entree").click()
    sign_in_at_provider(page, who)
    expect(page).to_have_url(re.compile(re.escape(live_server.url) + r"/account/two-step/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-step verification")
