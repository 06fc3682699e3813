"""`facturier returns-listener [--lmtp] --host 127.0.0.1 --port N`: an LMTP/SMTP server for the MTA
that receives the return path's mail (see README, "Returns")."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from facturier.returns.listener import start_listener


class Command(BaseCommand):
    help = "Receive returned mail from an MTA over LMTP (or SMTP), store it, then process it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lmtp", action="store_true", help="speak LMTP (per-recipient replies)")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2424)

    def handle(self, *args: Any, **opts: Any) -> None:
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        controller = start_listener(host=opts["host"], port=opts["port"], lmtp=opts["lmtp"])
        proto = "LMTP" if opts["lmtp"] else "SMTP"
        self.stdout.write(f"returns listener ({proto}) on {opts['host']}:{opts['port']}")
        try:
            stop.wait()
        finally:
            controller.stop()
