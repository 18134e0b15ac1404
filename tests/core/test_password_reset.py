"""The mail with a link to choose a new password: limited per address and per client, the
same answer in every case, and links to the configured site address only.

A refused request sends nothing; its answer is the same as for an address we know.
"""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from schoolprivacy.models import Role
from tests.factories import UserFactory
from tests.pupils.conftest import login, world  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

SITE = "https://privacy.kindkracht.example"
FOREIGN = "aanvaller.example"
PER_ADDRESS = settings.PASSWORD_RESET_MAILS_PER_ADDRESS
PER_CLIENT = settings.PASSWORD_RESET_REQUESTS_PER_CLIENT


def ask(client, email: str, ip: str = "192.0.2.10", **headers):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip, **headers)


def assert_the_usual_answer(response):
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")


def main_of(response) -> str:
    """The page's own text (the footer's form carries a fresh token on every page)."""
    return re.search(r"<main.*</main>", response.content.decode(), re.S).group(0)


def links_in(message) -> list[str]:
    return re.findall(r"https?://\S+", message.body)


@override_settings(SITE_URL=SITE, ALLOWED_HOSTS=["testserver", FOREIGN])
def test_the_link_points_at_the_configured_site_whatever_host_the_request_names(client):
    UserFactory(email="ouder@gezin.example")
    assert_the_usual_answer(ask(client, "ouder@gezin.example", HTTP_HOST=FOREIGN))
    [message] = mail.outbox
    [link] = links_in(message)
    assert link.startswith(f"{SITE}/account/password-reset/")
    assert FOREIGN not in message.body


@override_settings(SITE_URL=SITE, ALLOWED_HOSTS=["testserver", FOREIGN], USE_X_FORWARDED_HOST=True)
def test_the_link_ignores_a_forwarded_host_too(client):
    user = UserFactory(email="ouder@gezin.example")
    ask(client, "ouder@gezin.example", HTTP_X_FORWARDED_HOST=FOREIGN)
    [message] = mail.outbox
    [link] = links_in(message)
    assert link.startswith(f"{SITE}/account/password-reset/")
    assert FOREIGN not in message.body

    # And it works: the path of the link lets the owner choose a new password.
    form_url = client.get(link.removeprefix(SITE))["Location"]
    new_password = "een-heel-nieuw-wachtwoord-2026"
    client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_one_address_gets_a_few_mails_and_then_none_whoever_asks(client):
    UserFactory(email="ouder@gezin.example")
    for n in range(PER_ADDRESS + 10):
        # A different client every time: the address itself is limited.
        assert_the_usual_answer(ask(client, "Ouder@Gezin.example ", ip=f"198.51.100.{n + 1}"))
    assert len(mail.outbox) == PER_ADDRESS
    assert {tuple(message.to) for message in mail.outbox} == {("ouder@gezin.example",)}


def test_one_client_can_ask_for_a_few_addresses_and_then_for_none(client):
    users = [UserFactory(email=f"ouder{n}@gezin.example") for n in range(PER_CLIENT + 3)]
    for user in users:
        assert_the_usual_answer(ask(client, user.email, ip="203.0.113.7"))
    assert len(mail.outbox) == PER_CLIENT
    sent_to = [message.to[0] for message in mail.outbox]
    assert sent_to == [user.email for user in users[:PER_CLIENT]]

    # Another client is not hindered by the first.
    assert_the_usual_answer(ask(client, users[-1].email, ip="203.0.113.8"))
    assert mail.outbox[-1].to == [users[-1].email]
    assert len(mail.outbox) == PER_CLIENT + 1


def test_asking_for_unknown_addresses_counts_against_the_client_too(client):
    """Trying addresses one after the other is what the limit per client is for."""
    for n in range(PER_CLIENT):
        assert_the_usual_answer(ask(client, f"gok{n}@gezin.example", ip="203.0.113.9"))
    UserFactory(email="ouder@gezin.example")
    assert_the_usual_answer(ask(client, "ouder@gezin.example", ip="203.0.113.9"))
    assert mail.outbox == []


def test_known_unknown_and_limited_addresses_get_the_same_answer(client):
    UserFactory(email="bekend@gezin.example")
    known = ask(client, "bekend@gezin.example")
    unknown = ask(client, "onbekend@gezin.example")
    for _ in range(PER_ADDRESS):
        ask(client, "bekend@gezin.example")
    limited = ask(client, "bekend@gezin.example")
    assert len(mail.outbox) == PER_ADDRESS
    for response in (known, unknown, limited):
        assert_the_usual_answer(response)
    pages = {main_of(client.get(response["Location"])) for response in (known, unknown, limited)}
    assert len(pages) == 1


def test_an_account_that_cannot_log_in_gets_no_mail_and_the_same_answer(client):
    UserFactory(email="weg@gezin.example", is_active=False)
    assert_the_usual_answer(ask(client, "weg@gezin.example"))
    assert mail.outbox == []


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_without_redis_the_limit_cannot_be_checked_so_no_mail_goes(client):
    UserFactory(email="ouder@gezin.example")
    assert_the_usual_answer(ask(client, "ouder@gezin.example"))
    assert mail.outbox == []


def test_a_mail_server_that_fails_gives_the_same_answer(client, monkeypatch):
    """Otherwise a known address would answer with an error, and an unknown one would not."""
    from django.core.mail.backends.locmem import EmailBackend

    def refuse(self, messages):
        raise ConnectionRefusedError

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    UserFactory(email="ouder@gezin.example")
    assert_the_usual_answer(ask(client, "ouder@gezin.example"))


def test_the_mail_is_in_the_language_of_the_account(client):
    UserFactory(email="parent@family.example", language="en")
    ask(client, "parent@family.example")
    [message] = mail.outbox
    assert message.subject == "Choose a new password for schoolprivacy"
    assert "Someone asked to choose a new password" in message.body


@override_settings(SITE_URL=SITE, ALLOWED_HOSTS=["testserver", FOREIGN])
def test_an_invitation_points_at_the_configured_site_whatever_host_the_request_names(
    world,  # noqa: F811
    login,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    client = login(world.users["administrator"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("staff:invite"),
            {
                "school": world.pupil.school.pk,
                "email": "nieuw@school.example",
                "full_name": "Nina Nieuw",
                "roles": [Role.TEACHER],
            },
            HTTP_HOST=FOREIGN,
        )
    [message] = mail.outbox
    [link] = links_in(message)
    assert link.startswith(f"{SITE}/portal/invitation/")
    assert FOREIGN not in message.body
