"""Writes on letters: build one print-ready letter for an invoice and queue it in a print batch.

Rendering (WeasyPrint, ~0.1 s) happens before the transaction opens; the database writes (postal
dispatch, letter row, timeline event) are one short transaction. A letter that cannot be built
becomes a work item with a clear message, never an exception for the caller.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from facturier.crm.models import Customer
from facturier.dispatch.models import Channel, Dispatch
from facturier.dispatch.services import dispatch_create, invoice_event
from facturier.invoices.models import Invoice
from facturier.letters.batches import batch_close, batch_create_immediate, batch_open_for_update
from facturier.letters.envelope import address_field
from facturier.letters.models import Letter, PrintBatch
from facturier.letters.rendering import BadInvoicePdf, CoverLetter, invoice_reader, letter_compose, render_cover_letter
from facturier.worklist.models import WorkItem, WorkItemKind
from facturier.worklist.services import work_item_open

PORTAL_SALT = "facturier.portal.address"
# Country names for the last address line (UPU: in capitals, in a language of the sending country
# or English). Unknown codes print as the code itself.
_COUNTRIES = {
    "FR": "FRANCE",
    "DE": "GERMANY",
    "BE": "BELGIUM",
    "CH": "SWITZERLAND",
    "LU": "LUXEMBOURG",
    "AT": "AUSTRIA",
    "IT": "ITALY",
    "ES": "SPAIN",
    "NL": "NETHERLANDS",
    "GB": "UNITED KINGDOM",
}


def postal_lines(customer: Customer) -> list[str]:
    """The address block as it goes on the envelope; the country only for mail going abroad."""
    lines = [customer.postal_name or customer.name, customer.postal_line1, customer.postal_line2]
    lines.append(f"{customer.postal_code} {customer.postal_city}".strip())
    home = settings.FACTURIER_HOLIDAYS_COUNTRY.upper()
    country = customer.postal_country.upper()
    if country and country != home:
        lines.append(_COUNTRIES.get(country, country))
    return [line for line in lines if line.strip()]


def portal_link(customer: Customer) -> str:
    """The customer's page on the portal for giving a corrected address (signed, not guessable);
    empty until FACTURIER_PORTAL_URL is set."""
    base = settings.FACTURIER_PORTAL_URL.rstrip("/")
    if not base:
        return ""
    return f"{base}/address/{signing.dumps(customer.external_ref, salt=PORTAL_SALT, compress=True)}"


def _company_lines() -> list[str]:
    return [line.strip() for line in settings.FACTURIER_COMPANY_ADDRESS.splitlines() if line.strip()]


def cover_letter_for(
    *, invoice: Invoice, failed_address: str = "", failed_on: dt.date | None = None, today: dt.date | None = None
) -> CoverLetter:
    customer = invoice.customer
    return CoverLetter(
        language=customer.language,
        recipient_lines=postal_lines(customer),
        invoice_number=invoice.number,
        letter_date=today or timezone.localdate(),
        company_name=settings.FACTURIER_COMPANY_NAME,
        company_address_lines=_company_lines(),
        company_contact=settings.FACTURIER_COMPANY_CONTACT,
        window=address_field(settings.FACTURIER_LETTER_WINDOW),
        failed_address=failed_address,
        failed_on=failed_on,
        portal_url=portal_link(customer),
    )


@dataclass
class LetterOutcome:
    """What letter_queue did: a queued letter, or the work item explaining why not."""

    letter: Letter | None = None
    problem: WorkItem | None = None


def letter_queue(
    *,
    invoice: Invoice,
    reason: str,
    actor: str = "system",
    user_id: int | None = None,
    source_dispatch: Dispatch | None = None,
    failed_address: str = "",
    failed_on: dt.date | None = None,
    batch: PrintBatch | None = None,
    now: dt.datetime | None = None,
) -> LetterOutcome:
    """Build the letter (cover + invoice pages) and queue it in `batch`, or in the batch of the
    next cut-off; a missing postal address or an unusable PDF gives a work item instead."""
    now = now or timezone.now()
    customer = invoice.customer
    links = {
        "invoice_id": invoice.pk,
        "customer_id": customer.pk,
        "dispatch_id": source_dispatch.pk if source_dispatch else None,
    }
    if not customer.has_postal_address:
        return LetterOutcome(
            problem=work_item_open(
                kind=WorkItemKind.NO_POSTAL_ADDRESS,
                title=f"No postal address for {customer}: invoice {invoice.number} cannot be posted",
                detail="Enter the customer's postal address (line 1, postal code, city), then print the invoice "
                "from the letters page.",
                **links,
            )
        )
    try:
        with invoice.pdf.open("rb") as fh:
            reader = invoice_reader(fh.read())
    except (OSError, ValueError) as exc:  # BadInvoicePdf is a ValueError; a missing file an OSError
        message = str(exc) if isinstance(exc, BadInvoicePdf) else f"the invoice PDF cannot be read ({exc})"
        return LetterOutcome(
            problem=work_item_open(
                kind=WorkItemKind.BAD_PDF,
                title=f"Invoice {invoice.number}: {message}"[:300],
                detail=f"{message}. Ask the ERP for a new, unprotected PDF of invoice {invoice.number}; "
                "the letter is printed once it is replaced.",
                **links,
            )
        )
    cover = cover_letter_for(invoice=invoice, failed_address=failed_address, failed_on=failed_on)
    pdf, pages = letter_compose(cover_pdf=render_cover_letter(cover), invoice=reader)
    letter = _letter_store(
        invoice=invoice,
        cover=cover,
        pdf=pdf,
        pages=pages,
        reason=reason,
        actor=actor,
        user_id=user_id,
        source_dispatch=source_dispatch,
        batch=batch,
        now=now,
    )
    return LetterOutcome(letter=letter)


@transaction.atomic
def _letter_store(
    *,
    invoice: Invoice,
    cover: CoverLetter,
    pdf: bytes,
    pages: int,
    reason: str,
    actor: str,
    user_id: int | None,
    source_dispatch: Dispatch | None,
    batch: PrintBatch | None,
    now: dt.datetime,
) -> Letter:
    batch = batch or batch_open_for_update(now=now)
    dispatch = dispatch_create(
        invoice=invoice,
        recipient=cover.recipient_lines[0][:254],
        send_at=batch.due_at,
        channel=Channel.POST,
        actor=actor,
        user_id=user_id,
    )
    letter = Letter(
        dispatch=dispatch,
        source_dispatch=source_dispatch,
        invoice=invoice,
        customer=invoice.customer,
        batch=batch,
        reason=reason,
        language=cover.language,
        address="\n".join(cover.recipient_lines),
        pages=pages,
    )
    letter.pdf.save(f"{invoice.number}-{dispatch.token[:8]}.pdf", ContentFile(pdf), save=False)
    letter.save()
    invoice_event(
        invoice=invoice,
        dispatch=dispatch,
        kind="letter_queued",
        summary=f"cover letter ({cover.language}, {pages} pages) queued in print batch {batch.pk}",
        evidence={"letter": letter.pk, "batch": batch.pk, "pages": pages, "reason": reason},
        actor=actor,
        user_id=user_id,
    )
    return letter


@dataclass
class PrintNowResult:
    batch: PrintBatch | None
    letters: list[Letter] = field(default_factory=list)
    problems: list[WorkItem] = field(default_factory=list)


def letters_print_now(*, invoice_ids: list[int], actor: str, user_id: int | None = None) -> PrintNowResult:
    """Bulk "print now": a letter per invoice, all in one batch printed at once (not at the
    cut-off). Invoices that cannot be printed become work items, listed in the result."""
    now = timezone.now()
    batch = batch_create_immediate(now=now)
    result = PrintNowResult(batch=batch)
    for invoice in Invoice.objects.filter(pk__in=invoice_ids).select_related("customer").order_by("id"):
        outcome = letter_queue(invoice=invoice, reason="print_now", actor=actor, user_id=user_id, batch=batch, now=now)
        if outcome.letter:
            result.letters.append(outcome.letter)
        if outcome.problem:
            result.problems.append(outcome.problem)
    if result.letters:
        result.batch = batch_close(batch_id=batch.pk, now=now)
    else:
        batch.delete()  # nothing printable: no empty batch on the batches page
        result.batch = None
    return result
