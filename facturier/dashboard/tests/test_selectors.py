from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from facturier.dashboard.domain_stats import deliverability_by_domain, refresh_domain_stats
from facturier.dashboard.selectors import dashboard_snapshot
from facturier.dashboard.tests.conftest import NOW, dispatch, invoices

pytestmark = pytest.mark.django_db


def test_snapshot_is_seven_queries_whatever_the_rows(customer: Any, django_assert_num_queries: Any) -> None:
    rows = invoices(customer, NOW.date(), "scheduled", 30)
    for i, invoice in enumerate(rows):
        dispatch(invoice, state="scheduled", due_at=NOW + dt.timedelta(hours=i))
        dispatch(invoice, state="delivered", due_at=NOW - dt.timedelta(days=1), recipient=f"c{i}@d{i % 7}.test")
    refresh_domain_stats(now=NOW)  # as the worker does
    with django_assert_num_queries(7):
        snap = dashboard_snapshot(now=NOW)
    assert sum(n for _h, n in snap.schedule.hours) == 30
    assert len(snap.domains) == 7


def test_domains_are_compared_case_insensitively(customer: Any) -> None:
    (invoice,) = invoices(customer, NOW.date(), "delivered", 1)
    dispatch(invoice, state="delivered", due_at=NOW - dt.timedelta(hours=1), recipient="a@Example.COM")
    dispatch(invoice, state="bounced_soft", due_at=NOW - dt.timedelta(hours=1), recipient="b@example.com")
    (stat,) = deliverability_by_domain(now=NOW)
    assert (stat.domain, stat.sent, stat.soft, stat.bounce_rate) == ("example.com", 2, 1, 0.5)
