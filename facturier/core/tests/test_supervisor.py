"""The process supervisor behind run-all, with small Python children instead of the real servers."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import psutil

from facturier.core.supervisor import ChildSpec, Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
# Ignores SIGTERM, like a child stuck in a call that does not return: must be killed.
STUBBORN = [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"]


def stop_after(seconds: float) -> threading.Event:
    stop = threading.Event()
    threading.Timer(seconds, stop.set).start()
    return stop


def gone(pids: list[int]) -> bool:
    return not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in pids)


def test_stop_request_stops_every_child_and_counts_as_success() -> None:
    supervisor = Supervisor([ChildSpec("a", SLEEPER), ChildSpec("b", SLEEPER)])
    outcome = supervisor.run(stop_after(0.5))
    assert outcome.ok and outcome.failed is None
    assert all(child.returncode is not None for child in supervisor.children.values())
    assert gone([c.pid for c in supervisor.children.values()])


def test_a_child_that_ends_stops_the_others_and_counts_as_failure() -> None:
    supervisor = Supervisor(
        [ChildSpec("sleeper", SLEEPER), ChildSpec("quitter", [sys.executable, "-c", "raise SystemExit(3)"])]
    )
    outcome = supervisor.run(threading.Event())
    assert not outcome.ok and outcome.failed == "quitter"
    assert "quitter exited with code 3" in outcome.message
    assert supervisor.children["sleeper"].returncode is not None


def test_a_child_that_ignores_sigterm_is_killed_after_the_timeout() -> None:
    supervisor = Supervisor([ChildSpec("stubborn", STUBBORN)], stop_timeout=0.5)
    started = time.monotonic()
    assert supervisor.run(stop_after(0.5)).ok
    assert supervisor.children["stubborn"].returncode == -9
    assert time.monotonic() - started < 10


def test_children_get_the_extra_environment(tmp_path: Path) -> None:
    out = tmp_path / "seen"
    script = f"import os, pathlib, time; pathlib.Path({str(out)!r}).write_text(os.environ['FOO']); time.sleep(60)"
    supervisor = Supervisor([ChildSpec("env", [sys.executable, "-c", script], {"FOO": "bar"})])
    stop = threading.Event()
    supervisor.run(stop, on_tick=lambda: out.exists() and stop.set())
    assert out.read_text() == "bar"
