"""Reads for the letters pages."""

from __future__ import annotations

from django.db.models import QuerySet

from facturier.crm.models import Customer, CustomerEmail
from facturier.letters.models import BatchState, PrintBatch

PAGE = 50


def batch_list() -> QuerySet[PrintBatch]:
    return PrintBatch.objects.order_by("-due_at", "-id")


def open_batch_ids() -> list[int]:
    return list(PrintBatch.objects.filter(state=BatchState.OPEN).order_by("due_at").values_list("id", flat=True))


def customer_emails(*, customer: Customer) -> QuerySet[CustomerEmail]:
    """Every address of the customer, current and retired (the history), newest last."""
    return customer.emails.select_related("replaced_by").order_by("id")
