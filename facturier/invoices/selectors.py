"""Reads on invoices and their dispatches, for the API and the screens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from facturier.dispatch.models import DeliveryEvent, Dispatch
from facturier.invoices.models import Invoice


def invoice_get_with_timeline(number: str) -> Invoice | None:
    """The invoice with its customer, dispatches (oldest first) and timeline events prefetched."""
    return (
        Invoice.objects.select_related("customer")
        .prefetch_related(
            Prefetch("dispatches", queryset=Dispatch.objects.order_by("id")),
            Prefetch("events", queryset=DeliveryEvent.objects.order_by("at", "id")),
        )
        .filter(number=number)
        .first()
    )


def invoices_by_number(numbers: Sequence[str]) -> dict[str, Invoice]:
    return {i.number: i for i in Invoice.objects.filter(number__in=set(numbers)).select_related("customer")}


@dataclass(frozen=True)
class DispatchFilters:
    states: Sequence[str] = ()
    channel: str | None = None
    since: dt.datetime | None = None  # scheduled_at >= since
    until: dt.datetime | None = None  # scheduled_at < until
    changed_since: dt.datetime | None = None  # state_changed_at >= changed_since (polling for news)


def dispatch_list(filters: DispatchFilters) -> QuerySet[Dispatch]:
    """Dispatches matching the filters, newest scheduled first, with their invoice number."""
    qs = Dispatch.objects.select_related("invoice")
    if filters.states:
        qs = qs.filter(state__in=list(filters.states))
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.since:
        qs = qs.filter(scheduled_at__gte=filters.since)
    if filters.until:
        qs = qs.filter(scheduled_at__lt=filters.until)
    if filters.changed_since:
        qs = qs.filter(state_changed_at__gte=filters.changed_since)
    return qs.order_by("-scheduled_at", "-id")
