from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from facturier.crm.inputs import field_errors
from facturier.invoices.inputs import InvoiceCsvRow, InvoiceJsonIn
from facturier.testing.factories import make_pdf

BASE = {
    "number": " F-1 ",
    "customer_ref": "C-1",
    "issue_date": "2026-11-23",
    "due_date": "2026-11-23",
    "total": 0.1,
    "currency": "eur",
    "pdf_base64": base64.encodebytes(make_pdf()).decode(),  # wrapped at 76 columns, as many encoders do
}


def errors_of(**overrides: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        InvoiceJsonIn.model_validate({**BASE, **overrides})
    return field_errors(caught.value)


def test_values_are_normalised() -> None:
    data = InvoiceJsonIn.model_validate(BASE)
    assert data.number == "F-1" and data.currency == "EUR"
    assert data.total == Decimal("0.1")  # from a JSON float, without binary noise
    assert data.pdf_bytes() == make_pdf()
    assert data.send_at is None


def test_send_at_keeps_its_offset() -> None:
    data = InvoiceJsonIn.model_validate({**BASE, "send_at": "2026-11-24T08:00:00+01:00"})
    assert data.send_at == dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)


def test_messages_are_plain_sentences_naming_one_field() -> None:
    [(field, message)] = errors_of(send_at="2026-11-24T08:00:00")
    assert field == "send_at" and "offset" in message and not message.startswith("Value error")
    [(field, message)] = errors_of(due_date="2026-11-22")
    assert field == "due_date" and "issue_date" in message


def test_a_boolean_is_not_a_total() -> None:
    assert errors_of(total=True)[0][0] == "total"


def test_a_csv_row_refuses_a_path_as_pdf_name() -> None:
    row = {k: v for k, v in BASE.items() if k != "pdf_base64"}
    with pytest.raises(ValidationError) as caught:
        InvoiceCsvRow.model_validate({**row, "pdf": "/etc/passwd"})
    assert field_errors(caught.value)[0][0] == "pdf"
