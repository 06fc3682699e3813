from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader

from facturier.dispatch.models import Channel, Dispatch
from facturier.dispatch.states import State
from facturier.letters.batches import batch_close, batch_mark_posted, cut_off_due
from facturier.letters.models import BatchState, LetterState, PrintBatch
from facturier.letters.services import letter_queue, letters_print_now
from facturier.letters.tests.helpers import invoice_pdf, pdf_text
from facturier.testing.factories import make_customer, make_invoice
from facturier.worklist.models import WorkItemKind

pytestmark = pytest.mark.django_db


def _invoice(pages: int = 2, **customer: Any) -> Any:
    return make_invoice(customer=make_customer(**customer) if customer else None, pdf=invoice_pdf("ERP", pages=pages))


def test_print_now_puts_the_selected_invoices_in_one_batch_printed_at_once(settings: Any) -> None:
    good = [_invoice(), _invoice(pages=1, language="de")]
    homeless = make_invoice(customer=make_customer(postal_line1=""))
    result = letters_print_now(invoice_ids=[i.pk for i in [*good, homeless]], actor="user:otto", user_id=None)
    assert result.batch is not None and result.batch.state == BatchState.HANDED_OVER
    assert [letter.invoice for letter in result.letters] == good
    assert [p.kind for p in result.problems] == [WorkItemKind.NO_POSTAL_ADDRESS]
    printed = Path(settings.FACTURIER_PRINT_HOT_FOLDER) / Path(result.batch.pdf.name).name
    text = pdf_text(printed.read_bytes())
    assert len(text) == result.batch.page_count == 3 + 2
    assert (
        "Please find enclosed" not in text[0] and f"Veuillez trouver ci-jointe la facture {good[0].number}" in text[0]
    )
    assert f"anbei erhalten Sie die Rechnung {good[1].number}" in text[3]
    posts = Dispatch.objects.filter(channel=Channel.POST)
    assert {d.state for d in posts} == {State.ACCEPTED}


def test_duplex_pads_each_letter_so_the_next_starts_on_a_front_side(settings: Any) -> None:
    settings.FACTURIER_PRINT_DUPLEX = True
    result = letters_print_now(invoice_ids=[_invoice(pages=2).pk, _invoice(pages=1).pk], actor="t")
    batch = result.batch
    assert batch is not None
    with batch.manifest.open("r") as fh:
        rows = list(csv.DictReader(io.StringIO(fh.read())))
    # 1 + 2 = 3 pages -> 4; 1 + 1 = 2 pages -> 2.
    assert [(r["first_page"], r["pages"]) for r in rows] == [("1", "4"), ("5", "2")]
    reader = PdfReader(batch.pdf.path)
    assert len(reader.pages) == 6 and reader.pages[3].extract_text() == ""


def test_letters_wait_for_the_cut_off_and_the_batch_is_printed_once() -> None:
    now = timezone.now()
    letter = letter_queue(invoice=_invoice(), reason="print_now", now=now).letter
    assert letter is not None
    batch = letter.batch
    assert cut_off_due(now=batch.due_at - dt.timedelta(seconds=1)) == 0
    assert cut_off_due(now=batch.due_at) == 1
    assert cut_off_due(now=batch.due_at + dt.timedelta(minutes=1)) == 0
    letter.refresh_from_db()
    assert letter.state == LetterState.HANDED_OVER and letter.handed_over_at == batch.due_at


def test_a_batch_claimed_by_another_worker_is_not_printed_twice() -> None:
    letter = letter_queue(invoice=_invoice(), reason="print_now").letter
    assert letter is not None
    PrintBatch.objects.filter(pk=letter.batch_id).update(state=BatchState.CLOSING)
    assert batch_close(batch_id=letter.batch_id, now=timezone.now()) is None


def test_a_letter_added_after_the_claim_goes_into_the_next_batch() -> None:
    first = letter_queue(invoice=_invoice(), reason="print_now").letter
    assert first is not None
    PrintBatch.objects.filter(pk=first.batch_id).update(state=BatchState.CLOSING)
    second = letter_queue(invoice=_invoice(), reason="print_now").letter
    assert second is not None and second.batch_id != first.batch_id


def test_a_printer_failure_leaves_the_batch_failed_until_a_person_sends_it_again(settings: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the hot folder should be")
    settings.FACTURIER_PRINT_HOT_FOLDER = str(blocker / "hot")
    letter = letter_queue(invoice=_invoice(), reason="print_now").letter
    assert letter is not None
    batch = batch_close(batch_id=letter.batch_id, now=timezone.now())
    assert batch is not None and batch.state == BatchState.FAILED and "hot folder" in batch.error
    letter.refresh_from_db()
    assert letter.state == LetterState.QUEUED and letter.dispatch.state == State.SCHEDULED
    assert cut_off_due(now=timezone.now() + dt.timedelta(days=3)) == 0  # never retried blindly
    settings.FACTURIER_PRINT_HOT_FOLDER = str(tmp_path / "hot")
    batch = batch_close(batch_id=batch.pk, now=timezone.now(), retry=True)
    assert batch is not None and batch.state == BatchState.HANDED_OVER


def test_no_printer_configured_is_a_clear_failure(settings: Any) -> None:
    settings.FACTURIER_PRINT_HOT_FOLDER = ""
    letter = letter_queue(invoice=_invoice(), reason="print_now").letter
    assert letter is not None
    batch = batch_close(batch_id=letter.batch_id, now=timezone.now())
    assert batch is not None and "no printer configured" in batch.error


def test_marking_a_batch_posted_delivers_its_postal_dispatches() -> None:
    result = letters_print_now(invoice_ids=[_invoice().pk], actor="t")
    assert result.batch is not None
    batch_mark_posted(batch=result.batch)
    letter = result.letters[0]
    letter.refresh_from_db()
    assert letter.state == LetterState.POSTED and letter.dispatch.state == State.DELIVERED
    assert letter.invoice.events.filter(kind="letter_posted").exists()


def test_the_print_batch_command_prints_the_open_batch_now(capsys: Any) -> None:
    letter = letter_queue(invoice=_invoice(), reason="print_now").letter
    assert letter is not None
    call_command("print-batch", "--now")
    assert f"batch {letter.batch_id}: handed_over, 1 letters" in capsys.readouterr().out
    call_command("print-batch", "--now")
    assert "no open batch" in capsys.readouterr().out


def test_the_worker_leaves_a_print_now_batch_to_whoever_fills_it() -> None:
    from facturier.letters.batches import batch_create_immediate

    batch = batch_create_immediate(now=timezone.now())
    letter_queue(invoice=_invoice(), reason="print_now", batch=batch)
    assert cut_off_due(now=timezone.now() + dt.timedelta(days=1)) == 0
    batch.refresh_from_db()
    assert batch.state == BatchState.OPEN


def test_finishing_a_hand_over_twice_records_each_letter_once() -> None:
    from facturier.crm.models import CustomerActivity
    from facturier.letters.batches import _letters_handed_over

    result = letters_print_now(invoice_ids=[_invoice().pk], actor="t")
    assert result.batch is not None
    _letters_handed_over(batch=result.batch, now=timezone.now())
    assert CustomerActivity.objects.filter(kind="letter_printed").count() == 1
    assert result.letters[0].invoice.events.filter(kind="letter_handed_over").count() == 1
