"""Test helpers for letters: invoices with real text pages, bounced dispatches, text positions."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader

from facturier.dispatch.models import Dispatch
from facturier.dispatch.services import dispatch_create, dispatch_transition
from facturier.dispatch.states import State
from facturier.invoices.models import Invoice

PT_PER_MM = 72 / 25.4


def invoice_pdf(number: str, pages: int = 2) -> bytes:
    """An invoice PDF like an ERP's: A4 pages with text (WeasyPrint)."""
    from weasyprint import HTML

    body = "".join(
        f'<section style="page-break-after: always">INVOICE {number} PAGE {n} OF {pages}</section>'
        for n in range(1, pages + 1)
    )
    return bytes(HTML(string=f"<html><body style='font-family: DejaVu Sans'>{body}</body></html>").write_pdf())


def bounced_dispatch(invoice: Invoice, *, address: str | None = None) -> Dispatch:
    """An e-mail dispatch taken through sending -> accepted -> bounced_hard, with DSN-like evidence."""
    address = address or invoice.customer.emails.first().address  # type: ignore[union-attr]
    dispatch = dispatch_create(invoice=invoice, recipient=address, send_at=invoice.created_at)
    dispatch_transition(dispatch=dispatch, to=State.SENDING, kind="sending", summary="sending")
    dispatch_transition(dispatch=dispatch, to=State.ACCEPTED, kind="smtp_accepted", summary="250 2.0.0 Ok: queued")
    dispatch_transition(
        dispatch=dispatch,
        to=State.BOUNCED_HARD,
        kind="dsn",
        summary="550 5.1.1 user unknown",
        evidence=dsn_evidence(address),
    )
    return dispatch


def dsn_evidence(address: str) -> dict[str, Any]:
    return {
        "action": "failed",
        "status": "5.1.1",
        "final_recipient": f"rfc822; {address}",
        "diagnostic": "smtp; 550 5.1.1 <" + address + ">: Recipient address rejected: User unknown",
        "reporting_mta": "dns; mx.example.net",
    }


@dataclass(frozen=True)
class PlacedText:
    text: str
    x_mm: float  # from the sheet's left edge
    y_mm: float  # baseline, from the sheet's top edge


def placed_text(pdf: bytes, page: int = 0) -> list[PlacedText]:
    """Every text run on the page with its position, from pypdf's text visitor."""
    reader = PdfReader(io.BytesIO(pdf))
    sheet = reader.pages[page]
    height = float(sheet.mediabox.height)
    found: list[PlacedText] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: Any) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        found.append(PlacedText(text.strip(), x / PT_PER_MM, (height - y) / PT_PER_MM))

    sheet.extract_text(visitor_text=visit)
    return found


def pdf_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
