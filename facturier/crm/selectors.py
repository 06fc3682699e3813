"""Reads on customers."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from facturier.crm.models import Customer, CustomerEmail, EmailStatus


def customer_get(*, external_ref: str) -> Customer | None:
    return Customer.objects.filter(external_ref=external_ref).first()


def customers_by_ref(*, refs: Iterable[str]) -> dict[str, Customer]:
    """Customers keyed by external_ref, in one query (used by the imports)."""
    return {c.external_ref: c for c in Customer.objects.filter(external_ref__in=set(refs))}


def customer_with_emails(*, external_ref: str) -> Customer | None:
    return customers_with_emails().filter(external_ref=external_ref).first()


def customers_with_emails() -> QuerySet[Customer]:
    """Customers with their active addresses prefetched as `active_emails`, oldest first."""
    return Customer.objects.prefetch_related(
        Prefetch("emails", queryset=CustomerEmail.objects.filter(active=True).order_by("id"), to_attr="active_emails")
    )


def sendable_addresses(customer: Customer) -> list[str]:
    """Active addresses not known to be invalid: where an invoice may be sent by e-mail."""
    emails = getattr(customer, "active_emails", None)
    if emails is None:
        emails = list(customer.emails.filter(active=True).order_by("id"))
    return [e.address for e in emails if e.status != EmailStatus.INVALID]
