"""GET /health/: 503 unless the database, Redis, a worker and beat work; details need a token."""

from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from schoolprivacy import services
from schoolprivacy.celery import app as celery_app
from schoolprivacy.models import Heartbeat, Notice

TOKEN = "a-long-random-health-token"
WITH_TOKEN = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


@pytest.fixture(autouse=True)
def health_token():
    with override_settings(HEALTH_TOKEN=TOKEN):
        yield


@pytest.fixture
def queue():
    """Celery's default queue in the test Redis, empty before and after."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    name = celery_app.conf.task_default_queue
    client.delete(name)
    yield client, name
    client.delete(name)
    client.close()


def stale_heartbeat():
    Heartbeat.objects.create(name="beat", last_seen=timezone.now() - timedelta(minutes=10))


@pytest.mark.django_db
def test_health_is_ok_when_all_works_and_tells_anyone_nothing_more(client):
    services.heartbeat_record(name="beat")
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_token_shows_the_details(client, queue):
    services.heartbeat_record(name="beat")
    response = client.get("/health/", **WITH_TOKEN)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["redis"] == "ok"
    assert body["worker"] == "ok"
    assert body["beat"] == "ok"
    assert body["queued_tasks"] == 0
    assert body["heartbeat"]["status"] == "ok"
    assert body["heartbeat"]["age_seconds"] < 5
    assert body["heartbeat"]["max_age_seconds"] == settings.HEARTBEAT_MAX_AGE
    assert body["mail_set_aside"] == 0


@pytest.mark.django_db
def test_mail_set_aside_is_counted_but_keeps_the_site_up(client, django_user_model):
    services.heartbeat_record(name="beat")
    user = django_user_model.objects.create_user("ouder@example.nl")
    Notice.objects.create(
        user=user, message="m", mail_failed_at=timezone.now(), mail_failure="550 refused"
    )
    Notice.objects.create(user=user, message="n", mail_pending=True)
    response = client.get("/health/", **WITH_TOKEN)
    assert response.status_code == 200
    assert response.json()["mail_set_aside"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer wrong-token",
        f"Bearer {TOKEN}x",
        f"Basic {TOKEN}",
        TOKEN,
        "Bearer ",
    ],
)
def test_no_details_without_the_right_token(client, authorization):
    services.heartbeat_record(name="beat")
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    assert client.get("/health/", **headers).json() == {"status": "ok"}
    # Not in the address either: that would end up in the access logs.
    assert client.get(f"/health/?token={TOKEN}").json() == {"status": "ok"}


@pytest.mark.django_db
def test_no_token_set_means_no_details_for_anyone(client):
    services.heartbeat_record(name="beat")
    with override_settings(HEALTH_TOKEN=""):
        assert client.get("/health/", HTTP_AUTHORIZATION="Bearer ").json() == {"status": "ok"}
        assert client.get("/health/", HTTP_AUTHORIZATION="Bearer").json() == {"status": "ok"}


@pytest.mark.django_db
def test_health_is_503_with_a_stale_heartbeat(client):
    stale_heartbeat()
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    details = client.get("/health/", **WITH_TOKEN).json()
    assert details["heartbeat"]["status"] == "stale"
    assert details["heartbeat"]["age_seconds"] >= 600
    assert details["database"] == details["redis"] == "ok"


@pytest.mark.django_db
def test_health_is_503_without_any_heartbeat(client):
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    details = client.get("/health/", **WITH_TOKEN).json()
    assert details["heartbeat"] == {
        "status": "missing",
        "last_seen": None,
        "age_seconds": None,
        "max_age_seconds": settings.HEARTBEAT_MAX_AGE,
    }


@pytest.mark.django_db
def test_a_stale_heartbeat_with_tasks_waiting_points_at_the_worker(client, queue):
    stale_heartbeat()
    client_, name = queue
    client_.lpush(name, "{}", "{}")
    details = client.get("/health/", **WITH_TOKEN).json()
    assert (details["worker"], details["beat"]) == ("unavailable", "unknown")
    assert details["queued_tasks"] == 2


@pytest.mark.django_db
def test_a_stale_heartbeat_with_nothing_waiting_points_at_beat(client, queue):
    stale_heartbeat()
    details = client.get("/health/", **WITH_TOKEN).json()
    assert (details["worker"], details["beat"]) == ("unknown", "unavailable")
    assert details["queued_tasks"] == 0


@pytest.mark.django_db
def test_health_is_503_when_redis_does_not_answer(client):
    services.heartbeat_record(name="beat")
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = client.get("/health/")
        details = client.get("/health/", **WITH_TOKEN).json()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert details["redis"] == "unavailable"
    assert details["database"] == "ok"
    assert (details["worker"], details["beat"]) == ("ok", "ok")
    assert details["queued_tasks"] is None


@pytest.mark.django_db(transaction=True)
def test_health_is_503_when_the_database_does_not_answer(client):
    services.heartbeat_record(name="beat")
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    try:
        response = client.get("/health/")
        details = client.get("/health/", **WITH_TOKEN).json()
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert details["database"] == "unavailable"
    assert details["status"] == "unavailable"
    assert details["heartbeat"]["status"] == "unknown"
    assert (details["worker"], details["beat"]) == ("unknown", "unknown")


def test_health_needs_no_login_and_takes_only_get(client, db):
    assert client.post("/health/").status_code == 405
