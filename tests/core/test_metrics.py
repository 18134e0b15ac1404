"""GET /metrics/: Prometheus metrics for the operator, with the HEALTH_TOKEN only (issue 17)."""

import re
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from requests import services as request_services
from requests.models import AccessCopy, ErasureRecord, RecipientNotice
from schoolprivacy import services
from schoolprivacy.models import Notice
from tests.pupils.conftest import world  # noqa: F401 (the fixture)
from tests.requests.conftest import receivers, submit  # noqa: F401 (the fixture)

TOKEN = "a-long-random-metrics-token"
WITH_TOKEN = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def token():
    with override_settings(HEALTH_TOKEN=TOKEN):
        yield


def value(page: str, name: str, labels: str = "") -> float:
    found = re.search(rf"^{re.escape(name + labels)} (\S+)$", page, re.M)
    assert found, f"{name}{labels} is not on the page"
    return float(found.group(1))


@pytest.mark.parametrize("headers", [{}, {"HTTP_AUTHORIZATION": "Bearer wrong"}])
def test_without_the_token_there_are_no_metrics(client, headers):
    response = client.get("/metrics/", **headers)
    assert response.status_code == 404
    assert b"schoolprivacy_" not in response.content


@override_settings(HEALTH_TOKEN="")
def test_with_no_token_configured_nobody_sees_them(client):
    assert client.get("/metrics/", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_requests_and_answers_are_counted(client):
    client.get("/health/")
    page = client.get("/metrics/", **WITH_TOKEN).content.decode()
    assert "django_http_requests_total_by_method_total" in page
    assert "django_http_responses_total_by_status_total" in page


def test_the_work_users_wait_for_is_measured(client, world, receivers):  # noqa: F811
    page = client.get("/metrics/", **WITH_TOKEN).content.decode()
    assert value(page, "schoolprivacy_outbox_oldest_seconds") == 0
    assert value(page, "schoolprivacy_copies_stuck") == 0
    assert value(page, "schoolprivacy_recipient_notices_pending") == 0
    assert value(page, "schoolprivacy_erasures_not_in_ledger") == 0

    # A mail waiting ten minutes, a copy stuck, a notice to DUO, an erasure not in the ledger.
    notice = Notice.objects.create(user=world.users["parent"], message="x", mail_pending=True)
    Notice.objects.filter(pk=notice.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    request = submit(world)
    request_services.copy_prepare(data_request=request, acting_user=world.users["director"])
    AccessCopy.objects.update(created_at=timezone.now() - timedelta(minutes=30))
    RecipientNotice.objects.create(
        request=request, recipient=receivers["duo"], fields=["bsn"], subject="s", body="b"
    )
    ErasureRecord.objects.create(
        pupil=world.pupil, source=ErasureRecord.Source.RETENTION, categories=["administration"]
    )
    services.heartbeat_record(name="beat")

    page = client.get("/metrics/", **WITH_TOKEN).content.decode()
    assert value(page, "schoolprivacy_outbox_oldest_seconds") >= 600
    assert value(page, "schoolprivacy_copies_stuck") == 1
    assert value(page, "schoolprivacy_recipient_notices_pending") == 1
    assert value(page, "schoolprivacy_erasures_not_in_ledger") == 1
    beat = value(page, "schoolprivacy_last_run_timestamp_seconds", '{job="beat"}')
    assert abs(beat - timezone.now().timestamp()) < 60


def test_the_page_names_no_pupil(client, world):  # noqa: F811
    page = client.get("/metrics/", **WITH_TOKEN).content.decode()
    assert world.pupil.last_name not in page
