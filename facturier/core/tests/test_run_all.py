"""`facturier run-all` for real: a subprocess with its own var dir and free ports, asked over HTTP,
then stopped with SIGINT (as Ctrl-C does) or broken by killing one of its children."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from facturier.testing.ports import free_port, wait_for_port

pytestmark = pytest.mark.slow
EXPECTED = {"runserver", "worker", "sandbox-relay", "returns-listener"}


SCRIPT = Path(sys.executable).with_name("facturier")  # the console script, as `make run` calls it


def facturier(*args: str) -> list[str]:
    if SCRIPT.exists():
        return [str(SCRIPT), *args]
    return [sys.executable, "-c", "import sys; from facturier.cli import main; sys.exit(main())", *args]


@pytest.fixture
def var_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SMTP_URL"}}
    env.update(FACTURIER_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="config.settings", LOG_LEVEL="WARNING")
    subprocess.run(facturier("migrate", "--noinput"), env=env, check=True, capture_output=True)
    return env


@pytest.fixture
def run_all(var_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    port = free_port()
    log = tmp_path / "run-all.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            facturier(
                "run-all", "--port", str(port), "--relay-port", str(free_port()), "--returns-port", str(free_port())
            ),
            env=var_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield proc, port, log
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def children_of(proc: subprocess.Popen[bytes]) -> dict[str, psutil.Process]:
    """The running children by command name, once all of them have started."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = {}
        for child in psutil.Process(proc.pid).children():
            cmdline = child.cmdline()
            names = EXPECTED & set(cmdline)
            if names:
                found[names.pop()] = child
        if set(found) == EXPECTED:
            return found
        time.sleep(0.2)
    raise AssertionError(f"children did not all start: {found}")


def all_gone(processes: list[psutil.Process]) -> bool:
    return not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in processes)


def test_run_all_serves_the_login_page_and_stops_everything_on_sigint(
    run_all: tuple[subprocess.Popen[bytes], int, Path],
) -> None:
    proc, port, log = run_all
    children = children_of(proc)
    wait_for_port(port, timeout=60)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=10) as response:
        assert response.status == 200
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/web/web.css", timeout=10) as response:
        assert response.status == 200
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0, log.read_text()
    assert all_gone(list(children.values()))
    assert f"http://127.0.0.1:{port}/" in log.read_text()


def test_run_all_stops_the_others_and_fails_when_a_child_dies(
    run_all: tuple[subprocess.Popen[bytes], int, Path],
) -> None:
    proc, _port, log = run_all
    children = children_of(proc)
    children["worker"].kill()
    assert proc.wait(timeout=30) != 0
    assert "worker exited" in log.read_text()
    assert all_gone(list(children.values()))


def test_run_all_stops_everything_on_sigterm(run_all: tuple[subprocess.Popen[bytes], int, Path]) -> None:
    proc, _port, log = run_all
    children = children_of(proc)
    proc.terminate()
    assert proc.wait(timeout=30) == 0, log.read_text()
    assert all_gone(list(children.values()))
