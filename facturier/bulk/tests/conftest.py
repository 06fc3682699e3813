from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from facturier.crm.models import Customer
from facturier.dispatch.models import Dispatch
from facturier.invoices.models import Invoice
from facturier.testing.factories import make_customer

_seq = itertools.count(1)


def invoices(customer: Customer, n: int, *, status: str = "delivered", prefix: str = "B") -> list[Invoice]:
    """Invoice rows without a PDF file: bulk actions work on rows and dispatches."""
    today = dt.date(2026, 11, 23)
    return Invoice.objects.bulk_create(
        Invoice(
            number=f"{prefix}-{next(_seq):06d}",
            customer=customer,
            issue_date=today,
            due_date=today + dt.timedelta(days=30),
            total=Decimal("10.00"),
            pdf="invoices/x.pdf",
            status=status,
        )
        for _ in range(n)
    )


def schedule(invoices: list[Invoice], *, at: dt.datetime | None = None) -> None:
    """A scheduled dispatch for each invoice (rows only, as the worker would find them)."""
    at = at or dt.datetime(2030, 1, 7, 8, 0, tzinfo=dt.UTC)
    Dispatch.objects.bulk_create(
        Dispatch(
            invoice=inv,
            recipient="compta@client.example",
            state="scheduled",
            scheduled_at=at,
            due_at=at,
            token=f"k{inv.pk}",
        )
        for inv in invoices
    )
    Invoice.objects.filter(pk__in=[i.pk for i in invoices]).update(status="scheduled")


@pytest.fixture
def customer(db: None) -> Customer:
    return make_customer(emails=["compta@client.example"])


@pytest.fixture
def operator_client(client: Client, operator: Any) -> Client:
    client.force_login(operator)
    return client


@pytest.fixture
def viewer_client(client: Client, viewer: Any) -> Client:
    client.force_login(viewer)
    return client
