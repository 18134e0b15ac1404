"""Two-step verification: required for staff before any personal data, optional for parents;
recovery codes; a code works once."""

import re

import pytest
from django.urls import reverse

from schoolprivacy.models import Authenticator, RecoveryCode, Role
from tests.factories import MembershipFactory, UserFactory
from tests.twostep import authenticator_of, code_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def teacher():
    return MembershipFactory(role=Role.TEACHER).user


def after_password(client, user):
    client.force_login(user, second_step=False)
    return client


def test_a_staff_member_without_an_app_sets_it_up_before_any_page(client, teacher):
    after_password(client, teacher)
    for path in ("/", reverse("pupils:list"), reverse("account")):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("two_step_setup"))

    page = client.get(reverse("two_step_setup")).content.decode()
    assert 'src="data:image/svg+xml' in page
    device = Authenticator.objects.get(user=teacher, confirmed=False)
    response = client.post(reverse("two_step_setup"), {"code": code_for(device)})
    assert response.status_code == 200
    codes = re.findall(r"<code>([a-z0-9-]+)</code>", response.content.decode())
    assert len(codes) == 10
    assert Authenticator.objects.get(user=teacher).confirmed
    assert client.get("/").status_code == 200


def test_a_wrong_first_code_turns_nothing_on(client, teacher):
    after_password(client, teacher)
    client.get(reverse("two_step_setup"))
    response = client.post(reverse("two_step_setup"), {"code": "000000"})
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=teacher, confirmed=True).exists()
    assert not RecoveryCode.objects.exists()
    assert client.get("/").status_code == 302


def test_after_the_password_comes_the_code_and_a_code_works_once(client, teacher):
    device = authenticator_of(teacher)
    after_password(client, teacher)
    assert client.get("/")["Location"].startswith(reverse("two_step_verify"))
    code = code_for(device)
    assert client.post(reverse("two_step_verify"), {"code": code})["Location"] == "/"
    assert client.get("/").status_code == 200

    client.logout()
    after_password(client, teacher)
    response = client.post(reverse("two_step_verify"), {"code": code})  # the same code again
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_a_recovery_code_works_once_instead_of_the_phone(client, teacher):
    from schoolprivacy.services import recovery_codes_issue

    authenticator_of(teacher)
    code = recovery_codes_issue(user=teacher)[0]
    after_password(client, teacher)
    assert client.post(reverse("two_step_verify"), {"code": code}).status_code == 302
    assert client.get("/").status_code == 200
    client.logout()
    after_password(client, teacher)
    assert client.post(reverse("two_step_verify"), {"code": code}).status_code == 200
    assert RecoveryCode.objects.filter(device__user=teacher).count() == 9


def test_too_many_wrong_codes_end_the_session(client, teacher):
    authenticator_of(teacher)
    after_password(client, teacher)
    for _ in range(5):
        client.post(reverse("two_step_verify"), {"code": "123456"})
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_replacing_the_app_needs_the_second_step_first(client, teacher):
    authenticator_of(teacher)
    after_password(client, teacher)
    response = client.get(reverse("two_step_setup"))
    assert response["Location"].startswith(reverse("two_step_verify"))
    assert Authenticator.objects.filter(user=teacher).count() == 1


def test_a_parent_needs_no_second_step_but_may_choose_one(client):
    parent = UserFactory()
    after_password(client, parent)
    assert client.get("/").status_code == 200
    device = Authenticator.objects.create(user=parent, name="app", confirmed=True)
    client.logout()
    after_password(client, parent)
    assert client.get("/")["Location"].startswith(reverse("two_step_verify"))
    client.post(reverse("two_step_verify"), {"code": code_for(device)})
    assert client.get("/").status_code == 200


def test_logging_out_needs_no_second_step(client, teacher):
    after_password(client, teacher)
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session
