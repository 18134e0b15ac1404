"""Celery through a real worker process and the real Redis broker."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from schoolprivacy.celery import app
from schoolprivacy.models import Heartbeat
from schoolprivacy.tasks import record_heartbeat
from tests.utils import database_url_of_the_test_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(transactional_db):
    """A real worker on a queue of its own, so no other worker can take the test's task."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "schoolprivacy.settings.test",
        "DATABASE_URL": database_url_of_the_test_database(),
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
            queue,
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "WARNING",
            "--hostname",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield queue
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    assert "Traceback" not in output, output


@pytest.mark.celery
def test_a_task_goes_through_redis_to_a_worker_and_does_its_work(worker, monkeypatch):
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    assert not Heartbeat.objects.exists()
    record_heartbeat.apply_async(queue=worker)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not Heartbeat.objects.filter(name="beat").exists():
        time.sleep(0.25)
    assert Heartbeat.objects.filter(name="beat").exists(), "the worker did not run the task"


def test_tasks_refuse_arguments_other_than_ids():
    with pytest.raises(TypeError, match="ids only"):
        record_heartbeat.apply_async(args=["Lotte Bakker"], queue="never-consumed")
    with pytest.raises(TypeError, match="ids only"):
        record_heartbeat.apply_async(kwargs={"bsn": "123456782"}, queue="never-consumed")


def test_reliability_settings_of_design_md():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_url == settings.REDIS_URL
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit


def test_the_beat_schedule_is_defined_in_code_and_names_real_tasks():
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks


def test_after_the_broker_failed_no_page_waits_on_it_again_for_a_while(monkeypatch):
    """The circuit opens on the first failure: the next hand-overs go to the sweeps at
    once, without asking the broker; after the pause the broker is asked again."""
    from schoolprivacy import tasks

    calls = []

    class Broken:
        name = "a.task"

        def apply_async(self, **kwargs):
            calls.append(kwargs)
            raise TimeoutError("frozen")

    clock = [1000.0]
    monkeypatch.setattr(tasks.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(tasks, "_broker_down_until", 0.0)
    assert tasks.enqueue(Broken(), 1) is False
    assert tasks.enqueue(Broken(), 2) is False
    assert len(calls) == 1  # the second did not wait on the broker
    clock[0] += tasks.BROKER_PAUSE_SECONDS + 1
    assert tasks.enqueue(Broken(), 3) is False
    assert len(calls) == 2
