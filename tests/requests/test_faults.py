"""Faults, each against the real services: Redis stopped, a worker killed during a task,
the database connection dropped in the middle of a change."""

import os
import signal
import subprocess
import tempfile
import threading
import uuid

import psycopg
import pytest
from django.db import connection
from django.db.utils import DatabaseError, InterfaceError, OperationalError
from django.urls import reverse

from pupils.models import Agreement
from requests import services
from requests.models import DataRequest, ErasureRecord, RecipientNotice
from requests.services import CategoryDecision, ItemDecision, ItemProposal
from schoolprivacy.celery import app
from schoolprivacy.models import Notice
from tests.servers import RedisServer, SMTPSink, celery, free_port, gunicorn, wait_until
from tests.utils import database_url_of_the_test_database

pytestmark = pytest.mark.celery


def env_for(redis_port: int, smtp_port: int) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "schoolprivacy.settings.test",
        "DATABASE_URL": database_url_of_the_test_database(),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "TEST_SMTP_PORT": str(smtp_port),
    }


@pytest.fixture
def broker(monkeypatch):
    """This process sends tasks to a Redis of the test's own (not running yet)."""
    port = free_port()
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    configured = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{port}/0"
    forget_connections()
    yield port
    app.conf.broker_url = configured
    forget_connections()


def forget_connections() -> None:
    """Celery keeps its broker connections: start again from the configured broker."""
    app._pool = None
    app.amqp._producer_pool = None


def stop(processes) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_with_redis_down_pages_serve_and_the_work_is_done_when_it_returns(
    transactional_db, world, login, broker
):
    client = login(world.users["parent"])
    url = reverse("requests:portal_new", args=[world.pupil.pk, "access"])

    response = client.post(url, {"submission": uuid.uuid4()})  # Redis is not there

    assert response.status_code == 302
    assert DataRequest.objects.filter(pupil=world.pupil).exists()
    assert client.get(reverse("requests:portal_index")).status_code == 200
    waiting = set(Notice.objects.filter(mail_pending=True).values_list("pk", flat=True))
    assert waiting  # the parent's and the director's mail, waiting in PostgreSQL

    sink = SMTPSink(free_port(), hold_at=0)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    redis = RedisServer(broker, tempfile.mkdtemp())
    redis.start()  # Redis is back, empty
    env = {**env_for(broker, sink.server_address[1]), "NOTICE_MAIL_INTERVAL": "1"}
    processes = [
        celery("worker", env, "--pool", "solo", "--without-mingle", "--without-gossip"),
        celery("beat", env, "--schedule", os.path.join(tempfile.mkdtemp(), "schedule")),
    ]
    try:
        wait_until(
            lambda: not Notice.objects.filter(pk__in=waiting, mail_pending=True).exists(),
            90,
            "the waiting mail to be sent once the broker is back",
        )
    finally:
        stop(processes)
        redis.stop()
        sink.shutdown()
        sink.server_close()
    assert {f"<notice-{pk}@" for pk in waiting} == {m.split("@")[0] + "@" for m in sink.received}


def test_with_redis_frozen_a_decision_is_saved_and_answered_and_the_next_page_does_not_wait(
    transactional_db, world, login, broker, receivers
):
    from pupils.models import Pupil
    from schoolprivacy import tasks

    from .conftest import submit

    request = submit(
        world,
        "rectification",
        items=[ItemProposal("pupil", world.pupil.pk, "last_name", "Jansen-Oudewater")],
    )
    item = request.items.get()
    redis = RedisServer(broker, tempfile.mkdtemp())
    redis.start()
    os.kill(redis.process.pid, signal.SIGSTOP)  # frozen: it accepts, and never answers
    try:
        director = login(world.users["director"])
        response = director.post(
            reverse("requests:act", args=[request.pk, "rectification"]),
            {f"accept_{item.pk}": "yes", f"reason_{item.pk}": ""},
        )
        assert response.status_code == 302  # the saved result, not an error page
        assert Pupil.objects.get(pk=world.pupil.pk).last_name == "Jansen-Oudewater"
        # The notice to Gynzy waits in PostgreSQL for its sweep (notices_settle_pending).
        assert RecipientNotice.objects.filter(request=request, status="pending").exists()
        # The circuit is open: the next page leaves the hand-over to the sweeps at once.
        assert tasks._broker_down_until > 0
        parent = login(world.users["parent"])
        response = parent.post(
            reverse("requests:portal_new", args=[world.pupil.pk, "access"]),
            {"submission": uuid.uuid4()},
        )
        assert response.status_code == 302
        assert DataRequest.objects.filter(pupil=world.pupil, kind="access").exists()
    finally:
        os.kill(redis.process.pid, signal.SIGCONT)
        redis.stop()


def test_a_worker_killed_during_a_task_runs_it_again_without_doing_it_twice(
    transactional_db, world, receivers, broker
):
    sink = SMTPSink(free_port(), hold_at=1, hold_match="<art19-")  # the notice to Gynzy
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    redis = RedisServer(broker, tempfile.mkdtemp())
    redis.start()  # before the request: its mail goes to the broker, which is up
    request = services.request_submit(
        pupil=world.pupil,
        kind="rectification",
        requester=world.users["parent"],
        acting_user=world.users["parent"],
        items=[ItemProposal("pupil", world.pupil.pk, "last_name", "Ploeg-Mulder")],
    )
    env = env_for(broker, sink.server_address[1])
    worker = celery(
        "worker",
        env,
        "--pool",
        "prefork",
        "--concurrency",
        "1",
        "--without-mingle",
        "--without-gossip",
    )
    try:
        wait_until(lambda: _children(worker.pid), 60, "the worker's pool process")
        services.rectification_decide(  # queues the Art. 19 notice task after the commit
            data_request=request,
            decisions={request.items.get().pk: ItemDecision(accept=True)},
            acting_user=world.users["director"],
        )
        assert sink.holding.wait(60), "the task never reached the mail server"
        for child in _children(worker.pid):
            os.kill(child, signal.SIGKILL)  # the process running the task dies
        sink.release.set()
        notice = RecipientNotice.objects.get(request=request, supplier=receivers["gynzy"])
        wait_until(
            lambda: RecipientNotice.objects.get(pk=notice.pk).status == "sent",
            90,
            "the notice task to run again",
        )
    finally:
        stop([worker])
        redis.stop()
        sink.shutdown()
        sink.server_close()
    art19 = [m for m in sink.received if m.startswith("<art19-")]
    assert art19 == [f"<art19-{notice.pk}@127.0.0.1>"]  # sent once, not lost, not twice


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


def test_a_dropped_database_connection_leaves_no_half_done_erasure(
    transactional_db, world, dossier, monkeypatch
):
    request = services.request_submit(
        pupil=world.pupil,
        kind="erasure",
        requester=world.users["parent"],
        acting_user=world.users["parent"],
        categories=["dossier", "consents"],
    )
    agreements = Agreement.objects.filter(pupil=world.pupil).count()
    assert agreements
    from consents import services as consent_services

    real = consent_services.pupil_consents_erase

    def drop_the_connection_then_go_on(**kwargs):
        pid = connection.connection.info.backend_pid
        with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        return real(**kwargs)

    monkeypatch.setattr(consent_services, "pupil_consents_erase", drop_the_connection_then_go_on)
    with pytest.raises((OperationalError, InterfaceError, DatabaseError)):
        services.erasure_decide(
            data_request=request,
            decisions={
                "dossier": CategoryDecision(services.Outcome.ERASE),
                "consents": CategoryDecision(services.Outcome.ERASE),
            },
            acting_user=world.users["director"],
        )
    connection.close()
    assert Agreement.objects.filter(pupil=world.pupil).count() == agreements  # all still there
    assert not ErasureRecord.objects.exists()
    assert DataRequest.objects.get(pk=request.pk).status == DataRequest.Status.RECEIVED


class Browser:
    """One person's browser against a real server: their session cookie and the CSRF token
    and submission key of the form they fill in, as a browser sends them."""

    def __init__(self, port: int, user):
        from django.conf import settings
        from django.test import Client

        client = Client()
        client.force_login(user)
        self.port = port
        self.cookies = {
            settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value
        }

    def _send(self, method: str, path: str, body: str = "") -> tuple[int, str]:
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";")[0]
        status, text = response.status, response.read().decode()
        connection.close()
        return status, text

    def submit(self, path: str, data: dict, page: str = "") -> int:
        """Open the page with the form (*page*, else *path*), fill it in and send it to *path*;
        the answer's status."""
        import re
        from urllib.parse import urlencode

        status, page = self._send("GET", page or path)
        assert status == 200, page
        hidden = {}
        for tag in re.findall(r"<input[^>]*>", page):
            name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
            if 'type="hidden"' in tag and name and value:
                hidden[name[1]] = value[1]
        return self._send("POST", path, urlencode({**hidden, **data}))[0]


def test_through_gunicorn_with_redis_frozen_forms_and_a_decision_answer_the_saved_result(
    transactional_db, world, broker, receivers
):
    """Two parents' forms and a director's decision, through gunicorn as in production,
    while Redis accepts connections and never answers: each is saved and answered with
    its result (a redirect), not an error after a minute."""
    from pupils.models import Pupil

    from .conftest import submit

    request = submit(
        world,
        "rectification",
        items=[ItemProposal("pupil", world.pupil.pk, "last_name", "Jansen-Oudewater")],
    )
    item = request.items.get()
    redis = RedisServer(broker, tempfile.mkdtemp())
    redis.start()
    os.kill(redis.process.pid, signal.SIGSTOP)
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "schoolprivacy.settings.test",
        "DATABASE_URL": database_url_of_the_test_database(),
        "REDIS_URL": f"redis://127.0.0.1:{broker}/0",
    }
    # A page that waited for the broker's answer would be killed long before the minute
    # it took before (the broker's own timeouts are 2 and 5 seconds: settings/base.py).
    web = gunicorn(port, env, timeout=15)
    try:
        for key, pupil in (("parent", world.pupil), ("parent_other_child", world.other_pupil)):
            parent = Browser(port, world.users[key])
            path = reverse("requests:portal_new", args=[pupil.pk, "access"])
            assert parent.submit(path, {}) == 302
            assert DataRequest.objects.filter(pupil=pupil, kind="access").exists()

        director = Browser(port, world.users["director"])
        path = reverse("requests:act", args=[request.pk, "rectification"])
        decision = {f"accept_{item.pk}": "yes", f"reason_{item.pk}": ""}
        page = reverse("requests:detail", args=[request.pk])
        assert director.submit(path, decision, page=page) == 302
        assert Pupil.objects.get(pk=world.pupil.pk).last_name == "Jansen-Oudewater"
        assert RecipientNotice.objects.filter(request=request, status="pending").exists()
    finally:
        stop([web])
        os.kill(redis.process.pid, signal.SIGCONT)
        redis.stop()
