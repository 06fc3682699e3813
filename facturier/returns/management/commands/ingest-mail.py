"""`facturier ingest-mail < message.eml`: for an MTA alias or pipe transport.

Exit codes follow sysexits.h, which MTAs understand: 0 stored (even if processing then failed: the
message is kept and retried here), 65 EX_DATAERR for empty input (retrying will not help), 75
EX_TEMPFAIL when it could not be stored now, so the MTA keeps the message and tries again.

Postfix pipe(8) exports $ORIGINAL_RECIPIENT and $RECIPIENT; local(8) aliases export $RECIPIENT.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from facturier.returns.ingest import TemporaryStoreError, inbound_store
from facturier.returns.services import inbound_process

log = logging.getLogger(__name__)

EX_OK, EX_DATAERR, EX_TEMPFAIL = 0, 65, 75


class Command(BaseCommand):
    help = "Store and process one returned message read from standard input (for MTA pipes)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--recipient", default="", help="envelope recipient (the VERP address)")
        parser.add_argument("--sender", default="", help="envelope sender")
        parser.add_argument("--no-process", action="store_true", help="store only; the worker processes it")

    def handle(self, *args: Any, **opts: Any) -> None:
        sys.exit(self.ingest(sys.stdin.buffer.read(), **opts))

    def ingest(self, raw: bytes, *, recipient: str = "", sender: str = "", no_process: bool = False, **_: Any) -> int:
        if not raw.strip():
            self.stderr.write("ingest-mail: empty input")
            return EX_DATAERR
        recipient = recipient or os.environ.get("ORIGINAL_RECIPIENT", "") or os.environ.get("RECIPIENT", "")
        sender = sender or os.environ.get("SENDER", "")
        try:
            inbound, created = inbound_store(raw=raw, source="pipe", envelope_from=sender, envelope_to=recipient)
        except TemporaryStoreError as exc:
            self.stderr.write(f"ingest-mail: {exc}")
            return EX_TEMPFAIL
        except Exception as exc:
            log.exception("ingest-mail: could not store")
            self.stderr.write(f"ingest-mail: {type(exc).__name__}: {exc}")
            return EX_TEMPFAIL
        if not no_process:
            inbound_process(inbound_id=inbound.pk)
        self.stdout.write(f"stored {inbound.pk}{'' if created else ' (already known)'}")
        return EX_OK
