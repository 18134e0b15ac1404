"""`make run` keeps its children up: scripts/stack.py's Supervisor, driven with tiny programs."""

import importlib.util
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("stack", ROOT / "scripts" / "stack.py")
stack = sys.modules.setdefault("stack", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(stack)

CRASH = [sys.executable, "-c", "import sys; sys.exit(1)"]
RUN_LONG = [sys.executable, "-c", "import time; time.sleep(60)"]


def supervise(supervisor, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        supervisor.check()
        time.sleep(0.02)


@pytest.fixture
def supervisor(tmp_path):
    supervisor = stack.Supervisor(
        cwd=tmp_path, env={}, first_delay=0.2, max_delay=0.8, stable_after=60
    )
    yield supervisor
    supervisor.stop()


def restart_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if "restarting" in line]


def test_a_crashed_child_is_started_again_after_a_growing_wait(supervisor, capsys):
    started = time.monotonic()
    supervisor.start("worker", CRASH)
    lines = []
    while len(lines) < 5 and time.monotonic() - started < 10:
        supervise(supervisor, 0.1)
        lines += restart_lines(capsys.readouterr().out)
    assert lines == [
        f"[stack] worker stopped (exit code 1); restarting in {wait} s"
        for wait in ["0.2", "0.4", "0.8", "0.8", "0.8"]
    ]
    # Four waits went by before the fifth stop: it really waited.
    assert time.monotonic() - started >= 0.2 + 0.4 + 0.8 + 0.8


def test_the_wait_starts_over_after_a_child_ran_long_enough(tmp_path, capsys):
    supervisor = stack.Supervisor(
        cwd=tmp_path, env={}, first_delay=0.1, max_delay=10, stable_after=0.2
    )
    try:
        supervisor.start(
            "beat", [sys.executable, "-c", "import sys, time; time.sleep(0.4); sys.exit(2)"]
        )
        supervise(supervisor, 2.5)
    finally:
        supervisor.stop()
    lines = restart_lines(capsys.readouterr().out)
    assert len(lines) >= 2
    assert set(lines) == {"[stack] beat stopped (exit code 2); restarting in 0.1 s"}


def test_a_running_child_is_left_alone(supervisor, capsys):
    supervisor.start("web", RUN_LONG)
    supervise(supervisor, 0.5)
    assert restart_lines(capsys.readouterr().out) == []
    assert supervisor.children[0].process.poll() is None


def test_stop_ends_every_child_and_nothing_is_started_again(supervisor, capsys):
    supervisor.start("web", RUN_LONG)
    supervisor.start("worker", CRASH)
    supervise(supervisor, 0.1)  # the worker has stopped and waits to be started again
    started = time.monotonic()
    supervisor.stop()
    assert time.monotonic() - started < 5
    web, worker = (child.process for child in supervisor.children)
    assert web.returncode == -15
    assert worker.returncode == 1
    supervise(supervisor, 0.5)
    assert worker is supervisor.children[1].process
    assert all(child.process.poll() is not None for child in supervisor.children)
