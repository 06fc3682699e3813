from __future__ import annotations

import hashlib
import io

import pytest
from pypdf import PdfWriter

from facturier.invoices.pdf_check import MAX_PDF_BYTES, PdfInvalid, pdf_check
from facturier.testing.factories import make_pdf


def encrypted(user_password: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_a_valid_pdf_is_described() -> None:
    data = make_pdf(3)
    info = pdf_check(data)
    assert info.pages == 3 and not info.encrypted
    assert info.sha256 == hashlib.sha256(data).hexdigest() and info.size == len(data)


def test_a_pdf_that_opens_without_password_is_accepted_as_encrypted() -> None:
    assert pdf_check(encrypted("")).encrypted


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"<html>hello</html>", "not a PDF"),
        (b"%PDF-1.4\n garbage that is no PDF at all", "damaged"),
        (encrypted("secret"), "password"),
        (b"%PDF-" + b"0" * MAX_PDF_BYTES, "larger"),
    ],
)
def test_what_a_customer_could_not_open_is_refused(data: bytes, words: str) -> None:
    with pytest.raises(PdfInvalid, match=words):
        pdf_check(data)


def test_a_truncated_pdf_is_refused() -> None:
    data = make_pdf(2)
    with pytest.raises(PdfInvalid):
        pdf_check(data[: len(data) // 3])
