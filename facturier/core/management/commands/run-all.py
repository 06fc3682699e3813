"""`facturier run-all [--host H] [--port P]`: the whole embedded installation in one foreground
command: web UI, dispatch worker, sandbox relay and returns listener. Ctrl-C stops everything.

Django names commands after their module files and imports them with importlib, which accepts the
dash, so the file is named like the command the docs use.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from facturier.core.supervisor import ChildSpec, Supervisor
from facturier.invoices.demo import demo_password

# The processes of an embedded installation: (name, facturier command and arguments). Placeholders
# are filled from the options. Add a process here and run-all starts, watches and stops it.
PROCESSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    # --insecure: with DEBUG off, runserver serves static files only when told to. run-all is the
    # single-machine default on loopback; a production setup puts a WSGI server and a web server
    # (or WhiteNoise) in front instead, so a static-files dependency is not worth adding for it.
    ("web", ("runserver", "{host}:{port}", "--noreload", "--insecure")),
    ("worker", ("worker",)),
    ("sandbox-relay", ("sandbox-relay", "--port", "{relay_port}")),
    ("returns-listener", ("returns-listener", "--host", "127.0.0.1", "--port", "{returns_port}")),
)
WEB_READY_TIMEOUT = 60.0


def child_specs(*, host: str, port: int, relay_port: int, returns_port: int) -> list[ChildSpec]:
    values = {"host": host, "port": port, "relay_port": relay_port, "returns_port": returns_port}
    env = {"DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings")}
    if "SMTP_URL" not in os.environ:
        # No relay configured: the worker sends to the sandbox relay started here, on its port.
        env["SMTP_URL"] = f"smtp://127.0.0.1:{relay_port}"
    # `python -m django` with the same interpreter: works from a venv without the console script
    # on PATH, and the settings come from the environment as for `facturier`.
    base = [sys.executable, "-m", "django"]
    return [ChildSpec(name, [*base, *(a.format(**values) for a in args)], env) for name, args in PROCESSES]


class Command(BaseCommand):
    help = "Start the web UI, the worker, the sandbox relay and the returns listener; Ctrl-C stops them all."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="web UI address (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="web UI port (default 8000)")
        parser.add_argument("--relay-port", type=int, default=2525, help="sandbox relay port (default 2525)")
        parser.add_argument("--returns-port", type=int, default=2424, help="returns listener port (default 2424)")
        parser.add_argument("--stop-timeout", type=float, default=10.0, help="seconds before a child is killed")

    def handle(self, *args: Any, **opts: Any) -> None:
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        specs = child_specs(
            host=opts["host"], port=opts["port"], relay_port=opts["relay_port"], returns_port=opts["returns_port"]
        )
        supervisor = Supervisor(specs, stop_timeout=opts["stop_timeout"])
        self.stdout.write(f"run-all: starting {', '.join(s.name for s in specs)}")
        announce = _Announcer(self, opts["host"], opts["port"])
        outcome = supervisor.run(stop, on_tick=announce)
        if not outcome.ok:
            raise CommandError(f"run-all: {outcome.message}", returncode=1)
        self.stdout.write("run-all: stopped")


class _Announcer:
    """Prints the URL and the demo logins once the web UI accepts connections."""

    def __init__(self, command: BaseCommand, host: str, port: int) -> None:
        self.command, self.host, self.port, self.done = command, host, port, False

    def __call__(self) -> None:
        if self.done:
            return
        probe = "127.0.0.1" if self.host in {"0.0.0.0", "::", ""} else self.host.strip("[]")  # noqa: S104
        try:
            socket.create_connection((probe, self.port), timeout=0.5).close()
        except OSError:
            return  # not listening yet
        self.done = True
        shown = f"[{self.host}]" if ":" in self.host else self.host
        lines = [f"facturier is ready: http://{shown}:{self.port}/"]
        password = demo_password()
        if password:
            lines.append(f"demo logins: demo (admin), operator, viewer; password: {password}")
        lines.append("Ctrl-C stops everything.")
        self.command.stdout.write("\n".join(lines))
        self.command.stdout.flush()
