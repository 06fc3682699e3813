"""Cover letters: HTML templates (fr/en/de) rendered to A4 PDF with WeasyPrint, then the invoice's
own pages appended unchanged (pypdf). Django templates and settings only; no database access."""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass

import segno
from django.template.loader import render_to_string
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError

from facturier.letters.envelope import FOLD_MARKS_MM, AddressField

# pypdf logs every repaired cross-reference table; a bad ERP PDF is reported as a work item instead.
logging.getLogger("pypdf").setLevel(logging.ERROR)
# WeasyPrint logs each layout step at INFO: thousands of lines for one print batch.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

LANGUAGES = ("fr", "en", "de")
_MONTHS = {
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "de": [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
}


class BadInvoicePdf(ValueError):
    """The ERP's PDF cannot be printed: not a PDF, damaged, or locked by a password."""


def long_date(day: dt.date, language: str) -> str:
    month = _MONTHS.get(language, _MONTHS["en"])[day.month - 1]
    if language == "de":
        return f"{day.day}. {month} {day.year}"
    return f"{day.day} {month} {day.year}"


@dataclass(frozen=True)
class CoverLetter:
    """Everything a cover letter shows. failed_address empty = a plain "print now" letter."""

    language: str
    recipient_lines: list[str]
    invoice_number: str
    letter_date: dt.date
    company_name: str
    company_address_lines: list[str]
    company_contact: str
    window: AddressField
    failed_address: str = ""
    failed_on: dt.date | None = None
    portal_url: str = ""


def qr_data_uri(url: str) -> str:
    # PNG, not SVG: WeasyPrint lays out an SVG QR code (hundreds of rects) several times slower.
    return str(segno.make(url, error="m").png_data_uri(scale=8, border=0))


def cover_letter_html(letter: CoverLetter) -> str:
    language = letter.language if letter.language in LANGUAGES else "en"
    context = {
        "l": letter,
        "lang": language,
        "date": long_date(letter.letter_date, language),
        "failed_on": long_date(letter.failed_on, language) if letter.failed_on else "",
        "qr": qr_data_uri(letter.portal_url) if letter.portal_url else "",
        "return_line": " · ".join([letter.company_name, *letter.company_address_lines]),
        "fold_marks": FOLD_MARKS_MM,
    }
    return render_to_string(f"letters/cover/{language}.html", context)


def render_cover_letter(letter: CoverLetter) -> bytes:
    from weasyprint import HTML  # imported late: the import alone takes about a second

    return bytes(HTML(string=cover_letter_html(letter)).write_pdf())


def invoice_reader(data: bytes) -> PdfReader:
    """Open the ERP's PDF for merging, or raise BadInvoicePdf with a message a person understands."""
    if not data.startswith(b"%PDF-"):
        raise BadInvoicePdf("the invoice file is not a PDF (it does not start with %PDF-)")
    try:
        reader = PdfReader(io.BytesIO(data))
        # An owner password only (empty user password) still opens and prints; a user password
        # means nobody here can open it, so it cannot be printed either.
        if reader.is_encrypted and not reader.decrypt(""):
            raise BadInvoicePdf("the invoice PDF is protected by a password: it cannot be opened to print it")
        if len(reader.pages) == 0:
            raise BadInvoicePdf("the invoice PDF has no pages")
        for page in reader.pages:
            page.get_contents()  # touch every page now: damage shows here, not in the print batch
    except BadInvoicePdf:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        # pypdf raises a mix of its own and builtin errors on damaged files.
        raise BadInvoicePdf(f"the invoice PDF is damaged and cannot be opened ({type(exc).__name__}: {exc})") from None
    return reader


def letter_compose(*, cover_pdf: bytes, invoice: PdfReader) -> tuple[bytes, int]:
    """Cover letter pages, then every invoice page: the print-ready letter and its page count."""
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(cover_pdf)))
    for page in invoice.pages:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages)
