"""`facturier reprocess-returns [ID ...]`: process failed (and never processed) returns again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from facturier.returns.services import inbound_reprocess


class Command(BaseCommand):
    help = "Process again the returned messages that failed (or the given ids)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="inbound message ids (default: all failed and stored)")

    def handle(self, *args: Any, **opts: Any) -> None:
        counts = inbound_reprocess(ids=opts["ids"] or None)
        summary = ", ".join(f"{state} {n}" for state, n in sorted(counts.items())) or "nothing to do"
        self.stdout.write(summary)
