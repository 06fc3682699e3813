"""The print batch goes through a real CUPS server (started by the test) to a cups-pdf queue."""

from __future__ import annotations

import os
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
        # On a person's machine without root or cups-pdf, say why; CI installs both, so there a
        # missing CUPS is a broken set-up, not a reason to pass quietly.
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the CUPS test: {reason}")
        pytest.skip(f"no test CUPS server: {reason}")
    with cups_server() as server:
        yield server


def _printed(cups: CupsServer, timeout: float = 120) -> Path:
    """The PDF cups-pdf wrote, once CUPS reports the job done (the file is written in place, so
    its mere presence does not mean it is complete)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = subprocess.run(
            ["lpstat", "-h", cups.server, "-W", "not-completed", "-o", cups.queue], capture_output=True, text=True
        ).stdout.strip()
        done = sorted(cups.out.glob("*.pdf"))
        if not pending and done and done[0].stat().st_size > 0:
            return done[0]
        time.sleep(0.3)
    raise AssertionError(f"cups-pdf wrote nothing complete to {cups.out} within {timeout}s")


def test_the_batch_is_printed_on_a_real_cups_queue(cups: CupsServer, settings: Any, monkeypatch: Any) -> None:
    settings.FACTURIER_PRINT_QUEUE = cups.queue
    settings.FACTURIER_PRINT_HOT_FOLDER = ""
    monkeypatch.setenv("CUPS_SERVER", cups.server)  # lp's own way to name the server
    invoices = [make_invoice(pdf=invoice_pdf("CUPS", pages=2)), make_invoice(pdf=invoice_pdf("CUPS", pages=1))]

    result = letters_print_now(invoice_ids=[i.pk for i in invoices], actor="user:otto")

    batch = result.batch
    assert batch is not None and batch.state == BatchState.HANDED_OVER, batch and batch.error
    assert f"request id is {cups.queue}-" in batch.output
    printed = PdfReader(_printed(cups))
    # cups-pdf re-renders through Ghostscript (text comes back without its Unicode mapping), so the
    # page count and size are what can be compared.
    assert len(printed.pages) == batch.page_count == 5
    assert round(float(printed.pages[0].mediabox.width)) == 595
    jobs = subprocess.run(
        ["lpstat", "-h", cups.server, "-W", "completed", "-o", cups.queue], capture_output=True, text=True, check=True
    )
    assert f"{cups.queue}-" in jobs.stdout
