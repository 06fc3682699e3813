"""Bulk import of invoices from a folder: PDFs plus invoices.csv (number, customer_ref, issue_date,
due_date, total, currency, pdf, send_at optional). Everything is checked first (fields as the API
checks them, each PDF opened, customers found, numbers new), then all invoices are written in one
transaction: one bad line and nothing is written (all-or-nothing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.core.files.storage import default_storage
from django.db import transaction
from pydantic import ValidationError

from facturier.crm.imports import LineError, given
from facturier.crm.inputs import InputError, field_errors
from facturier.crm.selectors import customers_by_ref
from facturier.invoices.inputs import InvoiceCsvRow
from facturier.invoices.models import Invoice
from facturier.invoices.pdf_check import PdfInvalid, pdf_check
from facturier.invoices.services import invoice_create

METADATA_FILE = "invoices.csv"
INVOICE_COLUMNS = ["number", "customer_ref", "issue_date", "due_date", "total", "currency", "pdf"]


@dataclass(frozen=True)
class InvoiceLine:
    line: int
    data: InvoiceCsvRow
    pdf_path: Path


def validate_invoice_rows(
    rows: Iterable[tuple[int, dict[str, str]]], *, folder: Path
) -> tuple[list[InvoiceLine], list[LineError]]:
    """Field checks and PDF checks, line by line; then the database checks in two queries."""
    items: list[InvoiceLine] = []
    errors: list[LineError] = []
    seen: dict[str, int] = {}
    for line, cells in rows:
        try:
            data = InvoiceCsvRow.model_validate(given(cells, INVOICE_COLUMNS))
        except ValidationError as exc:
            errors += [LineError(line, f, m) for f, m in field_errors(exc)]
            continue
        if data.number in seen:
            errors.append(LineError(line, "number", f"{data.number!r} is also on line {seen[data.number]}"))
            continue
        seen[data.number] = line
        path = folder / data.pdf
        problem = _pdf_problem(path)
        if problem:
            errors.append(LineError(line, "pdf", f"{data.pdf}: {problem}"))
            continue
        items.append(InvoiceLine(line=line, data=data, pdf_path=path))
    errors += _database_problems(items)
    errors.sort(key=lambda e: e.line)
    return items, errors


def _pdf_problem(path: Path) -> str:
    if not path.is_file():
        return "no such file in the folder"
    try:
        pdf_check(path.read_bytes())
    except PdfInvalid as exc:
        return str(exc)
    return ""


def _database_problems(items: list[InvoiceLine]) -> list[LineError]:
    customers = customers_by_ref(refs=(i.data.customer_ref for i in items))
    taken = set(Invoice.objects.filter(number__in=[i.data.number for i in items]).values_list("number", flat=True))
    errors = []
    for item in items:
        if item.data.customer_ref not in customers:
            errors.append(
                LineError(item.line, "customer_ref", f"no customer with external_ref {item.data.customer_ref!r}")
            )
        if item.data.number in taken:
            errors.append(LineError(item.line, "number", f"invoice {item.data.number!r} already exists"))
    return errors


def invoices_import(*, items: Iterable[InvoiceLine], actor: str, now: dt.datetime | None = None) -> int:
    """Create every invoice in one transaction; returns how many. Raises InputError with the line
    number prefixed if one still fails (e.g. created meanwhile through the API)."""
    stored: list[str] = []
    count = 0
    try:
        with transaction.atomic():
            for item in items:
                try:
                    invoice = invoice_create(
                        data=item.data,
                        pdf_bytes=item.pdf_path.read_bytes(),
                        actor=actor,
                        source="folder",
                        pdf_field="pdf",
                        now=now,
                    )
                except InputError as exc:
                    raise InputError(exc.field, f"line {item.line}: {exc.message}") from None
                stored.append(invoice.pdf.name)
                count += 1
    except BaseException:
        # Storage is not transactional: remove the PDFs of the rolled-back invoices.
        for name in stored:
            default_storage.delete(name)
        raise
    return count
