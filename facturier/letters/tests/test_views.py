from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from facturier.letters.models import BatchState, PrintBatch
from facturier.letters.services import letter_queue
from facturier.letters.tests.helpers import invoice_pdf
from facturier.testing.factories import make_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_batch() -> PrintBatch:
    letter = letter_queue(invoice=make_invoice(pdf=invoice_pdf("V")), reason="print_now").letter
    assert letter is not None and letter.batch is not None
    return letter.batch


def test_the_batches_page_lists_batches_for_a_viewer_without_actions(
    client: Client, viewer: Any, open_batch: PrintBatch
) -> None:
    client.force_login(viewer)
    page = client.get("/letters/").content.decode()
    assert "Lots d’impression" in page and "<td>ouvert</td>" in page
    assert f"/letters/batches/{open_batch.pk}/print/" not in page  # no action for a viewer
    assert client.post(f"/letters/batches/{open_batch.pk}/print/").status_code == 403


def test_an_operator_prints_a_batch_then_marks_it_posted(client: Client, operator: Any, open_batch: PrintBatch) -> None:
    client.force_login(operator)
    assert "Imprimer maintenant" in client.get("/letters/").content.decode()
    assert client.post(f"/letters/batches/{open_batch.pk}/print/").status_code == 302
    open_batch.refresh_from_db()
    assert open_batch.state == BatchState.HANDED_OVER
    page = client.get("/letters/").content.decode()
    assert "Marquer comme posté" in page and "bordereau" in page
    pdf = client.get(f"/letters/batches/{open_batch.pk}/pdf.file")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert client.post(f"/letters/batches/{open_batch.pk}/posted/").status_code == 302
    open_batch.refresh_from_db()
    assert open_batch.state == BatchState.POSTED


def test_an_unbuilt_batch_has_no_file(client: Client, viewer: Any, open_batch: PrintBatch) -> None:
    client.force_login(viewer)
    assert client.get(f"/letters/batches/{open_batch.pk}/manifest.file").status_code == 404
