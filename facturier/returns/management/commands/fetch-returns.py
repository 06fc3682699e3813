"""`facturier fetch-returns [--once] [--idle]`: fetch returned mail from IMAP_URL (see README)."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from facturier.returns import imap

log = logging.getLogger(__name__)

# After a connection or database error: wait, then reconnect (the message stays on the server).
RECONNECT_SECONDS = 15


class Command(BaseCommand):
    help = "Fetch returned mail from IMAP: store, process, then move each message to the processed folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--idle", action="store_true", help="stay connected and wait with IMAP IDLE")
        parser.add_argument("--interval", type=float, default=60, help="seconds between polls without --idle")

    def handle(self, *args: Any, **opts: Any) -> None:
        config = imap.config_from_settings()
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        while True:
            try:
                n = imap.run(
                    config, once=opts["once"], idle=opts["idle"], interval=opts["interval"], should_stop=stop.is_set
                )
                self.stdout.write(f"fetched {n} message(s)")
                return
            except Exception:
                if opts["once"]:
                    raise
                log.exception("fetch-returns: error, reconnecting in %ss", RECONNECT_SECONDS)
                if stop.wait(RECONNECT_SECONDS):
                    return
