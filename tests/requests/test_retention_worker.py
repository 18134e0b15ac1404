"""The retention sweep's parts go through Redis to a real worker on the "sweeps" queue,
each part queuing the next until every leaver is done (requests/tasks.py)."""

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pupils.models import Agreement
from requests.models import RetentionRun
from requests.tasks import sweep_retention
from schoolprivacy.celery import app
from schoolprivacy.models import Heartbeat
from tests.factories import MembershipFactory, PupilFactory
from tests.utils import database_url_of_the_test_database

ROOT = Path(__file__).resolve().parents[2]
TODAY = datetime.date(2026, 12, 1)


@pytest.fixture
def sweeper(transactional_db):
    """A worker of the sweeps queue, as compose's sweeper, sweeping one pupil a part."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "schoolprivacy.settings.test",
        "DATABASE_URL": database_url_of_the_test_database(),
        "RETENTION_PART_SECONDS": "0",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "schoolprivacy",
            "worker",
            "--pool",
            "solo",
            "--queues",
            "sweeps",
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "WARNING",
            "--hostname",
            "test-sweeper@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    assert "Traceback" not in output, output


@pytest.mark.celery
def test_the_sweep_goes_on_part_after_part_on_its_own_queue(sweeper, monkeypatch):
    teacher = MembershipFactory(role="teacher").user
    leavers = [
        PupilFactory(enrolled_on=datetime.date(2010, 8, 20), left_on=datetime.date(2024, 11, 1))
        for _ in range(3)
    ]
    for pupil in leavers:
        Agreement.objects.create(
            pupil=pupil,
            author=teacher,
            agreed_on=datetime.date(2022, 3, 1),
            participants="ouders",
            agreement="Lezen.",
        )
    monkeypatch.setitem(app.conf, "task_always_eager", False)

    sweep_retention.delay(TODAY.toordinal())  # routed to "sweeps" (CELERY_TASK_ROUTES)

    deadline = time.monotonic() + 90
    while (
        time.monotonic() < deadline
        and not Heartbeat.objects.filter(name="retention-sweep").exists()
    ):
        time.sleep(0.25)
    assert Heartbeat.objects.filter(name="retention-sweep").exists(), "the parts did not finish"
    assert not Agreement.objects.filter(pupil__in=leavers).exists()
    assert sum(RetentionRun.objects.filter(ran_on=TODAY).values_list("pupils", flat=True)) == 3
