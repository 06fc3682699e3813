"""`facturier worker`: send due e-mail dispatches and run the periodic jobs (see dispatch.worker)."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from facturier.dispatch.message import check_sender_settings
from facturier.dispatch.transport import SmtpUrlError, parse_smtp_url
from facturier.dispatch.worker import IDLE_SLEEP_SECONDS, run_worker, worker_id


class Command(BaseCommand):
    help = "Send due e-mail dispatches and run the periodic jobs; SIGTERM/SIGINT finish the current message."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="process what is due now, then exit")
        parser.add_argument(
            "--batch", type=int, default=None, help="dispatches claimed at a time (FACTURIER_WORKER_BATCH)"
        )
        parser.add_argument(
            "--idle", type=float, default=IDLE_SLEEP_SECONDS, help="seconds to wait when nothing is due (default 1)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Configuration mistakes stop the worker at once, instead of failing every dispatch.
        try:
            parse_smtp_url(settings.SMTP_URL)
            check_sender_settings()
        except (SmtpUrlError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            # Only a flag: the message under way is finished and recorded, the rest of the batch
            # is put back, then the loop ends.
            stop.set()

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, request_stop)
            signal.signal(signal.SIGINT, request_stop)
        self.stdout.write(f"worker {worker_id()} ready")
        self.stdout.flush()
        sent = run_worker(once=options["once"], batch=options["batch"], stop=stop, idle_seconds=options["idle"])
        self.stdout.write(f"worker stopped: {sent} dispatch(es) handled")
