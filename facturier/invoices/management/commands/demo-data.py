"""`facturier demo-data [--if-empty] [--customers N] [--invoices M]`: fill the database for a demo.

Django names commands after their module files and imports them with importlib, which accepts the
dash, so the file is named like the command the docs use.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from facturier.invoices.demo import demo_data_create, demo_password_file, demo_users_ensure
from facturier.invoices.models import Invoice


class Command(BaseCommand):
    help = (
        "Create demo customers, invoices with PDFs (a share due within ten minutes, the rest over the next "
        "days) and the demo logins demo (admin), operator and viewer."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="do nothing when invoices already exist")
        parser.add_argument("--customers", type=int, default=36, help="number of customers (default 36)")
        parser.add_argument("--invoices", type=int, default=240, help="number of invoices (default 240)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed: same seed, same customers")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["if_empty"] and Invoice.objects.exists():
            self.stdout.write("demo-data: invoices exist already, nothing to do (--if-empty)")
            return
        started = time.monotonic()
        summary = demo_data_create(
            customers=max(1, opts["customers"]), invoices=max(0, opts["invoices"]), seed=opts["seed"]
        )
        password = demo_users_ensure()
        self.stdout.write(
            f"demo-data: {summary.customers} customers, {summary.invoices} invoices, "
            f"{summary.dispatches} dispatches scheduled in {time.monotonic() - started:.1f}s"
        )
        self.stdout.write(
            f"demo logins: demo (admin), operator, viewer; password {password} (in {demo_password_file()})"
        )
