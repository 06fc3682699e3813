from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader, PdfWriter

from facturier.letters.envelope import address_field
from facturier.letters.rendering import (
    LANGUAGES,
    BadInvoicePdf,
    CoverLetter,
    invoice_reader,
    letter_compose,
    long_date,
    render_cover_letter,
)
from facturier.letters.tests.helpers import invoice_pdf, pdf_text, placed_text


def _letter(
    language: str, *, window: str = "left", portal_url: str = "https://portal.example.com/address/x"
) -> CoverLetter:
    return CoverLetter(
        language=language,
        recipient_lines=["Müller GmbH", "Hauptstraße 5", "10115 Berlin", "GERMANY"],
        invoice_number="RE-2026-7",
        letter_date=dt.date(2026, 11, 23),
        company_name="Exemple SAS",
        company_address_lines=["1 rue de l'Exemple", "75001 Paris"],
        company_contact="factures@example.com",
        window=address_field(window),
        failed_address="buchhaltung@mueller.example",
        failed_on=dt.date(2026, 11, 20),
        portal_url=portal_url,
    )


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", ["Votre facture RE-2026-7", "20 novembre 2026", "Page 1 / 1"]),
        ("en", ["Your invoice RE-2026-7", "20 November 2026", "Page 1 / 1"]),
        ("de", ["Ihre Rechnung RE-2026-7", "20. November 2026", "Seite 1 / 1"]),
    ],
)
def test_every_language_renders_its_cover_letter(language: str, words: list[str]) -> None:
    text = pdf_text(render_cover_letter(_letter(language)))
    assert len(text) == 1
    for word in [*words, "buchhaltung@mueller.example", "Hauptstraße 5", "https://portal.example.com/address/x"]:
        assert word in text[0], word


def test_all_languages_are_covered() -> None:
    assert set(LANGUAGES) == {"fr", "en", "de"}


def test_without_a_portal_the_letter_gives_the_contact_and_no_qr_code() -> None:
    pdf = render_cover_letter(_letter("en", portal_url=""))
    assert "please contact us: factures@example.com" in pdf_text(pdf)[0]
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert "/XObject" not in page["/Resources"] or not page["/Resources"]["/XObject"]


def test_the_page_number_uses_the_body_font_not_the_serif_default() -> None:
    page = PdfReader(io.BytesIO(render_cover_letter(_letter("fr")))).pages[0]
    fonts = {str(font.get_object()["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}
    assert fonts and all("DejaVu-Sans" in name and "Serif" not in name for name in fonts), fonts


@pytest.mark.parametrize("window", ["left", "right"])
def test_the_recipient_address_is_inside_the_window_of_the_chosen_envelope(window: str) -> None:
    field = address_field(window)
    runs = placed_text(render_cover_letter(_letter("de", window=window)))
    for line in ["Müller GmbH", "Hauptstraße 5", "10115 Berlin", "GERMANY"]:
        run = next(r for r in runs if r.text == line)
        assert field.contains(run.x_mm, run.y_mm), (line, run)
        assert abs(run.x_mm - field.left_mm) < 1, "lines start at the field's left edge (left-aligned block)"
        assert run.y_mm > field.recipient_top_mm, "below the return-address zone"


def test_a_letter_is_the_cover_followed_by_every_invoice_page() -> None:
    pdf, pages = letter_compose(
        cover_pdf=render_cover_letter(_letter("en")), invoice=invoice_reader(invoice_pdf("RE-2026-7", pages=2))
    )
    text = pdf_text(pdf)
    assert pages == 3 and "Your invoice" in text[0] and "PAGE 2 OF 2" in text[2]


def _encrypted(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(invoice_pdf("X", pages=1))))
    writer.encrypt(user_password=user_password, owner_password="owner-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Hello, this is a Word document", "not a PDF"),
        (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n%%EOF", "damaged"),
        (b"", "not a PDF"),
    ],
)
def test_unusable_pdfs_are_refused_with_a_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(BadInvoicePdf, match=message):
        invoice_reader(data)


def test_a_pdf_that_needs_a_password_is_refused() -> None:
    with pytest.raises(BadInvoicePdf, match="password"):
        invoice_reader(_encrypted("user-secret"))


def test_a_pdf_with_only_an_owner_password_prints() -> None:
    assert len(invoice_reader(_encrypted("")).pages) == 1


def test_long_dates_follow_the_language() -> None:
    day = dt.date(2026, 3, 1)
    assert [long_date(day, lang) for lang in ("fr", "en", "de")] == ["1 mars 2026", "1 March 2026", "1. März 2026"]
