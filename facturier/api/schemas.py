"""What the API answers. Field names are a contract with ERP integrations: add, never rename."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from facturier.crm.models import Customer
from facturier.dispatch.models import DeliveryEvent, Dispatch
from facturier.invoices.inputs import SendAtInput
from facturier.invoices.models import Invoice


class FieldErrorOut(BaseModel):
    field: str
    message: str


class ErrorOut(BaseModel):
    detail: list[FieldErrorOut]


class CustomerEmailOut(BaseModel):
    address: str
    status: str
    active: bool


class CustomerOut(BaseModel):
    external_ref: str
    name: str
    language: str
    emails: list[CustomerEmailOut] = Field(description="active addresses, then retired ones")
    postal_name: str
    line1: str
    line2: str
    postal_code: str
    city: str
    country: str
    time_zone: str
    send_days: list[int]
    send_from: dt.time
    send_until: dt.time
    phone: str


class DispatchOut(BaseModel):
    id: int
    channel: str
    state: str
    recipient: str
    scheduled_at: dt.datetime
    message_id: str | None
    accepted_at: dt.datetime | None
    attempts: int
    last_reply: str
    resend_of: int | None


class DispatchListItem(DispatchOut):
    invoice_number: str
    state_changed_at: dt.datetime


class DispatchPage(BaseModel):
    count: int
    limit: int
    offset: int
    items: list[DispatchListItem]


class EventOut(BaseModel):
    at: dt.datetime
    kind: str
    summary: str
    from_state: str
    to_state: str
    evidence: dict[str, Any]
    dispatch_id: int | None
    actor: str


class InvoiceOut(BaseModel):
    number: str
    status: str = Field(description="roll-up of the current dispatches: a state, 'partial' or 'new'")
    status_detail: str = Field(description="for 'partial': e.g. 'bounced_hard 1, delivered 1'")
    customer_ref: str
    total: Decimal
    currency: str
    issue_date: dt.date
    due_date: dt.date
    pdf_sha256: str
    created_at: dt.datetime
    dispatches: list[DispatchOut]
    events: list[EventOut]


class ResendIn(SendAtInput):
    numbers: list[str] = Field(min_length=1, max_length=1000, description="invoice numbers")


class ResendResultOut(BaseModel):
    number: str
    status: str = Field(description="resent or skipped")
    reason: str
    dispatch_ids: list[int]


class ResendOut(BaseModel):
    results: list[ResendResultOut]


class RescheduleIn(SendAtInput):
    pass


class ActionOut(BaseModel):
    number: str
    dispatches: int = Field(description="how many scheduled dispatches were changed")
    status: str


def customer_out(customer: Customer) -> dict[str, Any]:
    emails = sorted(customer.emails.all(), key=lambda e: (not e.active, e.pk))
    return {
        "external_ref": customer.external_ref,
        "name": customer.name,
        "language": customer.language,
        "emails": [{"address": e.address, "status": e.status, "active": e.active} for e in emails],
        "postal_name": customer.postal_name,
        "line1": customer.postal_line1,
        "line2": customer.postal_line2,
        "postal_code": customer.postal_code,
        "city": customer.postal_city,
        "country": customer.postal_country,
        "time_zone": customer.time_zone,
        "send_days": [int(d) for d in customer.send_days],
        "send_from": customer.send_from,
        "send_until": customer.send_until,
        "phone": customer.phone,
    }


def dispatch_out(d: Dispatch) -> dict[str, Any]:
    return {
        "id": d.pk,
        "channel": d.channel,
        "state": d.state,
        "recipient": d.recipient,
        "scheduled_at": d.scheduled_at,
        "message_id": d.message_id,
        "accepted_at": d.accepted_at,
        "attempts": d.attempts,
        "last_reply": d.last_reply,
        "resend_of": d.resend_of_id,
    }


def dispatch_list_item(d: Dispatch) -> dict[str, Any]:
    return {**dispatch_out(d), "invoice_number": d.invoice.number, "state_changed_at": d.state_changed_at}


def event_out(e: DeliveryEvent) -> dict[str, Any]:
    return {
        "at": e.at,
        "kind": e.kind,
        "summary": e.summary,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "evidence": e.evidence,
        "dispatch_id": e.dispatch_id,
        "actor": e.actor,
    }


def invoice_out(invoice: Invoice) -> dict[str, Any]:
    """Expects dispatches and events prefetched (invoices.selectors.invoice_get_with_timeline)."""
    return {
        "number": invoice.number,
        "status": invoice.status,
        "status_detail": invoice.status_detail,
        "customer_ref": invoice.customer.external_ref,
        "total": invoice.total,
        "currency": invoice.currency,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "pdf_sha256": invoice.pdf_sha256,
        "created_at": invoice.created_at,
        "dispatches": [dispatch_out(d) for d in invoice.dispatches.all()],
        "events": [event_out(e) for e in invoice.events.all()],
    }
