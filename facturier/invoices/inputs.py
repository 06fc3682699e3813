"""What the ERP may send about an invoice, checked in one place for the API (JSON and multipart)
and the folder import. Checks that need the database (customer exists, number is new) are made by
invoices.services, which raises crm.inputs.InputError naming the field."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from facturier.invoices.pdf_check import PdfInvalid, pdf_check


class SendAtInput(BaseModel):
    """A send time as callers give it: ISO 8601 with an offset, never a naive local time."""

    send_at: dt.datetime | None = Field(
        None, description="ISO 8601 with offset, e.g. 2026-11-24T08:00:00+01:00; omitted = company policy (or now)"
    )

    @field_validator("send_at", mode="before")
    @classmethod
    def _send_at_text(cls, value: Any) -> Any:
        if value is None or value == "":
            return None
        if not isinstance(value, str | dt.datetime):
            # pydantic would read a number as a Unix time: too easy to send by mistake.
            raise ValueError("must be an ISO 8601 date-time with offset, e.g. 2026-11-24T08:00:00+01:00")
        return value

    @field_validator("send_at")
    @classmethod
    def _send_at_aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise ValueError("must include a UTC offset, e.g. 2026-11-24T08:00:00+01:00 or ...Z")
        return value


class InvoiceFields(SendAtInput):
    """An invoice's metadata; the PDF comes beside it (base64 in JSON, a file in multipart or CSV)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    number: str = Field(min_length=1, max_length=64, description="the ERP's invoice number, unique")
    customer_ref: str = Field(min_length=1, max_length=64, description="the customer's external_ref")
    issue_date: dt.date
    due_date: dt.date = Field(description="not before issue_date")
    total: Decimal = Field(ge=0, max_digits=14, decimal_places=2, description="amount due, e.g. 120.00")
    currency: str = Field(description="ISO 4217 code, e.g. EUR")

    @field_validator("due_date")
    @classmethod
    def _due_after_issue(cls, value: dt.date, info: Any) -> dt.date:
        issued = info.data.get("issue_date")
        if issued is not None and value < issued:
            raise ValueError("must not be before issue_date")
        return value

    @field_validator("total", mode="before")
    @classmethod
    def _total(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be a decimal number such as 120.00")
        if isinstance(value, float):
            return str(value)  # 0.1 stays 0.1, not 0.1000000000000000055511151231257827
        return value

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, value: Any) -> str:
        code = str(value or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise ValueError("must be a three-letter ISO 4217 code such as EUR")
        return code


class InvoiceJsonIn(InvoiceFields):
    pdf_base64: str = Field(description="the PDF, base64-encoded")
    _pdf: bytes = PrivateAttr(default=b"")

    @field_validator("pdf_base64", mode="before")
    @classmethod
    def _pdf_is_pdf(cls, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("must be a base64 string")
        data = decode_base64(value)
        try:
            pdf_check(data)
        except PdfInvalid as exc:
            raise ValueError(str(exc)) from None
        return value

    def pdf_bytes(self) -> bytes:
        if not self._pdf:
            self._pdf = decode_base64(self.pdf_base64)
        return self._pdf


def decode_base64(text: str) -> bytes:
    # Line breaks are tolerated (many encoders wrap at 76 columns); any other stray character is not.
    compact = re.sub(r"\s+", "", text)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("is not valid base64") from None


class InvoiceCsvRow(InvoiceFields):
    """One line of invoices.csv in an import folder."""

    pdf: str = Field(min_length=1, description="file name of the PDF, in the same folder")

    @field_validator("pdf")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if "/" in value or "\\" in value or value in {".", ".."}:
            raise ValueError("must be a file name in the import folder, without a path")
        return value
