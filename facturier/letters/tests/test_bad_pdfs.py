"""An ERP PDF that cannot be printed gives a work item with a clear message, never a crash."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter

from facturier.crm.models import CustomerActivity
from facturier.letters.models import Letter, PrintBatch
from facturier.letters.next_step import address_invalid
from facturier.letters.services import letters_print_now
from facturier.letters.tests.helpers import bounced_dispatch, invoice_pdf
from facturier.testing.factories import make_invoice
from facturier.worklist.models import WorkItem, WorkItemKind

pytestmark = pytest.mark.django_db


def _locked() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(invoice_pdf("L", pages=1))))
    writer.encrypt(user_password="only-the-erp-knows", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


BAD = {
    "encrypted": (_locked, "password"),
    "broken": (lambda: b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n%%EOF", "damaged"),
    "truncated": (lambda: invoice_pdf("T", pages=2)[:400], "damaged"),
    "not a pdf": (lambda: b"PK\x03\x04 this is a zip file", "not a PDF"),
}


@pytest.mark.parametrize("kind", BAD)
def test_a_bad_invoice_pdf_gives_a_bad_pdf_work_item(kind: str) -> None:
    make, words = BAD[kind]
    invoice = make_invoice(pdf=make())
    dispatch = bounced_dispatch(invoice)
    address_invalid(dispatch_id=dispatch.pk, evidence={"status": "5.1.1"})
    item = WorkItem.objects.get(kind=WorkItemKind.BAD_PDF)
    assert words in item.title and invoice.number in item.title
    assert (item.invoice, item.dispatch) == (invoice, dispatch)
    assert not Letter.objects.exists()
    # Everything else still happened.
    assert WorkItem.objects.filter(kind=WorkItemKind.INVALID_ADDRESS).exists()
    assert CustomerActivity.objects.filter(kind="address_invalid").exists()


def test_a_missing_pdf_file_gives_a_bad_pdf_work_item() -> None:
    invoice = make_invoice()
    invoice.pdf.storage.delete(invoice.pdf.name)
    result = letters_print_now(invoice_ids=[invoice.pk], actor="user:otto")
    assert result.batch is None and not PrintBatch.objects.exists()
    assert "cannot be read" in result.problems[0].title
