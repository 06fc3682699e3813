"""The CRM timeline: every step worth telling a customer's account manager becomes one
CustomerActivity, and an outbound webhook to each active endpoint, in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from facturier.crm.models import Customer, CustomerActivity
from facturier.invoices.models import Invoice


@transaction.atomic
def customer_activity_record(
    *,
    customer: Customer,
    kind: str,
    summary: str,
    invoice: Invoice | None = None,
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> CustomerActivity:
    """Record one step on the customer's timeline and queue its webhooks (outbox pattern)."""
    from facturier.webhooks.delivery import deliveries_enqueue

    activity = CustomerActivity.objects.create(
        customer=customer, invoice=invoice, at=at or timezone.now(), kind=kind, summary=summary[:500], data=data or {}
    )
    deliveries_enqueue(activity=activity)
    return activity
