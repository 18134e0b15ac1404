"""Staff sign in through their school board's SAML 2.0 provider (Entree Federatie, ADFS):
a real provider on loopback (demo/saml_provider.py), python3-saml and xmlsec checking."""

import base64
import re
import time
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from onelogin.saml2.constants import OneLogin_Saml2_Constants as Saml
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from schoolprivacy import reauth
from schoolprivacy.models import AuditEntry
from signin.models import ExternalIdentity, SignInAttempt
from signin.views import SESSION_PROVIDER, SESSION_SAML

from .conftest import SamlBrowser, saml_user
from .test_sign_in import logged_in_as, refused

pytestmark = pytest.mark.django_db

Reason = SignInAttempt.Reason
ACS = "http://testserver/sign-in/saml/{uid}/acs/"


def started_request_id(client, idp) -> tuple[str, str]:
    """Start a sign-in; (the AuthnRequest's ID, the address of our assertion consumer)."""
    start = client.get(reverse("signin:start", args=[idp.uid]))
    query = parse_qs(urlsplit(start["Location"]).query)
    xml = OneLogin_Saml2_Utils.decode_base64_and_inflate(query["SAMLRequest"][0]).decode()
    return re.search(r' ID="([^"]+)"', xml).group(1), ACS.format(uid=idp.uid)


def test_our_metadata_names_our_addresses_and_certificate(client, saml_idp):
    response = client.get(reverse("signin:saml_metadata", args=[saml_idp.uid]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/samlmetadata+xml"
    xml = response.content.decode()
    assert f'entityID="http://testserver/sign-in/saml/{saml_idp.uid}/metadata/"' in xml
    assert f'Location="{ACS.format(uid=saml_idp.uid)}"' in xml
    certificate = "".join(saml_idp.sp_certificate.splitlines()[1:-1])
    assert certificate in xml
    assert "PRIVATE" not in xml


@pytest.mark.parametrize("host", ["testserver", "other.example"])
def test_our_addresses_are_the_site_s_whichever_host_was_used(saml_idp, settings, host):
    """The entity id and the addresses the provider sends its answers to are made of
    SITE_URL: the provider was given one set, whichever allowed host the browser used."""
    settings.SITE_URL = "https://privacy.school.example"
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    base = f"https://privacy.school.example/sign-in/saml/{saml_idp.uid}"
    browser = Client(HTTP_HOST=host)
    xml = browser.get(reverse("signin:saml_metadata", args=[saml_idp.uid])).content.decode()
    assert f'entityID="{base}/metadata/"' in xml
    assert f'Location="{base}/acs/"' in xml and f'Location="{base}/sls/"' in xml
    start = browser.get(reverse("signin:start", args=[saml_idp.uid]))
    query = parse_qs(urlsplit(start["Location"]).query)
    request = OneLogin_Saml2_Utils.decode_base64_and_inflate(query["SAMLRequest"][0]).decode()
    assert f'AssertionConsumerServiceURL="{base}/acs/"' in request
    assert f">{base}/metadata/</saml:Issuer>" in request


def test_an_oidc_provider_has_no_saml_addresses(client, idp):
    for name in ("saml_metadata", "saml_sls"):
        assert client.get(reverse(f"signin:{name}", args=[idp.uid])).status_code == 404


def test_a_first_sign_in_finds_the_account_by_its_address(
    saml_op, saml_idp, saml_teacher, saml_visitor
):
    account = saml_user(saml_op, saml_teacher, mfa=True)
    response = saml_visitor.sign_in(saml_idp, account, next_url="/pupils/")
    assert response.status_code == 302 and response["Location"] == "/pupils/"
    assert logged_in_as(saml_visitor.client) == saml_teacher
    # The provider named a multi-factor context the board counts: no second step here.
    assert saml_visitor.client.session.get(DEVICE_ID_SESSION_KEY)
    assert saml_visitor.client.get(reverse("pupils:list")).status_code == 200
    link = ExternalIdentity.objects.get(provider=saml_idp, user=saml_teacher)
    assert link.subject == account["name_id"]
    attempt = SignInAttempt.objects.get(provider=saml_idp)
    assert (attempt.outcome, attempt.user, attempt.mfa) == ("signed_in", saml_teacher, True)
    assert AuditEntry.objects.filter(
        content_type__model="externalidentity", object_pk=str(link.pk)
    ).exists()


def test_without_a_multi_factor_context_the_app_asks_its_own_second_step(
    saml_op, saml_idp, saml_teacher, saml_visitor
):
    saml_visitor.sign_in(saml_idp, saml_user(saml_op, saml_teacher, mfa=False))
    assert logged_in_as(saml_visitor.client) == saml_teacher
    assert not saml_visitor.client.session.get(DEVICE_ID_SESSION_KEY)
    assert saml_visitor.client.get(reverse("pupils:list")).status_code == 302
    assert SignInAttempt.objects.get(provider=saml_idp).mfa is False


def test_the_board_can_require_multi_factor_at_the_provider(
    saml_op, saml_idp, saml_teacher, saml_visitor
):
    saml_idp.mfa_required = True
    saml_idp.save()
    saml_visitor.sign_in(saml_idp, saml_user(saml_op, saml_teacher, mfa=False))
    assert logged_in_as(saml_visitor.client) is None
    assert refused(saml_idp, Reason.MFA_MISSING)


def test_the_answer_posted_across_sites_is_posted_again_from_our_page(
    saml_op, saml_idp, saml_teacher, saml_visitor
):
    """The provider's post carries no session cookie (SameSite=Lax): the app's own page
    posts it again, and nothing is decided on the first post."""
    account = saml_user(saml_op, saml_teacher)
    start = saml_visitor.client.get(reverse("signin:start", args=[saml_idp.uid]))
    page = saml_visitor.log_in_at_provider(saml_visitor.go_to_provider(start), account)
    action, saml_response = saml_visitor.posted_response(page)
    first = saml_visitor.client.post(urlsplit(action).path, {"SAMLResponse": saml_response})
    html = first.content.decode()
    assert first.status_code == 200
    assert '<form method="post" data-submit-at-once>' in html
    assert f'name="SAMLResponse" value="{saml_response}"' in html
    assert logged_in_as(saml_visitor.client) is None
    assert not SignInAttempt.objects.exists()


def test_a_replayed_answer_opens_nothing(saml_op, saml_idp, saml_teacher, saml_visitor):
    account = saml_user(saml_op, saml_teacher)
    saml_visitor.sign_in(saml_idp, account)
    [used] = saml_op.responses
    action = ACS.format(uid=saml_idp.uid)
    # In another browser, and in the same one after logging out.
    other = SamlBrowser(Client())
    other.post_to_app(action, used)
    assert logged_in_as(other.client) is None
    saml_visitor.client.logout()
    saml_visitor.post_to_app(action, used)
    assert logged_in_as(saml_visitor.client) is None
    assert SignInAttempt.objects.filter(reason=Reason.STATE).count() == 2


@pytest.mark.parametrize(
    "option",
    [
        {"assertion_seconds": -120},
        {"audience": "https://another-service.example/metadata"},
        {"sign_with_other_key": True},
    ],
    ids=["expired", "other audience", "signed by another key"],
)
def test_an_answer_that_does_not_hold_is_refused(
    saml_op, saml_idp, saml_teacher, saml_visitor, option
):
    saml_op.options.update(option)
    response = saml_visitor.sign_in(saml_idp, saml_user(saml_op, saml_teacher))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert logged_in_as(saml_visitor.client) is None
    assert refused(saml_idp, Reason.INVALID_TOKEN)
    assert not ExternalIdentity.objects.exists()


def test_a_tampered_assertion_is_refused(saml_op, saml_idp, saml_teacher, saml_visitor):
    """Someone changes the address in a signed assertion to take over another account."""
    director = saml_teacher.__class__.objects.create_user(
        email="directeur@school.example", full_name="D"
    )
    account = saml_user(saml_op, saml_teacher)
    request_id, acs = started_request_id(saml_visitor.client, saml_idp)
    signed = saml_op.response_for(
        saml_op.users[0], in_response_to=request_id, acs=acs, audience=_entity(saml_idp)
    )
    xml = base64.b64decode(signed).decode().replace(account["mail"], director.email)
    saml_visitor.post_to_app(acs, base64.b64encode(xml.encode()).decode())
    assert logged_in_as(saml_visitor.client) is None
    assert refused(saml_idp, Reason.INVALID_TOKEN)


def test_an_answer_to_a_request_not_started_here_is_refused(
    saml_op, saml_idp, saml_teacher, saml_visitor
):
    saml_user(saml_op, saml_teacher)
    acs = ACS.format(uid=saml_idp.uid)
    unsolicited = saml_op.response_for(
        saml_op.users[0], in_response_to="_not-ours", acs=acs, audience=_entity(saml_idp)
    )
    saml_visitor.post_to_app(acs, unsolicited)
    assert logged_in_as(saml_visitor.client) is None
    assert refused(saml_idp, Reason.STATE)


def test_an_unknown_person_is_told_clearly_and_nothing_is_made(
    saml_op, saml_idp, saml_teacher, saml_visitor
):
    account = saml_user(saml_op, saml_teacher, mail="nieuw@school.example")
    response = saml_visitor.sign_in(saml_idp, account)
    page = saml_visitor.client.get(response["Location"]).content.decode()
    assert "Entree kent u, maar deze app heeft geen personeelsaccount met dat adres" in (
        unescape(page)
    )
    assert refused(saml_idp, Reason.UNKNOWN_USER)
    assert not ExternalIdentity.objects.exists()


@pytest.mark.parametrize(
    "name_id_format",
    [
        Saml.NAMEID_TRANSIENT,  # changes at every sign-in
        Saml.NAMEID_EMAIL_ADDRESS,  # an address may change, or pass to someone else
        Saml.NAMEID_UNSPECIFIED,  # nothing says it lasts
    ],
)
def test_only_a_persistent_name_id_is_taken_as_the_person(
    saml_op, saml_idp, saml_teacher, saml_visitor, name_id_format
):
    saml_op.options["name_id_format"] = name_id_format
    response = saml_visitor.sign_in(saml_idp, saml_user(saml_op, saml_teacher))
    assert logged_in_as(saml_visitor.client) is None
    assert refused(saml_idp, Reason.NO_SUBJECT)
    assert not ExternalIdentity.objects.exists()
    page = unescape(saml_visitor.client.get(response["Location"]).content.decode())
    assert "Entree stuurde geen blijvende aanduiding van u mee" in page


def test_our_metadata_asks_for_a_persistent_name_id(client, saml_idp):
    xml = client.get(reverse("signin:saml_metadata", args=[saml_idp.uid])).content.decode()
    assert f"<md:NameIDFormat>{Saml.NAMEID_PERSISTENT}</md:NameIDFormat>" in xml


def test_a_person_whose_address_changed_is_still_found_by_the_name_id(
    saml_op, saml_idp, saml_teacher, saml_visitor
):
    account = saml_user(saml_op, saml_teacher)
    saml_visitor.sign_in(saml_idp, account)
    saml_visitor.client.logout()
    account["mail"] = "m.bakker@school.example"
    saml_visitor.sign_in(saml_idp, account)
    assert logged_in_as(saml_visitor.client) == saml_teacher


def test_confirming_before_a_sensitive_step_forces_a_new_login(
    saml_op, saml_idp, saml_teacher, saml_visitor
):
    account = saml_user(saml_op, saml_teacher)
    saml_visitor.sign_in(saml_idp, account)
    client = saml_visitor.client
    session = client.session
    session[reauth.SESSION_KEY] = 0  # long ago
    session.save()
    start = client.get(reverse("signin:start", args=[saml_idp.uid]) + "?confirm=1&next=/")
    query = parse_qs(urlsplit(start["Location"]).query)
    xml = OneLogin_Saml2_Utils.decode_base64_and_inflate(query["SAMLRequest"][0]).decode()
    assert 'ForceAuthn="true"' in xml
    # The provider asks for the password again, although its session is still there.
    page = saml_visitor.go_to_provider(start)
    assert 'name="password"' in page.text
    answer = saml_visitor.post_to_app(
        *saml_visitor.posted_response(saml_visitor.log_in_at_provider(page, account))
    )
    assert answer.status_code == 302 and answer["Location"] == "/"
    assert client.session[reauth.SESSION_KEY] > 0
    assert SignInAttempt.objects.filter(outcome="confirmed", user=saml_teacher).exists()


def test_a_provider_that_does_not_log_the_person_in_again_confirms_nothing(
    saml_op, saml_idp, saml_teacher, saml_visitor
):
    account = saml_user(saml_op, saml_teacher)
    saml_visitor.sign_in(saml_idp, account)
    saml_op.options["authn_instant_offset"] = -3600  # it says: an hour ago
    client = saml_visitor.client
    session = client.session
    session[reauth.SESSION_KEY] = 0
    session.save()
    start = client.get(reverse("signin:start", args=[saml_idp.uid]) + "?confirm=1&next=/")
    page = saml_visitor.log_in_at_provider(saml_visitor.go_to_provider(start), account)
    saml_visitor.post_to_app(*saml_visitor.posted_response(page))
    assert client.session[reauth.SESSION_KEY] == 0
    assert refused(saml_idp, Reason.STALE)


def test_logging_out_ends_the_provider_s_session_too(
    saml_op, saml_idp, saml_teacher, saml_visitor
):
    saml_visitor.sign_in(saml_idp, saml_user(saml_op, saml_teacher))
    assert saml_visitor.client.session[SESSION_PROVIDER] == str(saml_idp.uid)
    assert saml_visitor.client.session[SESSION_SAML]["name_id"]
    page = saml_visitor.client.post(reverse("logout")).content.decode()
    assert logged_in_as(saml_visitor.client) is None
    elsewhere = unescape(re.search(r'id="elsewhere" href="([^"]+)"', page).group(1))
    assert elsewhere.startswith(saml_op.base + "/slo?")
    assert "Signature=" in elsewhere and "SigAlg=" in elsewhere
    back = saml_visitor.op.get(elsewhere)
    assert saml_op.logouts and "LogoutRequest" in saml_op.logouts[0]
    location = urlsplit(back.headers["location"])
    assert location.path == reverse("signin:saml_sls", args=[saml_idp.uid])
    answer = saml_visitor.client.get(f"{location.path}?{location.query}")
    assert answer.status_code == 302 and answer["Location"] == reverse("login")


def _entity(idp) -> str:
    return f"http://testserver/sign-in/saml/{idp.uid}/metadata/"


def test_a_logout_message_that_is_not_one_ends_nothing(
    saml_op, saml_idp, saml_teacher, saml_visitor
):
    saml_visitor.sign_in(saml_idp, saml_user(saml_op, saml_teacher))
    sls = reverse("signin:saml_sls", args=[saml_idp.uid])
    for query in ({"SAMLRequest": "bm90IHNhbWw="}, {"SAMLResponse": "%%%"}, {}):
        assert saml_visitor.client.get(sls, query).status_code == 404
    assert logged_in_as(saml_visitor.client) == saml_teacher


def test_the_provider_ends_the_session_here_with_a_signed_logout_request(
    saml_op, saml_idp, saml_teacher, saml_visitor
):
    account = saml_user(saml_op, saml_teacher)
    saml_visitor.sign_in(saml_idp, account)
    sls = "http://testserver" + reverse("signin:saml_sls", args=[saml_idp.uid])
    for forged in (
        saml_op.logout_request_url(sls, name_id=account["name_id"], other_key=True),
        saml_op.logout_request_url(sls, name_id=account["name_id"], signed=False),
    ):
        parts = urlsplit(forged)
        assert saml_visitor.client.get(f"{parts.path}?{parts.query}").status_code == 404
    # Signed by the provider, but about someone else: answered, this session kept.
    other = urlsplit(saml_op.logout_request_url(sls, name_id="persistent-someone-else"))
    assert saml_visitor.client.get(f"{other.path}?{other.query}").status_code == 302
    assert logged_in_as(saml_visitor.client) == saml_teacher
    real = urlsplit(saml_op.logout_request_url(sls, name_id=account["name_id"]))
    answer = saml_visitor.client.get(f"{real.path}?{real.query}")
    assert answer.status_code == 302 and answer["Location"].startswith(saml_op.base + "/slo?")
    assert "SAMLResponse=" in answer["Location"] and "Signature=" in answer["Location"]
    assert logged_in_as(saml_visitor.client) is None


def test_an_account_of_another_organisation_behind_the_provider_is_refused(
    saml_op, saml_idp, saml_teacher, saml_visitor
):
    """A federation's hub signs for every school behind it: another school's provider
    asserting an address of this board finds no account."""
    account = saml_user(saml_op, saml_teacher)
    account["organisation"] = "andere-school.example"
    saml_visitor.sign_in(saml_idp, account)
    assert logged_in_as(saml_visitor.client) is None
    assert refused(saml_idp, Reason.OTHER_TENANT)
    assert not ExternalIdentity.objects.exists()


def test_an_encrypted_assertion_is_refused_unopened(saml_op, saml_idp, saml_teacher, saml_visitor):
    saml_user(saml_op, saml_teacher)
    request_id, acs = started_request_id(saml_visitor.client, saml_idp)
    xml = (
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        f'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_x" InResponseTo="{request_id}">'
        "<saml:EncryptedAssertion>…</saml:EncryptedAssertion></samlp:Response>"
    )
    saml_visitor.post_to_app(acs, base64.b64encode(xml.encode()).decode())
    assert logged_in_as(saml_visitor.client) is None
    assert refused(saml_idp, Reason.INVALID_TOKEN)


def _logout_request(visitor, saml_op, idp, account, **options):
    """Sign *account* in through *visitor*; a signed LogoutRequest of the provider for it."""
    visitor.sign_in(idp, account)
    sls = "http://testserver" + reverse("signin:saml_sls", args=[idp.uid])
    parts = urlsplit(saml_op.logout_request_url(sls, name_id=account["name_id"], **options))
    return f"{parts.path}?{parts.query}"


def test_a_replayed_logout_request_of_the_provider_ends_no_session(
    saml_op, saml_idp, saml_teacher, saml_visitor
):
    account = saml_user(saml_op, saml_teacher)
    logout = _logout_request(saml_visitor, saml_op, saml_idp, account)
    assert saml_visitor.client.get(logout).status_code == 302
    assert logged_in_as(saml_visitor.client) is None
    # The same message once more, to a new session of the same person: it ends nothing.
    again = SamlBrowser(Client())
    try:
        again.sign_in(saml_idp, account)
        assert logged_in_as(again.client) == saml_teacher
        session = again.client.session.session_key
        assert again.client.get(logout).status_code == 404
        assert logged_in_as(again.client) == saml_teacher
        assert again.client.session.session_key == session
    finally:
        again.op.close()


@pytest.mark.parametrize(
    ("issued", "not_on_or_after"),
    [
        (-6 * 60, None),  # issued longer ago than the clocks may differ
        (6 * 60, None),  # issued in the future
        (0, -1),  # its own end has passed
    ],
)
def test_a_logout_request_that_is_not_of_just_now_ends_no_session(
    saml_op, saml_idp, saml_teacher, saml_visitor, issued, not_on_or_after
):
    account = saml_user(saml_op, saml_teacher)
    now = time.time()
    logout = _logout_request(
        saml_visitor,
        saml_op,
        saml_idp,
        account,
        issued=now + issued,
        not_on_or_after=now + not_on_or_after if not_on_or_after is not None else None,
    )
    assert saml_visitor.client.get(logout).status_code == 404
    assert logged_in_as(saml_visitor.client) == saml_teacher


def test_a_logout_request_within_the_clocks_difference_ends_the_session(
    saml_op, saml_idp, saml_teacher, saml_visitor
):
    account = saml_user(saml_op, saml_teacher)
    now = time.time()
    logout = _logout_request(
        saml_visitor, saml_op, saml_idp, account, issued=now - 4 * 60, not_on_or_after=now + 60
    )
    assert saml_visitor.client.get(logout).status_code == 302
    assert logged_in_as(saml_visitor.client) is None
