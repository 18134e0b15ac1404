"""T1: throughput of the parent's child page under load, against the floors' throughput.

gunicorn serves bench/wsgi.py with the production command line of the Dockerfile and
compose (3 workers, the same timeout and options; the bench settings, which are
production's middleware and URLs) on the loopback address; wrk (Debian's `wrk`)
drives it at 1, 8 and 32 connections. Each request is a random parent of the board
(fixed seed) asking for her own child's page, with a session made in the database as
a browser's would be (two-step passed, as for every case of the bench); the floors are asked with
the same sessions. At every concurrency the runs go FD, F1, the page, F1, FD (A-B-A),
each THROUGHPUT_SECONDS long, and the page's requests/s are divided by the mean of the
two FD runs around it. wrk and gunicorn share the machine's cores, for the floors as
for the page.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings

from . import load
from .floor import FD_PATH
from .measure import Bench, Result, board_pupils, client_of

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCY = (1, 8, 32)
THROUGHPUT_SECONDS = 6
PARENTS = 64
TARGET = 0.5  # the child page's requests/s ≥ 0.5× FD's
#: The production command of the Dockerfile's CMD and compose's web service, on loopback.
GUNICORN = (
    "--workers",
    "3",
    "--timeout",
    "60",
    "--worker-tmp-dir",
    "/dev/shm",  # noqa: S108 (gunicorn's heartbeat files, as in production)
    "--no-control-socket",
)

SCRIPT = """\
local targets = {
%s
}
math.randomseed(22)
request = function()
  local t = targets[math.random(#targets)]
  return wrk.format("GET", t[1], {["Cookie"] = t[2]})
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(port: int, path: str, cookie: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie})
        return conn.getresponse().status
    finally:
        conn.close()


def _wait_until_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited before it answered")
        try:
            if _status(port, "/bench/f0/", "") == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within 60 s")


def _wrk(port: int, script: Path, connections: int, seconds: int) -> dict[str, float]:
    out = subprocess.run(  # noqa: S603 (our own arguments)
        [  # noqa: S607 (wrk from the PATH, as Debian installs it)
            "wrk",
            f"-t{min(connections, 2)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "30s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*timeout (\d+)", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    if rps is None:
        raise RuntimeError(f"wrk gave no requests/s:\n{out}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        "rps": float(rps.group(1)),
        "bad": float(bad.group(1)) if bad else 0.0,
        "timeouts": float(errors.group(1)) if errors else 0.0,
        "p50_ms": float(p50.group(1)) * scale[p50.group(2)] if p50 else 0.0,
    }


def t1(bench: Bench, size: int, seconds: int = THROUGHPUT_SECONDS) -> None:
    if shutil.which("wrk") is None:
        bench.check("T1 throughput measured (wrk installed: apt-get install wrk)", "no wrk", False)
        return
    pupils = board_pupils(size, PARENTS, salt=8)
    name = settings.SESSION_COOKIE_NAME
    cookies = {p: f"{name}={client_of(load.parent_a(p)).cookies[name].value}" for p in pupils}
    folder = Path(tempfile.mkdtemp(prefix="bench-wrk-"))
    scripts = {}
    for case, path in (("FD", FD_PATH), ("F1", "/bench/f1/?school=1"), ("page", None)):
        lines = ",\n".join(
            f'  {{"{path or f"/portal/child/{p}/"}", "{cookie}"}}' for p, cookie in cookies.items()
        )
        scripts[case] = folder / f"{case}.lua"
        scripts[case].write_text(SCRIPT % lines)
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "gunicorn", "bench.wsgi:application"]
    server = subprocess.Popen(  # noqa: S603 (our own arguments)
        [*command, "--bind", f"127.0.0.1:{port}", *GUNICORN],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(folder / "gunicorn.log").open("w"),
    )
    try:
        _wait_until_up(port, server)
        p, cookie = next(iter(cookies.items()))
        for path in (FD_PATH, "/bench/f1/?school=1", f"/portal/child/{p}/"):
            status = _status(port, path, cookie)
            if status != 200:
                raise RuntimeError(f"gunicorn answered {path} with {status}, not 200")
        for case in ("FD", "F1", "page"):  # warm every worker
            _wrk(port, scripts[case], 8, 2)
        for c in CONCURRENCY:
            runs = {
                step: _wrk(port, scripts[step.split(":")[0]], c, seconds)
                for step in ("FD:0", "F1:0", "page", "F1:1", "FD:1")
            }
            fd = (runs["FD:0"]["rps"] + runs["FD:1"]["rps"]) / 2
            f1 = (runs["F1:0"]["rps"] + runs["F1:1"]["rps"]) / 2
            page = runs["page"]
            bad = sum(int(r["bad"] + r["timeouts"]) for r in runs.values())
            row = bench.add(
                Result(
                    f"T1 child c={c}",
                    f"parent's child page under load, {c} connection{'s' * (c > 1)}",
                    page["rps"],
                    unit="req/s",
                    fd=page["rps"] / fd,
                    fd_ms=fd,
                    f1=page["rps"] / f1,
                    f1_ms=f1,
                    note=(
                        f"median latency {page['p50_ms']:.1f} ms; FD {fd:.0f} req/s, "
                        f"F1 {f1:.0f} req/s; {bad} non-2xx/3xx or timeouts"
                    ),
                )
            )
            bench.check(
                f"T1 child page at {c} connection{'s' * (c > 1)}: ≥ {TARGET}× FD's requests/s",
                f"{row.fd:.2f}× ({page['rps']:.0f} / {fd:.0f} req/s)",
                (row.fd or 0) >= TARGET and bad == 0,
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
