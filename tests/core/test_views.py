"""The UI shell: logging in and out, password reset, language, the overview and account pages."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from schoolprivacy.audit_entry import AuditEntry
from schoolprivacy.models import BoardRole, Role
from tests.factories import BoardMembershipFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_overview_asks_anonymous_visitors_to_log_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/account/login/?next=/"


def test_the_login_page_is_dutch_by_default(client):
    response = client.get(reverse("login"))
    content = response.content.decode()
    assert '<html lang="nl"' in content
    assert "Inloggen" in content
    assert "E-mailadres" in content


def test_logging_in_with_the_e_mail_address_in_any_case(client, password):
    user = UserFactory(email="juf.anna@school.example")
    response = client.post(
        reverse("login"), {"username": "Juf.Anna@School.example", "password": password}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_wrong_password_is_explained_in_dutch_and_logs_nobody_in(client):
    user = UserFactory()
    response = client.post(reverse("login"), {"username": user.email, "password": "fout"})
    assert response.status_code == 200
    assert "horen niet bij een account" in response.content.decode()
    assert "_auth_user_id" not in client.session
    user.refresh_from_db()
    assert user.last_login is None


def test_an_invalid_e_mail_address_gets_a_clear_message(client):
    response = client.post(reverse("login"), {"username": "geen-adres", "password": "x"})
    assert response.status_code == 200
    assert "Voer een geldig e-mailadres in." in response.content.decode()


def test_logging_out_ends_the_session(client, user):
    client.force_login(user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


def test_logging_out_takes_a_post_so_a_link_cannot_log_someone_out(client, user):
    client.force_login(user)
    assert client.get(reverse("logout")).status_code == 405
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_overview_shows_each_role_in_dutch(client):
    membership = MembershipFactory(role=Role.CARE_COORDINATOR, school__name="De Regenboog")
    BoardMembershipFactory(
        user=membership.user, role=BoardRole.PRIVACY_OFFICER, board=membership.school.board
    )
    client.force_login(membership.user)
    content = client.get("/").content.decode()
    assert "Intern begeleider</strong> – De Regenboog" in content
    assert "Privacycontactpersoon</strong>" in content
    assert 'aria-current="page"' in content


def test_the_overview_takes_a_fixed_number_of_queries(client, django_assert_num_queries):
    membership = MembershipFactory()
    for _ in range(3):
        MembershipFactory(user=membership.user)
    client.force_login(membership.user)
    with django_assert_num_queries(9):
        # session, user, the second step's device, one for the grants (menu), the
        # standing in the parent portal and whether the user asked the school before
        # (menu), memberships, board memberships, notices
        client.get("/")


def test_the_technical_admin_link_is_only_in_the_menu_of_technical_administrators(client):
    staff = UserFactory(is_staff=True)
    parent = UserFactory()
    client.force_login(parent)
    assert "/admin/" not in client.get("/").content.decode()
    client.force_login(staff)
    assert "/admin/" in client.get("/").content.decode()


def test_the_account_page_shows_the_own_details(client):
    membership = MembershipFactory(role=Role.DIRECTOR)
    client.force_login(membership.user)
    content = client.get(reverse("account")).content.decode()
    assert membership.user.email in content
    assert "Directeur" in content


def test_switching_to_english_and_back(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/account/login/"})
    assert response.status_code == 302
    content = client.get(reverse("login")).content.decode()
    assert '<html lang="en"' in content
    assert "Log in with the e-mail address" in content
    client.post(reverse("set_language"), {"language": "nl", "next": "/"})
    assert '<html lang="nl"' in client.get(reverse("login")).content.decode()


def test_the_language_a_user_chooses_is_kept_with_the_account(client, password):
    user = UserFactory(language="nl")
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"  # e-mails and answers to requests follow it
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"  # an unknown language changes nothing


def test_a_choice_made_before_logging_in_is_kept_and_else_the_account_decides(client, password):
    english = UserFactory(language="nl")
    client.post(reverse("set_language"), {"language": "en", "next": "/account/login/"})
    client.post(reverse("login"), {"username": english.email, "password": password})
    english.refresh_from_db()
    assert english.language == "en"

    client.logout()
    client.cookies.clear()
    response = client.post(reverse("login"), {"username": english.email, "password": password})
    assert response.cookies["django_language"].value == "en"  # a new device: English again
    assert '<html lang="en"' in client.get(reverse("account")).content.decode()


def reset_link(message) -> str:
    return re.search(r"https?://[^/]+(/account/password-reset/[^\s]+/)", message.body).group(1)


def test_a_password_reset_link_works_once(client):
    user = UserFactory(email="ouder@gezin.example")
    response = client.post(reverse("password_reset"), {"email": "ouder@gezin.example"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ouder@gezin.example"]
    assert "nieuw wachtwoord" in mail.outbox[0].subject

    link = reset_link(mail.outbox[0])
    form_url = client.get(link)["Location"]  # Django swaps the token for a session marker
    new_password = "een-heel-nieuw-wachtwoord-2026"
    response = client.post(
        form_url, {"new_password1": new_password, "new_password2": new_password}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)

    second = client.get(link, follow=True).content.decode()
    assert "al gebruikt of verlopen" in second


def test_a_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "onbekend@gezin.example"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_a_weak_new_password_is_refused_with_a_dutch_reason(client, user, password):
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": "welkom", "new_password2": "welkom"},
    )
    assert response.status_code == 200
    assert "te kort" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(password)


def test_changing_a_password_is_audited_without_the_hash(client, user, password):
    client.force_login(user)
    new_password = "een-ander-lang-wachtwoord"
    client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": new_password, "new_password2": new_password},
    )
    user.refresh_from_db()
    assert user.check_password(new_password)
    for entry in AuditEntry.objects.get_for_object(user):
        assert "password" not in (entry.changes or {})
        assert user.password not in str(entry.changes)


def test_pages_are_dutch_even_when_the_browser_asks_for_english(client):
    response = client.get(reverse("login"), headers={"accept-language": "en-US,en;q=0.9"})
    assert '<html lang="nl"' in response.content.decode()
    assert response["Content-Language"] == "nl"


def test_pages_for_a_logged_in_user_are_never_cached(client, user):
    client.force_login(user)
    for url in ("/", reverse("account")):
        cache_control = client.get(url)["Cache-Control"]
        assert "no-store" in cache_control
        assert "private" in cache_control
