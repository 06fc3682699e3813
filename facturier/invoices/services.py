"""Writes on invoices: creation from the ERP (API or import), resend, cancel, reschedule.

Bulk actions take many invoices at once and run a fixed number of queries to find what to change;
each dispatch then changes through dispatch.services, which keeps the timeline and roll-up right.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.text import get_valid_filename

from facturier.core.models import AuditEntry
from facturier.crm.inputs import ConflictError, InputError, NotFoundError
from facturier.crm.models import Customer, CustomerEmail
from facturier.crm.selectors import customer_with_emails, sendable_addresses
from facturier.dispatch.models import Channel, Dispatch
from facturier.dispatch.services import dispatch_create, dispatch_transition, invoice_event
from facturier.dispatch.states import State
from facturier.invoices.inputs import InvoiceFields
from facturier.invoices.models import Invoice
from facturier.invoices.pdf_check import PdfInfo, PdfInvalid, pdf_check
from facturier.invoices.scheduling import resolve_send_at


def invoice_create(
    *,
    data: InvoiceFields,
    pdf_bytes: bytes,
    actor: str,
    user_id: int | None = None,
    source: str = "api",
    pdf_field: str = "pdf_base64",
    now: dt.datetime | None = None,
) -> Invoice:
    """Store the invoice and its PDF, and schedule one e-mail per sendable address of the customer.

    Raises InputError (naming the field) for an unreadable PDF, NotFoundError for an unknown
    customer_ref, ConflictError for a number already taken. Nothing is written when it raises.
    """
    try:
        info = pdf_check(pdf_bytes)
    except PdfInvalid as exc:
        raise InputError(pdf_field, str(exc)) from None
    customer = customer_with_emails(external_ref=data.customer_ref)
    if customer is None:
        raise NotFoundError("customer_ref", f"no customer with external_ref {data.customer_ref!r}")
    if Invoice.objects.filter(number=data.number).exists():
        raise ConflictError("number", f"invoice {data.number!r} already exists")
    send_at = _send_time(customer=customer, send_at=data.send_at, now=now)
    invoice = Invoice(
        number=data.number,
        customer=customer,
        issue_date=data.issue_date,
        due_date=data.due_date,
        total=data.total,
        currency=data.currency,
        pdf_sha256=info.sha256,
        source=source,
    )
    # The file is written before the rows (storage is not transactional): removed again if the
    # rows cannot be written, so a refused invoice leaves nothing behind.
    invoice.pdf.save(get_valid_filename(f"{data.number}.pdf"), ContentFile(pdf_bytes), save=False)
    try:
        with transaction.atomic():
            invoice.save()
            _record_creation(invoice=invoice, info_evidence=_pdf_evidence(info), actor=actor, user_id=user_id)
            addresses = sendable_addresses(customer)
            for address in addresses:
                dispatch_create(invoice=invoice, recipient=address, send_at=send_at, actor=actor, user_id=user_id)
            if not addresses:
                invoice_event(
                    invoice=invoice,
                    kind="no_address",
                    summary="no valid e-mail address for this customer: nothing scheduled",
                    actor=actor,
                    user_id=user_id,
                )
    except IntegrityError:
        default_storage.delete(invoice.pdf.name)
        # Another call created the same number between our check and our insert.
        raise ConflictError("number", f"invoice {data.number!r} already exists") from None
    except BaseException:
        default_storage.delete(invoice.pdf.name)
        raise
    return invoice


def _send_time(*, customer: Customer, send_at: dt.datetime | None, now: dt.datetime | None) -> dt.datetime:
    try:
        return resolve_send_at(customer=customer, send_at=send_at, now=now)
    except ValueError as exc:  # NaiveSendTime, or NoSendSlot (a window that allows no business day)
        raise InputError("send_at", str(exc)) from None


def _pdf_evidence(info: PdfInfo) -> dict[str, object]:
    return {"sha256": info.sha256, "pages": info.pages, "encrypted": info.encrypted, "size": info.size}


def _record_creation(*, invoice: Invoice, info_evidence: dict[str, object], actor: str, user_id: int | None) -> None:
    flag = ", encrypted (opens without a password)" if info_evidence["encrypted"] else ""
    invoice_event(
        invoice=invoice,
        kind="created",
        summary=f"received from {actor} ({invoice.source}): PDF of {info_evidence['pages']} page(s){flag}",
        evidence={"source": invoice.source, "pdf": info_evidence},
        actor=actor,
        user_id=user_id,
    )


# --- Resend -----------------------------------------------------------------------------------


@dataclass
class ResendResult:
    number: str
    status: str  # "resent" or "skipped"
    reason: str = ""
    dispatch_ids: list[int] = field(default_factory=list)


BUSY = (State.SCHEDULED, State.SENDING)


@transaction.atomic
def invoice_resend(
    *,
    numbers: Sequence[str],
    send_at: dt.datetime | None,
    actor: str,
    user_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[ResendResult]:
    """Send each invoice again: a new dispatch per sendable address (resend_of = that address's
    latest dispatch) at send_at or now. All-or-nothing per invoice; one result per distinct number."""
    now = now or timezone.now()
    wanted = list(dict.fromkeys(n.strip() for n in numbers if n and n.strip()))
    invoices = _locked_with_emails(wanted)
    latest, busy = _dispatch_index(invoices.values())
    results: list[ResendResult] = []
    for number in wanted:
        invoice = invoices.get(number)
        result = ResendResult(number=number, status="skipped")
        results.append(result)
        if invoice is None:
            result.reason = "unknown invoice number"
            continue
        if invoice.pk in busy:
            result.reason = "a dispatch is still scheduled or sending"
            continue
        addresses = sendable_addresses(invoice.customer)
        if not addresses:
            result.reason = "the customer has no valid e-mail address"
            continue
        at = _send_time(customer=invoice.customer, send_at=send_at or now, now=now)
        with transaction.atomic():  # a savepoint: this invoice entirely, or not at all
            for address in addresses:
                previous = latest.get((invoice.pk, address.casefold()))
                dispatch = dispatch_create(
                    invoice=invoice, recipient=address, send_at=at, resend_of=previous, actor=actor, user_id=user_id
                )
                result.dispatch_ids.append(dispatch.pk)
        result.status = "resent"
    _audit(
        action="invoice_resend",
        actor=actor,
        user_id=user_id,
        count=sum(r.status == "resent" for r in results),
        detail={
            "send_at": (send_at or now).isoformat(),
            "resent": [r.number for r in results if r.status == "resent"],
            "skipped": {r.number: r.reason for r in results if r.status == "skipped"},
        },
    )
    return results


def _locked_with_emails(numbers: list[str]) -> dict[str, Invoice]:
    # Locking the invoice rows first serialises two people resending the same invoices, so that
    # the "still scheduled" check below cannot be raced into a double send.
    emails = Prefetch(
        "customer__emails", queryset=CustomerEmail.objects.filter(active=True).order_by("id"), to_attr="active_emails"
    )
    rows = (
        Invoice.objects.select_for_update(of=("self",))
        .filter(number__in=numbers)
        .select_related("customer")
        .prefetch_related(emails)
    )
    return {inv.number: inv for inv in rows}


def _dispatch_index(invoices: Iterable[Invoice]) -> tuple[dict[tuple[int, str], Dispatch], set[int]]:
    """Latest e-mail dispatch per (invoice, address), and the invoices with one scheduled or sending."""
    latest: dict[tuple[int, str], Dispatch] = {}
    busy: set[int] = set()
    ids = [inv.pk for inv in invoices]
    for d in Dispatch.objects.filter(invoice_id__in=ids, channel=Channel.EMAIL).order_by("id"):
        latest[(d.invoice_id, d.recipient.casefold())] = d
        if d.state in BUSY:
            busy.add(d.invoice_id)
    return latest, busy


# --- Cancel and reschedule ----------------------------------------------------------------------


def invoice_cancel(*, invoice: Invoice, actor: str, user_id: int | None = None) -> int:
    """Cancel the invoice's scheduled dispatches; returns how many were cancelled."""
    return invoices_cancel(invoices=[invoice], actor=actor, user_id=user_id)


@transaction.atomic
def invoices_cancel(*, invoices: Sequence[Invoice], actor: str, user_id: int | None = None) -> int:
    """Cancel the scheduled dispatches of many invoices (bulk action); returns how many were cancelled.
    A dispatch already claimed by a worker (sending) is left alone: it can no longer be withdrawn."""
    dispatches = _scheduled(invoices)
    for d in dispatches:
        dispatch_transition(
            dispatch=d,
            to=State.CANCELLED,
            kind="cancelled",
            summary=f"cancelled by {actor}",
            actor=actor,
            user_id=user_id,
        )
    _audit(
        action="invoice_cancel",
        actor=actor,
        user_id=user_id,
        count=len(invoices),
        detail={"numbers": [i.number for i in invoices], "dispatches": len(dispatches)},
    )
    return len(dispatches)


def invoice_reschedule(*, invoice: Invoice, send_at: dt.datetime | None, actor: str, user_id: int | None = None) -> int:
    """Move the invoice's scheduled dispatches to send_at (None: the company policy's next send
    time); returns how many moved."""
    return invoices_reschedule(invoices=[invoice], send_at=send_at, actor=actor, user_id=user_id)


@transaction.atomic
def invoices_reschedule(
    *,
    invoices: Sequence[Invoice],
    send_at: dt.datetime | None,
    actor: str,
    user_id: int | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Reschedule the scheduled dispatches of many invoices (bulk action); returns how many moved."""
    now = now or timezone.now()
    dispatches = _scheduled(invoices)
    times: dict[int, dt.datetime] = {}  # one computation per customer
    for d in dispatches:
        customer = d.invoice.customer
        if customer.pk not in times:
            times[customer.pk] = _send_time(customer=customer, send_at=send_at, now=now)
        at = times[customer.pk]
        dispatch_transition(
            dispatch=d,
            to=State.SCHEDULED,
            kind="rescheduled",
            summary=f"rescheduled by {actor} to {timezone.localtime(at):%Y-%m-%d %H:%M %Z}",
            evidence={"from": d.scheduled_at.isoformat(), "to": at.isoformat()},
            actor=actor,
            user_id=user_id,
            scheduled_at=at,
            due_at=at,
        )
    _audit(
        action="invoice_reschedule",
        actor=actor,
        user_id=user_id,
        count=len(invoices),
        detail={
            "numbers": [i.number for i in invoices],
            "dispatches": len(dispatches),
            "send_at": send_at.isoformat() if send_at else None,
        },
    )
    return len(dispatches)


def _scheduled(invoices: Sequence[Invoice]) -> list[Dispatch]:
    # Locked, so that a worker claiming one at this moment either wins (and we skip it) or waits.
    return list(
        Dispatch.objects.select_for_update(of=("self",))
        .filter(invoice_id__in=[i.pk for i in invoices], state=State.SCHEDULED)
        .select_related("invoice__customer")
        .order_by("id")
    )


def _audit(*, action: str, actor: str, user_id: int | None, count: int, detail: dict[str, object]) -> None:
    AuditEntry.objects.create(action=action, actor=actor, user_id=user_id, target_count=count, detail=detail)
