"""GET /health/: the database, Redis and the beat heartbeat."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from schoolprivacy import services
from schoolprivacy.models import Heartbeat


@pytest.mark.django_db
def test_health_is_ok_with_a_fresh_heartbeat(client):
    services.heartbeat_record(name="beat")
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["redis"] == "ok"
    assert body["heartbeat"]["status"] == "ok"
    assert body["heartbeat"]["age_seconds"] < 5
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_reports_a_stale_heartbeat_without_failing(client):
    Heartbeat.objects.create(name="beat", last_seen=timezone.now() - timedelta(minutes=10))
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["heartbeat"]["status"] == "stale"


@pytest.mark.django_db
def test_health_reports_a_missing_heartbeat(client):
    body = client.get("/health/").json()
    assert body["heartbeat"] == {"status": "missing", "last_seen": None, "age_seconds": None}


@pytest.mark.django_db
def test_health_is_503_when_redis_does_not_answer(client):
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["redis"] == "unavailable"
    assert response.json()["database"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_health_is_503_when_the_database_does_not_answer(client):
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    try:
        response = client.get("/health/")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert response.json()["status"] == "unavailable"


def test_health_needs_no_login_and_takes_only_get(client, db):
    assert client.post("/health/").status_code == 405
