"""A one-page A4 invoice PDF for the demo data, rendered with WeasyPrint from an HTML template.

Real ERPs send their own PDFs; this exists so the demo (and its mails) carry something that looks
like an invoice: seller, buyer's address block, lines, VAT and totals, in the buyer's language.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.template.loader import render_to_string

# WeasyPrint logs every rendering step at INFO: hundreds of lines for one demo-data run.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

CENT = Decimal("0.01")
VAT_RATE = Decimal("0.20")  # French standard rate: the demo seller is a French company

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Facture",
        "number": "N° de facture",
        "issued": "Date d'émission",
        "due": "Échéance",
        "customer": "Réf. client",
        "description": "Désignation",
        "qty": "Qté",
        "unit": "Prix unitaire HT",
        "amount": "Montant HT",
        "net": "Total HT",
        "vat": "TVA 20 %",
        "gross": "Total TTC",
        "terms": "Paiement par virement à l'échéance. Pénalités de retard : trois fois le taux d'intérêt légal ; "
        "indemnité forfaitaire pour frais de recouvrement : 40 €.",
        "bank": "Coordonnées bancaires",
    },
    "en": {
        "title": "Invoice",
        "number": "Invoice no.",
        "issued": "Issue date",
        "due": "Due date",
        "customer": "Customer ref.",
        "description": "Description",
        "qty": "Qty",
        "unit": "Unit price (excl. VAT)",
        "amount": "Amount (excl. VAT)",
        "net": "Total excl. VAT",
        "vat": "VAT 20%",
        "gross": "Total incl. VAT",
        "terms": "Payable by bank transfer by the due date. Late payment: interest at three times the legal rate "
        "and a fixed recovery fee of €40.",
        "bank": "Bank details",
    },
    "de": {
        "title": "Rechnung",
        "number": "Rechnungsnummer",
        "issued": "Rechnungsdatum",
        "due": "Fällig am",
        "customer": "Kundennummer",
        "description": "Beschreibung",
        "qty": "Menge",
        "unit": "Einzelpreis netto",
        "amount": "Betrag netto",
        "net": "Summe netto",
        "vat": "USt. 20 %",
        "gross": "Gesamtbetrag",
        "terms": "Zahlbar per Überweisung bis zum Fälligkeitsdatum. Bei Zahlungsverzug: Zinsen in Höhe des "
        "dreifachen gesetzlichen Zinssatzes und eine Pauschale von 40 €.",
        "bank": "Bankverbindung",
    },
}


@dataclass(frozen=True)
class DemoLine:
    description: str
    quantity: int
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return (self.unit_price * self.quantity).quantize(CENT)


@dataclass(frozen=True)
class DemoInvoiceDoc:
    """What the PDF shows: plain values, so rendering needs no database row."""

    number: str
    language: str
    customer_ref: str
    buyer_lines: tuple[str, ...]  # the address block as it goes in the envelope window
    issue_date: dt.date
    due_date: dt.date
    lines: tuple[DemoLine, ...]

    @property
    def net(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def vat(self) -> Decimal:
        return (self.net * VAT_RATE).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


def render_invoice_pdf(doc: DemoInvoiceDoc) -> bytes:
    """The invoice as PDF bytes (one A4 page for up to about fifteen lines)."""
    import weasyprint  # imported here: loading it costs ~0.3 s, and only demo-data needs it

    html = render_to_string("invoices/demo_invoice.html", _context(doc))
    return bytes(weasyprint.HTML(string=html).write_pdf())


def _context(doc: DemoInvoiceDoc) -> dict[str, object]:
    return {
        "doc": doc,
        "label": LABELS.get(doc.language, LABELS["en"]),
        "seller_name": settings.FACTURIER_COMPANY_NAME,
        "seller_address": settings.FACTURIER_COMPANY_ADDRESS.splitlines(),
        "seller_contact": settings.FACTURIER_COMPANY_CONTACT,
        "money": {
            "net": money(doc.net, doc.language),
            "vat": money(doc.vat, doc.language),
            "gross": money(doc.gross, doc.language),
        },
        "rows": [
            {"line": line, "unit": money(line.unit_price, doc.language), "amount": money(line.amount, doc.language)}
            for line in doc.lines
        ],
        "issued": _date(doc.issue_date, doc.language),
        "due": _date(doc.due_date, doc.language),
    }


def money(value: Decimal, language: str) -> str:
    """Euros as the reader writes them: 1 234,50 € (fr), 1.234,50 € (de), €1,234.50 (en)."""
    text = f"{value.quantize(CENT):,.2f}"  # 1,234.50
    if language == "en":
        return f"€{text}"
    thousands = "\u202f" if language == "fr" else "."
    text = text.replace(",", "_").replace(".", ",").replace("_", thousands)
    return f"{text}\u00a0€"


def _date(day: dt.date, language: str) -> str:
    return day.strftime("%d/%m/%Y" if language == "fr" else "%d.%m.%Y" if language == "de" else "%d %b %Y")
