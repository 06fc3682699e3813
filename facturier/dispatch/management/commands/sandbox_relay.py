"""`facturier sandbox-relay` (also `sandbox_relay`): the bundled SMTP sandbox on 127.0.0.1."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from facturier.dispatch.sandbox import DEFAULT_PORT, HOST, SandboxRelay


class Command(BaseCommand):
    # The relay touches neither the database nor the URLs: it starts even while the rest of the
    # project has a configuration error to fix.
    requires_system_checks: list[str] = []
    help = "Run the sandbox SMTP relay on 127.0.0.1: accepts every message (DSN advertised) and keeps it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port on {HOST} (default {DEFAULT_PORT})")
        parser.add_argument("--dir", default=None, help="where to keep messages (FACTURIER_SANDBOX_DIR)")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["dir"] or settings.FACTURIER_SANDBOX_DIR)
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        relay = SandboxRelay(port=options["port"], directory=directory)
        # Test domains (bounce.sandbox.test, ooo.sandbox.test, ...) answer like a real MTA would:
        # DSNs and auto-replies fed to the returns ingestion (README, "Returns").
        from facturier.returns.sandbox_returns import install as install_sandbox_returns

        install_sandbox_returns()
        relay.start()
        self.stdout.write(f"sandbox relay listening on {HOST}:{options['port']}, keeping mail in {directory}")
        try:
            stop.wait()
        finally:
            relay.stop()
