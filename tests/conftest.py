import io

import pytest
from django.core.management import call_command

from tests.browser import _allow_async_unsafe, browser, page  # noqa: F401 (fixtures)
from tests.factories import PASSWORD, UserFactory


@pytest.fixture(scope="session", autouse=True)
def _no_sensitive_data_in_logs():
    """Keep every log record and every encrypted plaintext of the run (checked at the end)."""
    from tests import logcheck

    logcheck.install()
    yield


@pytest.fixture(autouse=True)
def _log_collector_in_place():
    """A test that configures logging anew must not take the collector away."""
    from tests import logcheck

    logcheck.install()


def pytest_sessionfinish(session, exitstatus):
    """Fail the run when any log record held a BSN or the plaintext of an encrypted value."""
    from tests import logcheck

    found = logcheck.violations(logcheck.COLLECTOR.lines, logcheck.SECRETS)
    found += logcheck.violations(logcheck.MAILS, logcheck.SPECIAL_SECRETS, where="a mail")
    if found:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_sep("=", "sensitive data in the logs", red=True)
            for line in found[:50]:
                reporter.write_line(line)
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _broker_circuit_closed():
    """Each test starts with the broker's circuit closed (schoolprivacy/tasks.py: enqueue)."""
    from schoolprivacy import tasks

    tasks._broker_down_until = 0.0
    yield
    tasks._broker_down_until = 0.0


@pytest.fixture(autouse=True)
def _no_attempts_counted():
    """Each test starts with no attempts counted (schoolprivacy/throttle.py, in Redis)."""
    from schoolprivacy import throttle

    throttle.forget()


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
