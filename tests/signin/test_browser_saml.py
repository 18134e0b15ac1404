"""A member of staff signs in through the school board's SAML provider in real Chromium:
the provider's answer is posted across sites, without the app's session cookie, and the
app's own page posts it on; logging out ends the provider's session too."""

import base64
import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from demo import data
from demo.saml_provider import MFA_CONTEXT, OPTIONS, ORGANISATION
from schoolprivacy.models import Board
from signin import services
from signin.models import ExternalIdentity, IdentityProvider, SignInAttempt
from tests.browser import login_url, open_login_page

from .conftest import IDP_PASSWORD

pytestmark = pytest.mark.browser

EMAIL = "leerkracht2@regenboog.example"  # Fatima El Amrani, a teacher of the demo board


@pytest.fixture
def board_saml(saml_op, live_server, demo, settings):
    settings.SITE_URL = live_server.url
    saml_op.users.clear()
    saml_op.logouts.clear()
    saml_op.responses.clear()
    saml_op.options.clear()
    saml_op.options.update(OPTIONS)
    board = IdentityProvider.objects.get(name=data.OIDC_PROVIDER["name"]).board
    return services.provider_save(
        provider=IdentityProvider(
            board=Board.objects.get(pk=board.pk),
            name="Entree",
            protocol=IdentityProvider.Protocol.SAML,
            idp_metadata_url=saml_op.entity_id,
            domains=["regenboog.example"],
            mfa_contexts=[MFA_CONTEXT],
            tenant_claim=ORGANISATION,
            tenant="regenboog.example",
        )
    )


def sign_in_at_provider(page, who: dict) -> None:
    page.get_by_label("Username").fill(who["username"])
    page.get_by_label("Password").fill(who["password"])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Continue").click()  # the provider's post to the app


def test_sign_in_through_saml_and_log_out_there_too(page, live_server, saml_op, board_saml):
    who = fatima(saml_op)
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


def fatima(saml_op, **changes) -> dict:
    who = {
        "username": "fatima",
        "password": IDP_PASSWORD,
        "name_id": "entree-0001",
        "mail": EMAIL,
        "organisation": "regenboog.example",
        "mfa": True,
        **changes,
    }
    saml_op.users.append(who)
    return who


def test_without_mfa_the_app_asks_its_code_in_english(page, live_server, saml_op, board_saml):
    who = fatima(saml_op, mfa=False)
    open_login_page(page, live_server)
    page.get_by_role("button", name="English").click()
    page.get_by_role("link", name="Log in with Entree").click()
    sign_in_at_provider(page, who)
    expect(page).to_have_url(re.compile(re.escape(live_server.url) + r"/account/two-step/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-step verification")


def refused_on_the_login_page(page, live_server, text: str) -> None:
    expect(page).to_have_url(login_url(live_server))
    expect(page.get_by_text(text)).to_be_visible()
    assert not ExternalIdentity.objects.exists()


def test_an_expired_assertion_is_refused(page, live_server, saml_op, board_saml):
    saml_op.options["assertion_seconds"] = -120
    who = fatima(saml_op)
    open_login_page(page, live_server)
    page.get_by_role("link", name="Inloggen met Entree").click()
    sign_in_at_provider(page, who)
    refused_on_the_login_page(page, live_server, "Inloggen via Entree is niet gelukt")
    assert SignInAttempt.objects.get(provider=board_saml).reason == "invalid_token"


def test_an_assertion_changed_on_its_way_is_refused(page, live_server, saml_op, board_saml):
    """Someone between the provider and the app puts another address in the signed
    assertion, to be let in as the director."""
    who = fatima(saml_op)

    def tamper(route):
        body = route.request.post_data_json or {}
        if "SAMLResponse" in body and "again" not in body:
            xml = base64.b64decode(body["SAMLResponse"]).decode()
            body["SAMLResponse"] = base64.b64encode(
                xml.replace(EMAIL, "directeur@regenboog.example").encode()
            ).decode()
            route.continue_(post_data=urlencode(body))
        else:
            route.continue_()

    page.route(re.compile(r".*/sign-in/saml/.*/acs/$"), tamper)
    open_login_page(page, live_server)
    page.get_by_role("link", name="Inloggen met Entree").click()
    sign_in_at_provider(page, who)
    refused_on_the_login_page(page, live_server, "Inloggen via Entree is niet gelukt")


def test_an_assertion_replayed_later_opens_nothing(
    page, browser, live_server, saml_op, board_saml
):
    who = fatima(saml_op)
    open_login_page(page, live_server)
    page.get_by_role("link", name="Inloggen met Entree").click()
    sign_in_at_provider(page, who)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Fatima")
    [used] = saml_op.responses
    # Someone who copied the answer posts it in a browser of their own.
    context = browser.new_context()
    other = context.new_page()
    acs = f"{live_server.url}/sign-in/saml/{board_saml.uid}/acs/"
    other.goto(live_server.url + "/account/login/")
    other.evaluate(
        """([acs, response]) => {
            const form = document.createElement("form");
            form.method = "post"; form.action = acs;
            const field = document.createElement("input");
            field.type = "hidden"; field.name = "SAMLResponse"; field.value = response;
            form.append(field); document.body.append(form); form.submit();
        }""",
        [acs, used],
    )
    refused_on_the_login_page_of(other, live_server)
    context.close()
    assert SignInAttempt.objects.filter(provider=board_saml, reason="state").exists()


def refused_on_the_login_page_of(page, live_server) -> None:
    expect(page).to_have_url(login_url(live_server))
    expect(page.get_by_text("Inloggen via Entree is niet gelukt")).to_be_visible()


def test_a_changed_address_still_finds_the_person(page, live_server, saml_op, board_saml):
    who = fatima(saml_op)
    open_login_page(page, live_server)
    page.get_by_role("link", name="Inloggen met Entree").click()
    sign_in_at_provider(page, who)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Fatima")
    page.get_by_role("button", name="Uitloggen", exact=True).click()
    expect(page).to_have_url(login_url(live_server))
    who["mail"] = "f.elamrani@regenboog.example"
    page.get_by_role("link", name="Inloggen met Entree").click()
    sign_in_at_provider(page, who)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Fatima")


def test_an_unknown_person_reads_why_in_english(page, live_server, saml_op, board_saml):
    who = fatima(saml_op, username="nieuw", name_id="entree-0099", mail="nieuw@regenboog.example")
    open_login_page(page, live_server)
    page.get_by_role("button", name="English").click()
    page.get_by_role("link", name="Log in with Entree").click()
    sign_in_at_provider(page, who)
    expect(page).to_have_url(login_url(live_server))
    expect(page.get_by_text("has no staff account with that address")).to_be_visible()
    assert SignInAttempt.objects.get(provider=board_saml).reason == "unknown_user"
