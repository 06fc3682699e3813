from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from facturier.crm.models import Customer
from facturier.dispatch.models import Dispatch
from facturier.invoices.models import Invoice
from facturier.testing.factories import make_customer

PARIS = ZoneInfo("Europe/Paris")
# A Wednesday: the week started on Monday 23 November.
NOW = dt.datetime(2026, 11, 25, 10, 20, tzinfo=PARIS)
_seq = itertools.count(1)


@pytest.fixture
def frozen_now() -> Iterator[dt.datetime]:
    with time_machine.travel(NOW, tick=False):
        yield NOW


def invoices(customer: Customer, day: dt.date, status: str, n: int) -> list[Invoice]:
    """Rows only (no PDF file): the dashboard reads statuses and dates."""
    return Invoice.objects.bulk_create(
        Invoice(
            number=f"D-{next(_seq):06d}",
            customer=customer,
            issue_date=day,
            due_date=day + dt.timedelta(days=30),
            total=Decimal("10.00"),
            pdf="invoices/x.pdf",
            status=status,
        )
        for _ in range(n)
    )


def dispatch(invoice: Invoice, *, state: str, due_at: dt.datetime, recipient: str = "a@example.com") -> Dispatch:
    return Dispatch.objects.create(
        invoice=invoice,
        recipient=recipient,
        state=state,
        scheduled_at=due_at,
        due_at=due_at,
        token=f"t{next(_seq)}",
    )


@pytest.fixture
def customer(db: None) -> Any:
    return make_customer(name="Dupont & Fils")
