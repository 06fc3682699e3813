"""`facturier classify FILE...`: print the classifier's verdict for each file, one JSON object a line.

A debugging and support tool: it reads files, calls the pure classifier, and writes nothing else.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from facturier.returns.classify import classify


class Command(BaseCommand):
    help = "Classify returned e-mails (.eml files) and print one JSON verdict per file and line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        failed = 0
        for name in options["files"]:
            try:
                raw = Path(name).read_bytes()
            except OSError as exc:
                self.stderr.write(f"{name}: {exc.strerror or exc}")
                failed += 1
                continue
            verdict = classify(raw)
            self.stdout.write(json.dumps({"file": name, **verdict.as_dict()}, ensure_ascii=False, default=str))
        if failed:
            raise CommandError(f"{failed} file(s) could not be read", returncode=1)
