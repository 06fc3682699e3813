"""Work items as the rules leave them, for the worklist tests."""

from __future__ import annotations

from typing import Any

from facturier.dispatch.models import Dispatch
from facturier.dispatch.states import State
from facturier.returns.ingest import ingest
from facturier.returns.tests.helpers import dsn, sent_dispatch
from facturier.worklist.models import WorkItem, WorkItemKind
from facturier.worklist.services import work_item_open


def invalid_address_item(*, recipient: str = "gone@customer.example", diagnostic: str = "") -> WorkItem:
    """A hard-bounce DSN ingested for a sent invoice: address marked invalid, an open item."""
    d = sent_dispatch(recipient=recipient)
    ingest(raw=dsn(d, diagnostic=diagnostic or "550 5.1.1 user unknown"), source="upload")
    return WorkItem.objects.get(kind=WorkItemKind.INVALID_ADDRESS, dispatch=d)


def uncertain_item(**fields: Any) -> WorkItem:
    d: Dispatch = sent_dispatch(state=State.UNCERTAIN, **fields)
    return work_item_open(
        kind=WorkItemKind.UNCERTAIN_DISPATCH,
        title=f"Invoice {d.invoice.number}: was it sent to {d.recipient}?",
        invoice_id=d.invoice_id,
        customer_id=d.invoice.customer_id,
        dispatch_id=d.pk,
    )
