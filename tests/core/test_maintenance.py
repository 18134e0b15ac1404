"""While a backup is restored the site is closed: every page answers 503 with a page in
the visitor's language, /health/ answers 503, and nothing reads the database."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import translation

from schoolprivacy import maintenance
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(settings, tmp_path):
    settings.MAINTENANCE_FLAG_PATH = str(tmp_path / "maintenance")
    maintenance.close("restoring a backup")
    yield
    maintenance.reopen()


def text_in(language):
    with translation.override(language):
        return translation.gettext("Closed for maintenance")


def test_every_page_answers_503_in_dutch_during_a_restore(
    client, closed, django_assert_num_queries
):
    for path in ("/", reverse("login"), "/admin/", "/suppliers/school/99RB/", "/no-such-page/"):
        with django_assert_num_queries(0):  # the restored database is not read
            response = client.get(path)
        assert response.status_code == 503, path
        assert response["Content-Language"] == "nl"
        assert response["Retry-After"]
        assert "no-store" in response["Cache-Control"]
        page = response.content.decode()
        assert '<html lang="nl"' in page and text_in("nl") in page


def test_a_parent_who_chose_english_gets_the_page_in_english(client, closed):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/")
    assert response.status_code == 503 and response["Content-Language"] == "en"
    assert "Closed for maintenance" in response.content.decode()


def test_a_logged_in_user_and_a_form_post_get_the_same_answer(client, closed):
    client.force_login(UserFactory())
    assert client.get("/").status_code == 503
    assert client.post(reverse("logout")).status_code == 503


def test_health_answers_503_without_details(client, closed):
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_the_site_opens_again_when_the_flag_is_gone(client, settings, tmp_path):
    settings.MAINTENANCE_FLAG_PATH = str(tmp_path / "maintenance")
    maintenance.close("restoring a backup")
    assert client.get(reverse("login")).status_code == 503
    assert maintenance.reopen() is True
    assert client.get(reverse("login")).status_code == 200
    assert maintenance.reopen() is False


def test_the_flag_lies_beside_the_erasure_ledger_unless_configured(settings):
    settings.MAINTENANCE_FLAG_PATH = ""
    assert maintenance.flag().parent == settings.ERASURE_LEDGER_PATH.parent


def test_no_background_task_runs_during_a_restore_and_all_run_after(closed):
    from schoolprivacy.models import Heartbeat
    from schoolprivacy.tasks import record_heartbeat

    record_heartbeat.delay()  # eager in the tests: runs through the same task class
    assert not Heartbeat.objects.exists()
    maintenance.reopen()
    record_heartbeat.delay()
    assert Heartbeat.objects.filter(name="beat").exists()
