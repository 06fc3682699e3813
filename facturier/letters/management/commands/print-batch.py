"""`facturier print-batch`: print the batches whose cut-off has come; --now prints every open batch
at once (the cut-off by hand); --retry ID sends a failed batch again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from facturier.letters.batches import batch_close, cut_off_due
from facturier.letters.selectors import open_batch_ids


class Command(BaseCommand):
    help = "Close the print batch and send it to the printer (CUPS queue or hot folder)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", action="store_true", help="print every open batch now, before its cut-off")
        parser.add_argument("--retry", type=int, metavar="BATCH_ID", help="send a failed batch again")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["retry"]:
            ids, retry = [options["retry"]], True
        elif options["now"]:
            ids, retry = open_batch_ids(), False
        else:
            self.stdout.write(f"{cut_off_due(now=now)} batch(es) due at their cut-off handled")
            return
        if not ids:
            self.stdout.write("no open batch")
        for batch_id in ids:
            batch = batch_close(batch_id=batch_id, now=now, retry=retry)
            if batch is None:
                self.stdout.write(f"batch {batch_id}: taken by another worker")
            else:
                detail = batch.error or batch.output
                self.stdout.write(f"batch {batch.pk}: {batch.state}, {batch.letter_count} letters, {detail}")
