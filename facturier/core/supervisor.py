"""Run a few child processes in the foreground, as one: used by `facturier run-all`. No Django import.

If any child ends, the others are stopped and the run counts as failed; a stop request (SIGINT or
SIGTERM on the parent) stops them all and counts as success. Stopping sends SIGTERM, waits, then
SIGKILLs what is left, so a stuck child cannot keep the terminal.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

POLL_SECONDS = 0.2


@dataclass(frozen=True)
class ChildSpec:
    name: str
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict)  # added to the parent's environment


@dataclass
class Outcome:
    ok: bool
    message: str
    failed: str | None = None  # the child that ended on its own, if any


class Supervisor:
    def __init__(self, specs: Sequence[ChildSpec], *, stop_timeout: float = 10.0) -> None:
        self.specs = list(specs)
        self.stop_timeout = stop_timeout
        self.children: dict[str, subprocess.Popen[bytes]] = {}

    def start(self) -> None:
        for spec in self.specs:
            # Its own process group: Ctrl-C in the terminal reaches only the parent, which then
            # stops the children in order, and a child's own subprocesses go down with it.
            self.children[spec.name] = subprocess.Popen(
                list(spec.argv), env={**os.environ, **spec.env}, process_group=0
            )

    def first_exited(self) -> tuple[str, int] | None:
        for name, child in self.children.items():
            code = child.poll()
            if code is not None:
                return name, code
        return None

    def run(self, stop: threading.Event, *, on_tick: Callable[[], None] | None = None) -> Outcome:
        """Start the children and watch them until one ends or stop is set; then stop them all."""
        self.start()
        try:
            while not stop.wait(POLL_SECONDS):
                exited = self.first_exited()
                if exited:
                    name, code = exited
                    return Outcome(False, f"{name} exited with code {code}; stopping the others", failed=name)
                if on_tick:
                    on_tick()
            return Outcome(True, "stopped")
        finally:
            self.stop_all()

    def stop_all(self) -> None:
        alive = [c for c in self.children.values() if c.poll() is None]
        for child in alive:
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for child in alive:
            try:
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(child, signal.SIGKILL)
                child.wait()


def _signal_group(child: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(child.pid, sig)
