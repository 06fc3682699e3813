from __future__ import annotations

import io

from pypdf import PdfReader

from facturier.letters.pdfstream import StreamingPdfWriter
from facturier.letters.tests.helpers import invoice_pdf, pdf_text


def test_the_streamed_pdf_holds_every_page_of_every_source_in_order() -> None:
    out = io.BytesIO()
    writer = StreamingPdfWriter(out)
    assert writer.add_pdf(io.BytesIO(invoice_pdf("A", pages=2))) == 2
    writer.add_blank_page()
    assert writer.add_pdf(io.BytesIO(invoice_pdf("B", pages=3))) == 3
    writer.close()
    reader = PdfReader(io.BytesIO(out.getvalue()), strict=True)
    assert len(reader.pages) == 6
    text = pdf_text(out.getvalue())
    assert "INVOICE A PAGE 1 OF 2" in text[0] and "INVOICE A PAGE 2 OF 2" in text[1]
    assert text[2] == ""
    assert "INVOICE B PAGE 3 OF 3" in text[5]


def test_the_cross_reference_table_points_at_every_object() -> None:
    out = io.BytesIO()
    writer = StreamingPdfWriter(out)
    writer.add_pdf(io.BytesIO(invoice_pdf("A", pages=1)))
    writer.close()
    data = out.getvalue()
    for number, offset in writer.offsets.items():
        assert data[offset:].startswith(f"{number} 0 obj".encode())
