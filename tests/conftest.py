import io

import pytest
from django.core.management import call_command

from tests.browser import _allow_async_unsafe, browser, page  # noqa: F401 (fixtures)
from tests.factories import PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _second_step_on_force_login(monkeypatch):
    from tests import twostep

    twostep.install(monkeypatch)


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def demo(db):
    """The demo board of `make run`, seeded through its own command."""
    call_command("seed_demo", stdout=io.StringIO())
