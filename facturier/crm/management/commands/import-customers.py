"""facturier import-customers FILE.csv [--dry-run]: create or update customers from a CSV file.

All-or-nothing: every line is checked first; one bad line means nothing is written and the command
exits 1 naming the line and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from facturier.crm.imports import CUSTOMER_COLUMNS, OPTIONAL_COLUMNS, customers_import, read_csv, validate_customers
from facturier.crm.inputs import InputError
from facturier.crm.progress import fail_with, progress_for


class Command(BaseCommand):
    help = (
        f"Import customers from a CSV file (columns {', '.join(CUSTOMER_COLUMNS)}; optional "
        f"{', '.join(OPTIONAL_COLUMNS)}). Emails separated by ';'. All lines or none are written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check every line, write nothing")
        parser.add_argument("--delimiter", default=",", help="CSV column separator (default ',')")

    def handle(self, *args: Any, file: Path, dry_run: bool, delimiter: str, **options: Any) -> None:
        progress = progress_for(options["verbosity"])
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            rows = list(read_csv(file, required=CUSTOMER_COLUMNS, delimiter=delimiter))
        except (InputError, UnicodeDecodeError, OSError) as exc:
            raise CommandError(f"{file}: {exc}") from None
        items, errors = validate_customers(progress(rows, "checking"))
        if errors:
            fail_with(self.stderr, file, errors)
        if dry_run:
            self.stdout.write(f"{len(items)} customer(s) checked, no error; nothing written (--dry-run)")
            return
        created, updated = customers_import(items=progress(items, "writing"))
        self.stdout.write(f"{created} customer(s) created, {updated} updated")
