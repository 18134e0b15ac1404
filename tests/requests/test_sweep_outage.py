"""The deadline sweep survives a worker killed halfway and a Redis that comes back empty.

Real parts: a Celery worker and a Celery beat (processes), a Redis server of the test's
own (so it can be stopped and started empty), PostgreSQL, and an SMTP server in the
test that counts each mail by its Message-ID. The SMTP server holds the fifth mail
without answering; the worker is killed (SIGKILL) while it waits, in the middle of the
sweep; Redis is stopped and started again with nothing in it, so every task that was
queued is gone. A new worker starts; beat goes on sending sweeps. In the end every
reminder exists once, and every mail arrived exactly once.
"""

import os
import signal
import subprocess
import tempfile
import threading
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from pupils.models import Guardianship
from requests import deadlines, services
from requests.models import DataRequest, Reminder
from schoolprivacy.models import Notice
from schoolprivacy.selectors import heartbeat_last_seen
from tests.factories import PupilFactory
from tests.servers import RedisServer, SMTPSink, celery, free_port, wait_until
from tests.utils import database_url_of_the_test_database

pytestmark = pytest.mark.celery
REQUESTS = 12
HOLD_AT = 5  # the SMTP server does not answer the fifth mail


def due_in_one_or_two_days(today):
    received = today - timedelta(days=40)
    while not 0 <= (deadlines.response_due(received) - today).days <= 2:
        received += timedelta(days=1)
    return received


@pytest.fixture
def due_requests(transactional_db, world):
    today = timezone.localdate()
    received_on = due_in_one_or_two_days(today)
    parent = world.users["parent"]
    made = []
    for _ in range(REQUESTS):
        pupil = PupilFactory(school=world.pupil.school)
        Guardianship.objects.create(parent=parent, pupil=pupil, relation="mother")
        made.append(
            services.request_submit(
                pupil=pupil,
                kind="access",
                requester=parent,
                acting_user=world.users["director"],
                channel=DataRequest.Channel.PAPER,
                received_on=received_on,
                identity_check=DataRequest.IdentityCheck.IN_PERSON,
                submission=uuid.uuid4(),
            )
        )
    Notice.objects.update(mail_pending=False)  # the intake notices are not the point here
    return made


def test_a_killed_worker_and_an_empty_redis_lose_no_reminder_and_send_none_twice(
    world, due_requests
):
    smtp_port, redis_port = free_port(), free_port()
    sink = SMTPSink(smtp_port, HOLD_AT)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    workdir = tempfile.mkdtemp()
    redis = RedisServer(redis_port, workdir)
    redis.start()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "schoolprivacy.settings.test",
        "DATABASE_URL": database_url_of_the_test_database(),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "TEST_SMTP_PORT": str(smtp_port),
        "REQUEST_SWEEP_INTERVAL": "1",
    }
    worker_args = ("--pool", "solo", "--without-mingle", "--without-gossip")
    beat = celery("beat", env, "--schedule", os.path.join(workdir, "beat-schedule"))
    worker = celery("worker", env, *worker_args, "--hostname", f"first-{uuid.uuid4().hex[:6]}@%h")
    processes = [beat, worker]
    try:
        # The first worker sweeps, queues the reminders and starts mailing them; the SMTP
        # server takes four mails and holds the fifth.
        assert sink.holding.wait(90), "the worker never reached the fifth mail"
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        assert len(sink.received) == HOLD_AT - 1
        # Redis goes away and comes back with nothing in it: every queued task is gone.
        redis.stop()
        redis.start()
        sink.release.set()

        second = celery(
            "worker", env, *worker_args, "--hostname", f"second-{uuid.uuid4().hex[:6]}@%h"
        )
        processes.append(second)
        expected = 2 * REQUESTS  # the extension warning and "2 days left", to the director
        wait_until(
            lambda: (
                len(sink.received) >= expected
                and not Notice.objects.filter(mail_pending=True).exists()
            ),
            120,
            "every reminder to be mailed",
        )
        # A few more sweeps by beat, counted by the sweep's own heartbeat: they send nothing.
        for _ in range(3):
            mark = timezone.now()
            wait_until(
                lambda mark=mark: (heartbeat_last_seen(name="deadline-sweep") or mark) > mark,
                60,
                "another deadline sweep",
            )
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        redis.stop()
        sink.shutdown()
        sink.server_close()

    sent = Reminder.objects.filter(superseded=False)
    assert sent.count() == 2 * REQUESTS
    assert set(sent.values_list("kind", flat=True)) == {
        Reminder.Kind.EXTENSION,
        Reminder.Kind.DUE_IN_2,
    }
    assert Reminder.objects.filter(superseded=True).count() == REQUESTS  # "7 days": too late
    reminders = Notice.objects.filter(user=world.users["director"], mailed_at__isnull=False)
    reminders = reminders.filter(message__contains="AVG-").exclude(
        mail_subject__startswith="Een nieuw"
    )
    # Every reminder mailed exactly once: none lost with the worker or with Redis, none twice.
    mailed = set(
        Notice.objects.filter(mailed_at__isnull=False, mail_subject__gt="").values_list(
            "pk", flat=True
        )
    )
    assert len(sink.received) == len(set(sink.received)) == expected
    assert {int(m.split("-")[1].split("@")[0]) for m in sink.received} <= mailed
    assert all(message_id.startswith("<notice-") for message_id in sink.received)
