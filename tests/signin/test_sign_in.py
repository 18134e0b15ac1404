"""Staff sign in through their school board's OpenID Connect provider: a real provider
on loopback (tests/signin/conftest.py), the app's own pages."""

import re
import time
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from schoolprivacy.models import AuditEntry, Authenticator, RecoveryCodes, User
from signin.models import ExternalIdentity, IdentityProvider, SignInAttempt
from signin.views import SESSION_ID_TOKEN, SESSION_PROVIDER
from tests.factories import MembershipFactory, SchoolFactory

from .conftest import AFTER_LOGOUT, Browser, idp_user

pytestmark = pytest.mark.django_db

Reason = SignInAttempt.Reason


def logged_in_as(client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def refused(idp, reason) -> bool:
    return SignInAttempt.objects.filter(
        provider=idp, outcome=SignInAttempt.Outcome.REFUSED, reason=reason
    ).exists()


def test_the_login_page_offers_the_board_s_provider(client, idp):
    html = client.get(reverse("login")).content.decode()
    assert "Inloggen met Schoolaccount" in html
    assert reverse("signin:start", args=[idp.uid]) in html


def test_a_first_sign_in_finds_the_account_by_its_verified_address(op, idp, teacher, visitor):
    account = idp_user(op, teacher, mfa=True)
    response = visitor.sign_in(idp, account, next_url="/pupils/")
    assert response.status_code == 302 and response["Location"] == "/pupils/"
    assert logged_in_as(visitor.client) == teacher
    # The provider asserted MFA: no second step in the app.
    assert visitor.client.session.get(DEVICE_ID_SESSION_KEY)
    assert visitor.client.get(reverse("pupils:list")).status_code == 200
    link = ExternalIdentity.objects.get(provider=idp, user=teacher)
    assert link.subject == account["sub"]
    attempt = SignInAttempt.objects.get(provider=idp)
    assert (attempt.outcome, attempt.user, attempt.mfa) == ("signed_in", teacher, True)
    assert AuditEntry.objects.filter(
        content_type__model="externalidentity", object_pk=str(link.pk)
    ).exists()


def test_without_mfa_at_the_provider_the_app_asks_its_own_second_step(op, idp, teacher, visitor):
    visitor.sign_in(idp, idp_user(op, teacher, mfa=False))
    assert logged_in_as(visitor.client) == teacher
    assert not visitor.client.session.get(DEVICE_ID_SESSION_KEY)
    response = visitor.client.get(reverse("pupils:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_step_setup"))


def test_a_board_that_requires_mfa_refuses_a_sign_in_without_it(op, idp, teacher, visitor):
    IdentityProvider.objects.filter(pk=idp.pk).update(mfa_required=True)
    response = visitor.sign_in(idp, idp_user(op, teacher, mfa=False))
    assert response["Location"] == reverse("login")
    assert logged_in_as(visitor.client) is None
    assert refused(idp, Reason.MFA_MISSING)
    assert not ExternalIdentity.objects.exists()  # nothing linked by a refused sign-in
    page = visitor.client.get(reverse("login")).content.decode()
    assert "tweede factor" in page


def test_the_subject_keeps_finding_the_account_when_its_address_changes(op, idp, teacher, visitor):
    account = idp_user(op, teacher)
    visitor.sign_in(idp, account)
    account["email"] = "j.jansen-devries@school.example"  # a new name at the board
    other = Browser(Client())
    other.sign_in(idp, account)
    assert logged_in_as(other.client) == teacher
    other.op.close()


def test_an_unknown_person_is_refused_with_a_clear_message(op, idp, visitor):
    stranger = User(pk=999_999, email="nieuw@school.example", full_name="Nieuwe Collega")
    response = visitor.sign_in(idp, idp_user(op, stranger))
    assert response["Location"] == reverse("login")
    assert logged_in_as(visitor.client) is None
    assert not User.objects.filter(email="nieuw@school.example").exists()  # never made
    assert refused(idp, Reason.UNKNOWN_USER)
    page = visitor.client.get(reverse("login")).content.decode()
    assert "geen personeelsaccount" in page


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("deactivated", Reason.INACTIVE),
        ("no role", Reason.NOT_STAFF),
        ("unverified", Reason.UNVERIFIED),
        ("other domain", Reason.OTHER_DOMAIN),
    ],
)
def test_who_may_not_sign_in_is_refused(op, idp, teacher, visitor, change, reason):
    account = idp_user(op, teacher, verified=change != "unverified")
    if change == "deactivated":
        User.objects.filter(pk=teacher.pk).update(is_active=False)
    elif change == "no role":
        teacher.memberships.all().delete()
    elif change == "other domain":
        IdentityProvider.objects.filter(pk=idp.pk).update(domains=["andere-school.example"])
    visitor.sign_in(idp, account)
    assert logged_in_as(visitor.client) is None
    assert refused(idp, reason)


@pytest.mark.parametrize(
    "switch",
    [
        {"id_token_ttl": -600},
        {"sign_with_other_key": True},
        {"override_claims": {"aud": "another-client"}},
        {"override_claims": {"nonce": "not-the-nonce"}},
        {"override_claims": {"iss": "http://127.0.0.1:1"}},
    ],
    ids=["expired", "tampered", "other audience", "other nonce", "other issuer"],
)
def test_an_invalid_id_token_is_refused(op, idp, teacher, visitor, switch):
    op.options.update(switch)
    visitor.sign_in(idp, idp_user(op, teacher))
    assert logged_in_as(visitor.client) is None
    assert refused(idp, Reason.INVALID_TOKEN)
    assert not ExternalIdentity.objects.exists()


def test_a_replayed_answer_is_refused(op, idp, teacher, visitor):
    account = idp_user(op, teacher)
    start = visitor.client.get(reverse("signin:start", args=[idp.uid]))
    answer = visitor.log_in_at_provider(visitor.go_to_provider(start), account)
    visitor.back_to_app(answer)
    assert logged_in_as(visitor.client) == teacher
    # The same answer again: in the same visitor, and in another one (a stolen URL).
    visitor.client.logout()
    visitor.back_to_app(answer)
    assert logged_in_as(visitor.client) is None
    thief = Browser(Client())
    thief.back_to_app(answer)
    assert logged_in_as(thief.client) is None
    thief.op.close()
    assert SignInAttempt.objects.filter(outcome="signed_in").count() == 1


def test_an_answer_nobody_asked_for_is_refused(client):
    response = client.get(reverse("signin:callback"), {"code": "x", "state": "made-up"})
    assert response["Location"] == reverse("login")
    assert logged_in_as(client) is None
    assert not SignInAttempt.objects.exists()  # no board to keep it for


def test_logging_out_ends_the_provider_s_session_too(op, idp, teacher, visitor):
    account = idp_user(op, teacher)
    visitor.sign_in(idp, account)
    response = visitor.client.post(reverse("logout"))
    assert logged_in_as(visitor.client) is None
    # A page of ours goes on to the provider's logout (a form may only redirect here).
    location = unescape(re.search(r'id="elsewhere" href="([^"]+)"', response.content.decode())[1])
    assert location.startswith(op.issuer + "/logout?")
    at_provider = visitor.op.get(location)
    assert at_provider.headers["location"].startswith(AFTER_LOGOUT)
    # The provider forgot the session: the next sign-in asks for the password again.
    start = visitor.client.get(reverse("signin:start", args=[idp.uid]))
    page = visitor.go_to_provider(start)
    assert page.status_code == 200 and 'name="password"' in page.text


def test_a_sensitive_step_is_confirmed_at_the_provider(op, idp, teacher, visitor):
    account = idp_user(op, teacher)
    visitor.sign_in(idp, account)
    session = visitor.client.session
    session["schoolprivacy_authenticated_at"] = int(time.time()) - 3600  # long ago
    session.save()
    page = visitor.client.get(reverse("reauthenticate"), {"next": "/pupils/"})
    html = page.content.decode()
    assert "Bevestigen met Schoolaccount" in html
    start = visitor.client.get(
        reverse("signin:start", args=[idp.uid]), {"confirm": "1", "next": "/pupils/"}
    )
    assert "prompt=login" in start["Location"]
    # The provider asks for the password although its session is still there.
    form = visitor.go_to_provider(start)
    assert 'name="password"' in form.text
    response = visitor.back_to_app(visitor.log_in_at_provider(form, account))
    assert response["Location"] == "/pupils/"
    assert time.time() - visitor.client.session["schoolprivacy_authenticated_at"] < 60
    assert SignInAttempt.objects.filter(outcome="confirmed", user=teacher).exists()


def test_confirming_as_someone_else_opens_nothing(op, idp, teacher, visitor):
    visitor.sign_in(idp, idp_user(op, teacher))
    colleague = User.objects.create_user(email="meester@school.example", password=None)
    colleague.memberships.create(school=idp.board.schools.get(), role="teacher")
    other_account = idp_user(op, colleague)
    session = visitor.client.session
    session["schoolprivacy_authenticated_at"] = 0
    session.save()
    start = visitor.client.get(reverse("signin:start", args=[idp.uid]), {"confirm": "1"})
    answer = visitor.log_in_at_provider(visitor.go_to_provider(start), other_account)
    visitor.back_to_app(answer)
    assert visitor.client.session["schoolprivacy_authenticated_at"] == 0
    assert refused(idp, Reason.OTHER_USER)


def test_the_session_remembers_the_provider_for_logging_out(op, idp, teacher, visitor):
    visitor.sign_in(idp, idp_user(op, teacher))
    assert visitor.client.session[SESSION_PROVIDER] == str(idp.uid)
    assert visitor.client.session[SESSION_ID_TOKEN].count(".") == 2


@pytest.mark.parametrize("who", ["technical administrator", "role at another board"])
def test_accounts_beyond_the_board_may_not_sign_in_through_it(op, idp, teacher, visitor, who):
    if who == "technical administrator":
        User.objects.filter(pk=teacher.pk).update(is_staff=True)
    else:
        MembershipFactory(user=teacher)  # a school of another board
    visitor.sign_in(idp, idp_user(op, teacher))
    assert logged_in_as(visitor.client) is None
    assert refused(idp, Reason.NOT_HERE)


def test_the_address_is_matched_whatever_its_case(op, idp, teacher, visitor):
    visitor.sign_in(idp, idp_user(op, teacher, email="Juf.Jansen@School.EXAMPLE"))
    assert logged_in_as(visitor.client) == teacher


def test_a_confirmation_without_a_new_login_at_the_provider_opens_nothing(
    op, idp, teacher, visitor
):
    account = idp_user(op, teacher)
    visitor.sign_in(idp, account)
    session = visitor.client.session
    session["schoolprivacy_authenticated_at"] = 0
    session.save()
    op.options["override_claims"] = {"auth_time": int(time.time()) - 3600}  # its old session
    start = visitor.client.get(reverse("signin:start", args=[idp.uid]), {"confirm": "1"})
    visitor.back_to_app(visitor.log_in_at_provider(visitor.go_to_provider(start), account))
    assert visitor.client.session["schoolprivacy_authenticated_at"] == 0
    assert refused(idp, Reason.STALE)


def test_mfa_at_the_provider_does_not_replace_the_app_s_own_second_step(op, idp, teacher, visitor):
    Authenticator.objects.create(user=teacher, name="telefoon", confirmed=True)
    visitor.sign_in(idp, idp_user(op, teacher, mfa=True))
    assert visitor.client.get(reverse("pupils:list")).status_code == 200
    # A new authenticator or new recovery codes ask for the app's own code first.
    response = visitor.client.get(reverse("two_step_setup"))
    assert response["Location"].startswith(reverse("two_step_verify"))
    assert visitor.client.get(response["Location"]).status_code == 200  # no loop
    response = visitor.client.post(reverse("recovery_codes_new"))
    assert response["Location"].startswith(reverse("two_step_verify"))
    assert not RecoveryCodes.objects.filter(user=teacher).exists()


def test_a_refusal_at_the_provider_with_line_breaks_in_its_words_is_kept(
    op, idp, teacher, visitor
):
    """Entra ID's error_description holds line breaks; the answer is a refusal, not a 400."""
    start = visitor.client.get(reverse("signin:start", args=[idp.uid]))
    state = re.search(r"state=([^&]+)", start["Location"])[1]
    response = visitor.client.get(
        reverse("signin:callback"),
        {
            "error": "access_denied",
            "error_description": "AADSTS50105: not assigned.\r\nTrace ID: 1\r\n",
            "state": state,
        },
    )
    assert response["Location"] == reverse("login")
    assert refused(idp, Reason.PROVIDER_ERROR)
    # Elsewhere such text is still refused.
    assert visitor.client.get(reverse("login"), {"next": "a\r\nb"}).status_code == 400


def test_where_boards_share_the_app_each_button_names_its_board(client, idp):
    other = SchoolFactory().board
    IdentityProvider.objects.create(
        board=other,
        name="Schoolaccount",
        issuer="https://ander.example",
        client_id="x",
        client_secret="y",
        domains=["ander.example"],
    )
    html = client.get(reverse("login")).content.decode()
    assert f"Inloggen met Schoolaccount ({idp.board.name})" in html
    assert f"Inloggen met Schoolaccount ({other.name})" in html


@pytest.fixture
def entra(idp):
    """A provider like Microsoft Entra ID: no email_verified; the user name counts within
    the board's own tenant."""
    IdentityProvider.objects.filter(pk=idp.pk).update(
        address_claim=IdentityProvider.AddressClaim.USERNAME, tenant_claim="tid", tenant="t-42"
    )
    idp.refresh_from_db()
    return idp


@pytest.mark.parametrize(("tid", "signed_in"), [("t-42", True), ("t-other", False), (None, False)])
def test_an_entra_account_is_found_by_its_user_name_within_the_board_s_tenant(
    op, entra, teacher, visitor, tid, signed_in
):
    account = idp_user(op, teacher, verified=False, email="juf@gmail.example")
    claims = {"preferred_username": teacher.email.upper()}
    if tid:
        claims["tid"] = tid
    op.options["override_claims"] = claims
    visitor.sign_in(entra, account)
    assert (logged_in_as(visitor.client) == teacher) is signed_in
    if not signed_in:
        assert refused(entra, Reason.OTHER_TENANT)
        assert not ExternalIdentity.objects.exists()


def test_an_unverified_e_mail_address_never_finds_an_account(op, idp, teacher, visitor):
    """The e-mail claim without email_verified (nOAuth) is not an identity."""
    op.options["override_claims"] = {"preferred_username": teacher.email}
    visitor.sign_in(idp, idp_user(op, teacher, verified=False))
    assert logged_in_as(visitor.client) is None
    assert refused(idp, Reason.UNVERIFIED)


@pytest.mark.parametrize("host", ["testserver", "other.example"])
def test_the_addresses_given_to_the_provider_do_not_depend_on_the_host_used(
    op, idp, settings, host
):
    """Whichever allowed host the browser used, the provider is given the site's one
    address (SITE_URL) to come back to, and to return to after logging out."""
    settings.SITE_URL = "https://privacy.school.example"
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    start = Client(HTTP_HOST=host).get(reverse("signin:start", args=[idp.uid]))
    assert start.status_code == 302
    query = parse_qs(urlsplit(start["Location"]).query)
    assert query["redirect_uri"] == ["https://privacy.school.example/sign-in/callback/"]


def test_logging_out_at_the_provider_returns_to_the_site_s_address(
    op, idp, teacher, visitor, settings
):
    visitor.sign_in(idp, idp_user(op, teacher))
    settings.SITE_URL = "https://privacy.school.example"
    page = visitor.client.post(reverse("logout"), HTTP_HOST="localhost").content.decode()
    elsewhere = unescape(re.search(r'id="elsewhere" href="([^"]+)"', page).group(1))
    query = parse_qs(urlsplit(elsewhere).query)
    assert query["post_logout_redirect_uri"] == ["https://privacy.school.example/account/login/"]
