"""Login protection, sessions, headers and re-authentication, as a user meets them."""

import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from schoolprivacy import security
from schoolprivacy.middleware import CONTENT_SECURITY_POLICY
from schoolprivacy.models import BoardRole, Role
from tests.factories import PASSWORD, BoardMembershipFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def try_login(client, email, password):
    return client.post(reverse("login"), {"username": email, "password": password})


def test_five_wrong_passwords_lock_the_login_for_a_while(client):
    user = UserFactory()
    for _ in range(4):
        assert try_login(client, user.email, "niet-het-goede-wachtwoord").status_code == 200
    assert try_login(client, user.email, "niet-het-goede-wachtwoord").status_code == 429
    locked = try_login(client, user.email, PASSWORD)
    assert locked.status_code == 429
    assert "15 minuten" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    other = UserFactory()  # another account is not locked
    assert try_login(Client(), other.email, PASSWORD).status_code == 302


def test_the_lock_counts_the_address_as_written(client):
    user = UserFactory()
    for _ in range(5):
        try_login(client, user.email.upper(), "fout-wachtwoord-12")
    assert try_login(client, user.email, PASSWORD).status_code == 429


def test_a_login_starts_a_new_session(client):
    user = UserFactory()
    client.get(reverse("login"))
    before = client.cookies.get("sessionid")
    try_login(client, user.email, PASSWORD)
    assert client.cookies["sessionid"].value != (before.value if before else None)


def test_a_staff_session_ends_after_thirty_idle_minutes(client, settings):
    staff = MembershipFactory(role=Role.TEACHER).user
    client.force_login(staff)
    assert client.get("/").status_code == 200
    session = client.session
    session[security.SEEN_AT] = int(time.time()) - settings.STAFF_IDLE_SECONDS - 5
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_a_parent_is_not_logged_out_for_being_idle_but_every_session_has_a_limit(client, settings):
    parent = UserFactory()
    client.force_login(parent)
    session = client.session
    session[security.SEEN_AT] = int(time.time()) - settings.STAFF_IDLE_SECONDS - 5
    session.save()
    assert client.get("/").status_code == 200
    session = client.session
    session[security.LOGIN_AT] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 5
    session.save()
    assert client.get("/").status_code == 302


def test_logging_out_ends_the_session(client):
    user = UserFactory()
    client.force_login(user)
    key = client.session.session_key
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/").status_code == 302


def test_a_disabled_account_is_logged_out_everywhere(client):
    from schoolprivacy.services import sessions_end

    user = UserFactory()
    client.force_login(user)
    other = Client()
    other.force_login(user)
    user.is_active = False
    user.save()
    assert sessions_end(user=user) == 2
    assert client.get("/").status_code == 302
    assert other.get("/").status_code == 302


def test_disabling_in_the_technical_admin_ends_the_sessions(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    target = UserFactory()
    target_client = Client()
    target_client.force_login(target)
    client.force_login(admin)
    response = client.post(
        reverse("admin:schoolprivacy_user_change", args=[target.pk]),
        {
            "email": target.email,
            "full_name": target.full_name,
            "language": "nl",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "board_memberships-TOTAL_FORMS": "0",
            "board_memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    assert target_client.get("/").status_code == 302


@pytest.mark.parametrize("path", ["/", "/account/login/", "/health/"])
def test_every_page_has_the_security_headers(client, path):
    response = client.get(path)
    csp = response["Content-Security-Policy"]
    assert csp == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_with_personal_data_are_not_stored(client):
    client.force_login(UserFactory())
    response = client.get(reverse("account"))
    assert "no-store" in response["Cache-Control"]


def test_an_export_asks_for_the_password_first(client):
    officer = BoardMembershipFactory(role=BoardRole.PRIVACY_OFFICER).user
    client.force_login(officer)
    url = reverse("suppliers:register") + "?format=csv"
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("reauthenticate"))
    client.post(reverse("reauthenticate"), {"password": PASSWORD, "next": url})
    assert client.get(url)["Content-Type"].startswith("text/csv")


def test_five_wrong_passwords_on_the_confirmation_end_the_session(client):
    client.force_login(UserFactory())
    for _ in range(5):
        client.post(reverse("reauthenticate"), {"password": "fout-fout-fout", "next": "/"})
    assert client.get("/").status_code == 302
