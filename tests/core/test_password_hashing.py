"""Passwords are kept with Argon2id at the cost set in schoolprivacy/hashers.py; one kept
with PBKDF2 (every account made before) still logs in and is kept again with Argon2id.
The tests' own settings use a fast hasher: here the product's list is set."""

import pytest
from django.contrib.auth.hashers import identify_hasher, make_password
from django.urls import reverse

from schoolprivacy.settings import base
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def product_hashers(settings):
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS


def login(client, user, password):
    return client.post(reverse("login"), {"username": user.email, "password": password})


def test_a_new_password_is_kept_with_argon2id_at_our_cost():
    encoded = make_password(PASSWORD)
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=4,p=1$")
    assert identify_hasher(encoded).verify(PASSWORD, encoded)


def test_a_pbkdf2_password_logs_in_and_is_then_kept_with_argon2id(client):
    user = UserFactory()
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])

    assert login(client, user, PASSWORD).status_code == 302

    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(PASSWORD)


def test_a_wrong_password_changes_nothing(client):
    user = UserFactory()
    old = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.password = old
    user.save(update_fields=["password"])

    assert login(client, user, "niet-het-goede-wachtwoord").status_code == 200

    user.refresh_from_db()
    assert user.password == old
