"""Bulk import of customers from a CSV file: everything is checked first, then written in one
transaction, so a file with one bad line writes nothing (all-or-nothing).

The checks are those of the API (crm.inputs.CustomerIn); only the reading of cells is CSV-specific:
an empty cell means "not given" (an update keeps the stored value), emails are separated by ';'.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from pydantic import ValidationError

from facturier.crm.inputs import CustomerIn, InputError, field_errors
from facturier.crm.services import customer_upsert

CUSTOMER_COLUMNS = ["external_ref", "name", "emails", "language"]
OPTIONAL_COLUMNS = [
    "postal_name",
    "line1",
    "line2",
    "postal_code",
    "city",
    "country",
    "time_zone",
    "send_days",
    "send_from",
    "send_until",
    "phone",
]


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return (
            f"line {self.line}, field {self.field}: {self.message}"
            if self.field
            else f"line {self.line}: {self.message}"
        )


def read_csv(path: Path, *, required: list[str], delimiter: str = ",") -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data line; raises InputError naming the file's first line when
    a required column is missing. utf-8 with or without BOM (as spreadsheets write it)."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh, delimiter=delimiter)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in required if c not in header]
        if missing:
            raise InputError(
                "", f"line 1: missing column(s) {', '.join(missing)} (found: {', '.join(header) or 'none'})"
            )
        reader.fieldnames = header
        for row in reader:
            cells = {k: (v or "").strip() for k, v in row.items() if k is not None}
            if any(cells.values()):  # blank lines are skipped, as a spreadsheet user expects
                yield reader.line_num, cells


def given(cells: dict[str, str], required: Iterable[str]) -> dict[str, Any]:
    """Empty optional cells become "not given"; required ones stay, so the error names them."""
    keep = set(required)
    return {k: v for k, v in cells.items() if v != "" or k in keep}


def validate_customers(rows: Iterable[tuple[int, dict[str, str]]]) -> tuple[list[CustomerIn], list[LineError]]:
    items: list[CustomerIn] = []
    errors: list[LineError] = []
    seen: dict[str, int] = {}
    for line, cells in rows:
        try:
            item = CustomerIn.model_validate(given(cells, CUSTOMER_COLUMNS))
        except ValidationError as exc:
            errors += [LineError(line, f, m) for f, m in field_errors(exc)]
            continue
        if item.external_ref in seen:
            errors.append(
                LineError(line, "external_ref", f"{item.external_ref!r} is also on line {seen[item.external_ref]}")
            )
            continue
        seen[item.external_ref] = line
        items.append(item)
    return items, errors


@transaction.atomic
def customers_import(*, items: Iterable[CustomerIn]) -> tuple[int, int]:
    """Upsert every customer in one transaction; returns (created, updated)."""
    created = updated = 0
    for item in items:
        _, was_created = customer_upsert(data=item)
        created += was_created
        updated += not was_created
    return created, updated
