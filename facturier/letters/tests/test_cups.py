"""The print batch goes through a real CUPS server (started by the test) to a cups-pdf queue."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from facturier.letters.models import BatchState
from facturier.letters.services import letters_print_now
from facturier.letters.tests.cups_server import CupsServer, cups_server, cups_unavailable
from facturier.letters.tests.helpers import invoice_pdf
from facturier.testing.factories import make_invoice

pytestmark = [pytest.mark.cups, pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture(scope="module")
def cups() -> Iterator[CupsServer]:
    reason = cups_unavailable()
    if reason:
        pytest.skip(f"no test CUPS server: {reason}")
    with cups_server() as server:
        yield server


def _printed(out: Path, timeout: float = 60) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = sorted(out.glob("*.pdf"))
        if done:
            time.sleep(0.5)  # cups-pdf renames into place when done; let the file settle
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"cups-pdf wrote nothing to {out} within {timeout}s")


def test_the_batch_is_printed_on_a_real_cups_queue(cups: CupsServer, settings: Any, monkeypatch: Any) -> None:
    settings.FACTURIER_PRINT_QUEUE = cups.queue
    settings.FACTURIER_PRINT_HOT_FOLDER = ""
    monkeypatch.setenv("CUPS_SERVER", cups.server)  # lp's own way to name the server
    invoices = [make_invoice(pdf=invoice_pdf("CUPS", pages=2)), make_invoice(pdf=invoice_pdf("CUPS", pages=1))]

    result = letters_print_now(invoice_ids=[i.pk for i in invoices], actor="user:otto")

    batch = result.batch
    assert batch is not None and batch.state == BatchState.HANDED_OVER, batch and batch.error
    assert f"request id is {cups.queue}-" in batch.output
    printed = PdfReader(_printed(cups.out))
    # cups-pdf re-renders through Ghostscript (text comes back without its Unicode mapping), so the
    # page count and size are what can be compared.
    assert len(printed.pages) == batch.page_count == 5
    assert round(float(printed.pages[0].mediabox.width)) == 595
    jobs = subprocess.run(
        ["lpstat", "-h", cups.server, "-W", "completed", "-o", cups.queue], capture_output=True, text=True, check=True
    )
    assert f"{cups.queue}-" in jobs.stdout
