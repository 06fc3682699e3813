"""Print batches: letters wait in the open batch until the cut-off, then one worker claims the
batch, builds one merged PDF and a manifest (streamed: memory stays flat with the batch size),
hands it to the printer, and moves every letter's postal dispatch to "accepted"."""

from __future__ import annotations

import csv
import datetime as dt
import logging
from pathlib import Path

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from facturier.crm.activities import customer_activity_record
from facturier.dispatch.models import Dispatch
from facturier.dispatch.services import dispatch_transition
from facturier.dispatch.states import State
from facturier.letters.cutoff import company_cutoff
from facturier.letters.models import BatchState, Letter, LetterState, PrintBatch
from facturier.letters.pdfstream import StreamingPdfWriter
from facturier.letters.printing import PrintError, hand_over

log = logging.getLogger(__name__)

# Letters read per query while building: bounded memory, few round trips.
CHUNK = 200


def _duplex() -> bool:
    from django.conf import settings

    return bool(settings.FACTURIER_PRINT_DUPLEX)


def batch_open_for_update(*, now: dt.datetime) -> PrintBatch:
    """The open cut-off batch, locked until the caller's transaction ends (so a worker cannot
    claim it between our read and our letter insert); a new one for the next cut-off if none."""
    batch = (
        PrintBatch.objects.select_for_update().filter(state=BatchState.OPEN, immediate=False).order_by("due_at").first()
    )
    return batch or PrintBatch.objects.create(due_at=company_cutoff(now))


def batch_create_immediate(*, now: dt.datetime) -> PrintBatch:
    return PrintBatch.objects.create(immediate=True, due_at=now)


def cut_off_due(*, now: dt.datetime) -> int:
    """Worker step: close and print every open batch whose cut-off has come; finish recording
    batches whose hand-over was interrupted. Returns how many batches it handled."""
    handled = 0
    # Immediate batches are closed by whoever fills them (print now), never here: the worker would
    # otherwise print one half-filled.
    due = PrintBatch.objects.filter(state=BatchState.OPEN, immediate=False, due_at__lte=now)
    for batch_id in due.values_list("id", flat=True):
        if batch_close(batch_id=batch_id, now=now) is not None:
            handled += 1
    for batch in PrintBatch.objects.filter(state=BatchState.HANDED_OVER, letters__state=LetterState.QUEUED).distinct():
        _letters_handed_over(batch=batch, now=now)
        handled += 1
    return handled


def batch_close(*, batch_id: int, now: dt.datetime, retry: bool = False) -> PrintBatch | None:
    """Claim the batch (open -> closing, or failed -> closing with retry), build, hand over.

    None if another worker claimed it first. A printer failure leaves the batch "failed" with the
    error for a person to see and send again; it is never retried blindly (paper is not idempotent).
    """
    from_states = [BatchState.OPEN, BatchState.FAILED] if retry else [BatchState.OPEN]
    claimed = PrintBatch.objects.filter(pk=batch_id, state__in=from_states).update(
        state=BatchState.CLOSING, closed_at=now, error=""
    )
    if not claimed:
        return None
    batch = PrintBatch.objects.get(pk=batch_id)
    if not batch.letters.exists():
        batch.state = BatchState.POSTED  # nothing to print (all letters withdrawn): closed as done
        batch.save(update_fields=["state"])
        return batch
    pdf, manifest = batch_build(batch=batch)
    try:
        output = hand_over(pdf=pdf, manifest=manifest, title=f"facturier batch {batch.pk}")
    except PrintError as exc:
        log.error("print batch %s: %s", batch.pk, exc)
        batch.state = BatchState.FAILED
        batch.error = str(exc)[:1000]
        batch.save(update_fields=["state", "error"])
        return batch
    batch.state = BatchState.HANDED_OVER
    batch.handed_over_at = timezone.now()
    batch.output = output[:500]
    batch.save(update_fields=["state", "handed_over_at", "output"])
    _letters_handed_over(batch=batch, now=now)
    return batch


def batch_build(*, batch: PrintBatch) -> tuple[Path, Path]:
    """Write the merged PDF and the manifest CSV letter by letter; returns their paths."""
    stamp = timezone.localtime(batch.due_at).strftime("%Y%m%d-%H%M")
    pdf_name = default_storage.get_available_name(f"letters/batches/batch-{stamp}-{batch.pk}.pdf")
    csv_name = pdf_name.removesuffix(".pdf") + ".csv"
    pdf_path, csv_path = Path(default_storage.path(pdf_name)), Path(default_storage.path(csv_name))
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    duplex = _duplex()
    letters = pages = 0
    with pdf_path.open("wb") as out, csv_path.open("w", newline="", encoding="utf-8") as manifest:
        rows = csv.writer(manifest)
        rows.writerow(["letter", "customer", "invoice", "first_page", "pages", "address"])
        writer = StreamingPdfWriter(out)
        query = Letter.objects.filter(batch=batch).select_related("customer", "invoice").order_by("id")
        for letter in query.iterator(chunk_size=CHUNK):
            first = writer.page_count + 1
            with letter.pdf.open("rb") as fh:
                count = writer.add_pdf(fh)
            if duplex and count % 2:
                writer.add_blank_page()  # the next letter starts on a front side
                count += 1
            rows.writerow(
                [
                    letter.pk,
                    letter.customer.external_ref,
                    letter.invoice.number,
                    first,
                    count,
                    " / ".join(letter.address.splitlines()),
                ]
            )
            letters += 1
        writer.close()
        pages = writer.page_count
    batch.pdf.name, batch.manifest.name = pdf_name, csv_name
    batch.letter_count, batch.page_count = letters, pages
    batch.save(update_fields=["pdf", "manifest", "letter_count", "page_count"])
    return pdf_path, csv_path


def _letters_handed_over(*, batch: PrintBatch, now: dt.datetime) -> None:
    # One short transaction per letter: a 1,000-letter batch does not hold the database for
    # seconds, and an interrupted run is finished by the next cut_off_due (it picks queued letters).
    query = Letter.objects.filter(batch=batch, state=LetterState.QUEUED).select_related("dispatch__invoice", "customer")
    for letter in query.order_by("id").iterator(chunk_size=CHUNK):
        _letter_handed_over(letter=letter, batch=batch, now=now)


@transaction.atomic
def _letter_handed_over(*, letter: Letter, batch: PrintBatch, now: dt.datetime) -> None:
    # Claim the letter first: two workers finishing the same batch record each letter once.
    if not Letter.objects.filter(pk=letter.pk, state=LetterState.QUEUED).update(
        state=LetterState.HANDED_OVER, handed_over_at=now
    ):
        return
    evidence = {"batch": batch.pk, "output": batch.output, "letter": letter.pk}
    dispatch = Dispatch.objects.select_for_update().select_related("invoice").get(pk=letter.dispatch_id)
    if dispatch.state == State.SCHEDULED:
        dispatch_transition(
            dispatch=dispatch,
            to=State.SENDING,
            kind="letter_printing",
            summary=f"print batch {batch.pk} built",
            evidence=evidence,
            at=now,
            sending_since=now,
        )
    if dispatch.state == State.SENDING:
        dispatch_transition(
            dispatch=dispatch,
            to=State.ACCEPTED,
            kind="letter_handed_over",
            summary=f"handed over to the printer in batch {batch.pk}",
            evidence=evidence,
            at=now,
            accepted_at=now,
        )
    customer_activity_record(
        customer=letter.customer,
        invoice=dispatch.invoice,
        kind="letter_printed",
        summary=f"Invoice {dispatch.invoice.number} printed and handed over for posting (batch {batch.pk})",
        data={"letter": letter.pk, "batch": batch.pk, "pages": letter.pages, "address": letter.address.splitlines()},
        at=now,
    )


def batch_mark_posted(*, batch: PrintBatch, user_id: int | None = None, now: dt.datetime | None = None) -> PrintBatch:
    """A person confirms the envelopes left: every letter's dispatch becomes "delivered" (posted)."""
    now = now or timezone.now()
    for letter in batch.letters.filter(state=LetterState.HANDED_OVER).select_related("dispatch__invoice"):
        with transaction.atomic():
            claimed = Letter.objects.filter(pk=letter.pk, state=LetterState.HANDED_OVER).update(
                state=LetterState.POSTED, posted_at=now
            )
            if claimed and letter.dispatch.state == State.ACCEPTED:
                dispatch_transition(
                    dispatch=letter.dispatch,
                    to=State.DELIVERED,
                    kind="letter_posted",
                    summary=f"posted (batch {batch.pk})",
                    evidence={"batch": batch.pk},
                    actor="user" if user_id else "system",
                    user_id=user_id,
                    at=now,
                )
    batch.state = BatchState.POSTED
    batch.posted_at = now
    batch.save(update_fields=["state", "posted_at"])
    return batch
