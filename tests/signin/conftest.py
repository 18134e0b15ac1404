"""Real identity providers on loopback (demo/oidc_provider.py, demo/saml_provider.py), a
board that signs its staff in through each, and a browser that goes back and forth."""

import re
from html import unescape
from urllib.parse import urlsplit

import httpx2
import pytest
from django.core.cache import cache
from django.urls import reverse

from demo.oidc_provider import OPTIONS, Provider
from demo.saml_provider import MFA_CONTEXT, ORGANISATION
from demo.saml_provider import OPTIONS as SAML_OPTIONS
from demo.saml_provider import Provider as SamlProvider
from signin import services
from signin.models import IdentityProvider
from tests.factories import BoardMembershipFactory, MembershipFactory, SchoolFactory, UserFactory

CLIENT_ID, CLIENT_SECRET = "schoolprivacy-test", "a-client-secret-for-the-tests"
CALLBACK = "http://testserver/sign-in/callback/"
AFTER_LOGOUT = "http://testserver/account/login/"
IDP_PASSWORD = "idp-password-1"


@pytest.fixture(autouse=True)
def _site_is_the_test_client_s(settings):
    """The addresses given to a provider are made of SITE_URL: here the test client's."""
    settings.SITE_URL = "http://testserver"


@pytest.fixture(scope="session")
def op():
    """The provider, for the whole session; each test gets its users and switches anew."""
    provider = Provider(
        users=[],
        clients=[
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [CALLBACK],
                "post_logout_redirect_uris": [AFTER_LOGOUT],
            }
        ],
    ).start()
    yield provider
    provider.stop()


@pytest.fixture
def idp(op, db):
    """The board's provider row, a teacher and a privacy officer of the board."""
    op.users.clear()
    op.options.clear()
    op.options.update({**OPTIONS, "override_claims": {}})
    cache.clear()  # the provider's configuration and keys, kept between sign-ins
    school = SchoolFactory()
    provider = IdentityProvider.objects.create(
        board=school.board,
        name="Schoolaccount",
        issuer=op.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        domains=["school.example"],
    )
    return provider


def idp_user(op, user, *, mfa=True, sub=None, email=None, verified=True) -> dict:
    """An account at the provider for *user* (their e-mail address, unless *email*)."""
    account = {
        "username": f"u{user.pk}",
        "password": IDP_PASSWORD,
        "sub": sub or f"subject-{user.pk}",
        "email": email or user.email,
        "email_verified": verified,
        "name": user.full_name,
        "mfa": mfa,
    }
    op.users.append(account)
    return account


@pytest.fixture
def teacher(idp):
    teacher = UserFactory(email="juf.jansen@school.example")
    MembershipFactory(user=teacher, school=idp.board.schools.get())
    return teacher


@pytest.fixture
def officer(idp):
    return BoardMembershipFactory(
        user=UserFactory(email="fg@school.example"), board=idp.board
    ).user


class Browser:
    """One person's browser: the app through Django's test client, the provider over HTTP
    with its own cookies (its session)."""

    def __init__(self, client):
        self.client = client
        self.op = httpx2.Client(follow_redirects=False, timeout=10)

    def go_to_provider(self, response) -> httpx2.Response:
        assert response.status_code == 302, response.status_code
        return self.op.get(response["Location"])

    def log_in_at_provider(self, page: httpx2.Response, account: dict) -> httpx2.Response:
        """Fill the provider's login form; its answer (a redirect back to the app)."""
        assert page.status_code == 200, page.text
        form = re.search(r'<form[^>]*action="([^"]*)"', page.text)
        fields = dict(
            re.findall(
                r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page.text
            )
        )
        action = unescape(form.group(1)) if form else str(page.url)
        data = {**{k: unescape(v) for k, v in fields.items()}}
        data.update(username=account["username"], password=account["password"])
        return self.op.post(str(page.url.join(action)), data=data)

    def back_to_app(self, answer: httpx2.Response):
        """Follow the provider's redirect to our callback, in the app's test client."""
        assert answer.status_code in (302, 303), answer.text
        location = answer.headers["location"]
        parts = urlsplit(location)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK, location
        return self.client.get(f"{parts.path}?{parts.query}")

    def sign_in(self, idp, account: dict, *, next_url: str = ""):
        """The whole sign-in from the app's button; the app's last answer."""
        query = f"?next={next_url}" if next_url else ""
        start = self.client.get(reverse("signin:start", args=[idp.uid]) + query)
        return self.back_to_app(self.log_in_at_provider(self.go_to_provider(start), account))


@pytest.fixture
def visitor(client):
    """One person's browser (Browser); not Playwright's ``browser``."""
    visitor = Browser(client)
    yield visitor
    visitor.op.close()


# --- SAML: a real identity provider on loopback (demo/saml_provider.py) ---------------------


@pytest.fixture(scope="session")
def saml_op():
    """The SAML provider, for the whole session; each test gets its users and switches."""
    provider = SamlProvider(users=[]).start()
    yield provider
    provider.stop()


@pytest.fixture
def saml_idp(saml_op, db):
    """The board's SAML provider row, set up as the board's administrator would: the
    metadata read from its address, our certificate and key made."""
    saml_op.users.clear()
    saml_op.options.clear()
    saml_op.options.update(SAML_OPTIONS)
    saml_op.responses.clear()
    saml_op.logouts.clear()
    school = SchoolFactory()
    return services.provider_save(
        provider=IdentityProvider(
            board=school.board,
            name="Entree",
            protocol=IdentityProvider.Protocol.SAML,
            idp_metadata_url=saml_op.entity_id,
            domains=["school.example"],
            mfa_contexts=[MFA_CONTEXT],
            tenant_claim=ORGANISATION,
            tenant="school.example",
        )
    )


@pytest.fixture
def saml_teacher(saml_idp):
    teacher = UserFactory(email="meester.bakker@school.example")
    MembershipFactory(user=teacher, school=saml_idp.board.schools.get())
    return teacher


def saml_user(saml_op, user, *, mfa=True, name_id=None, mail=None) -> dict:
    """An account at the SAML provider for *user* (their address, unless *mail*)."""
    account = {
        "username": f"s{user.pk}",
        "password": IDP_PASSWORD,
        "name_id": name_id or f"persistent-{user.pk}",
        "mail": mail or user.email,
        "organisation": "school.example",
        "mfa": mfa,
    }
    saml_op.users.append(account)
    return account


class SamlBrowser(Browser):
    """One person's browser between the app and the SAML provider."""

    def posted_response(self, page: httpx2.Response) -> tuple[str, str]:
        """The provider's page that posts its Response to the app: (address, Response)."""
        assert page.status_code == 200, page.text
        action = unescape(re.search(r'<form[^>]*action="([^"]*)"', page.text).group(1))
        response = re.search(r'name="SAMLResponse" value="([^"]*)"', page.text).group(1)
        return action, unescape(response)

    def post_to_app(self, action: str, saml_response: str):
        """Post the Response as the provider's page does, across sites (the app answers
        with its own page that posts it once more), and that second post; its answer."""
        path = urlsplit(action).path
        first = self.client.post(path, {"SAMLResponse": saml_response})
        assert first.status_code == 200, first.status_code
        assert 'name="again" value="1"' in first.content.decode()
        return self.client.post(path, {"SAMLResponse": saml_response, "again": "1"})

    def sign_in(self, idp, account: dict, *, next_url: str = ""):
        query = f"?next={next_url}" if next_url else ""
        start = self.client.get(reverse("signin:start", args=[idp.uid]) + query)
        page = self.log_in_at_provider(self.go_to_provider(start), account)
        return self.post_to_app(*self.posted_response(page))


@pytest.fixture
def saml_visitor(client):
    visitor = SamlBrowser(client)
    yield visitor
    visitor.op.close()
