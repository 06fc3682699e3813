"""Concurrency of the bulk actions, on PostgreSQL (SQLite serialises writers anyway)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from facturier.dispatch.models import Dispatch
from facturier.invoices.services import ResendResult, invoice_resend
from facturier.testing.factories import make_customer, make_invoice

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_people_resending_the_same_invoice_at_once_send_it_once() -> None:
    make_invoice(customer=make_customer(emails=["a@x.example"]), number="F-RACE")
    start = threading.Barrier(2)
    results: list[ResendResult] = []

    def resend() -> None:
        try:
            start.wait()
            results.extend(invoice_resend(numbers=["F-RACE"], send_at=None, actor="racer"))
        finally:
            connection.close()

    threads = [threading.Thread(target=resend) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status for r in results) == ["resent", "skipped"]
    assert Dispatch.objects.filter(invoice__number="F-RACE").count() == 1
