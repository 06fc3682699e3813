"""facturier import-invoices FOLDER [--dry-run]: invoices from a folder of PDFs and invoices.csv.

All-or-nothing: every line and every PDF is checked first; one bad line means nothing is written
and the command exits 1 naming the line and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from facturier.crm.imports import read_csv
from facturier.crm.inputs import InputError
from facturier.crm.progress import fail_with, progress_for
from facturier.invoices.imports import INVOICE_COLUMNS, METADATA_FILE, invoices_import, validate_invoice_rows


class Command(BaseCommand):
    help = (
        f"Import invoices from a folder holding the PDFs and {METADATA_FILE} (columns "
        f"{', '.join(INVOICE_COLUMNS)}, send_at optional). All invoices or none are written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check every line and PDF, write nothing")
        parser.add_argument("--delimiter", default=",", help="CSV column separator (default ',')")

    def handle(self, *args: Any, folder: Path, dry_run: bool, delimiter: str, **options: Any) -> None:
        progress = progress_for(options["verbosity"])
        metadata = folder / METADATA_FILE
        if not metadata.is_file():
            raise CommandError(f"{folder}: no {METADATA_FILE} in this folder")
        try:
            rows = list(read_csv(metadata, required=INVOICE_COLUMNS, delimiter=delimiter))
        except (InputError, UnicodeDecodeError, OSError) as exc:
            raise CommandError(f"{metadata}: {exc}") from None
        items, errors = validate_invoice_rows(progress(rows, "checking"), folder=folder)
        if errors:
            fail_with(self.stderr, metadata, errors)
        if dry_run:
            self.stdout.write(f"{len(items)} invoice(s) checked, no error; nothing written (--dry-run)")
            return
        try:
            count = invoices_import(items=progress(items, "writing"), actor="cli:import-invoices")
        except InputError as exc:
            raise CommandError(f"{metadata}: field {exc.field}: {exc.message}. Nothing was written.") from None
        self.stdout.write(f"{count} invoice(s) imported")
