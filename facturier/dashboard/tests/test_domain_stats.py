from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from facturier.core.jobs import load_jobs
from facturier.dashboard.domain_stats import DomainStat, refresh_domain_stats
from facturier.dashboard.models import DomainStatSnapshot
from facturier.dashboard.selectors import dashboard_snapshot
from facturier.dashboard.tests.conftest import NOW, dispatch, invoices
from facturier.invoices.models import Invoice

pytestmark = pytest.mark.django_db

AN_HOUR_AGO = NOW - dt.timedelta(hours=1)


@pytest.fixture
def invoice(customer: Any) -> Invoice:
    (one,) = invoices(customer, NOW.date(), "delivered", 1)
    dispatch(one, state="delivered", due_at=AN_HOUR_AGO, recipient="a@example.com")
    return one


def stored() -> tuple[dt.datetime | None, list[DomainStat]]:
    (snapshot,) = DomainStatSnapshot.objects.all()  # only ever one row
    return snapshot.computed_at, [DomainStat(**row) for row in snapshot.rows]


def test_the_worker_runs_the_step() -> None:
    assert "facturier.dashboard.domain_stats.refresh_domain_stats" in dict(load_jobs())


def test_the_step_computes_and_stores_the_table(invoice: Invoice) -> None:
    assert refresh_domain_stats(now=NOW) == 1
    assert stored() == (NOW, [DomainStat("example.com", 1, 0, 0, 0)])


def test_the_step_does_nothing_while_the_table_is_fresh(invoice: Invoice, django_assert_num_queries: Any) -> None:
    refresh_domain_stats(now=NOW)
    dispatch(invoice, state="bounced_hard", due_at=AN_HOUR_AGO, recipient="b@example.com")
    with django_assert_num_queries(1):  # reads the snapshot's age, nothing else
        assert refresh_domain_stats(now=NOW + dt.timedelta(minutes=4, seconds=59)) == 0
    assert stored() == (NOW, [DomainStat("example.com", 1, 0, 0, 0)])


def test_the_step_recomputes_the_table_once_it_is_five_minutes_old(invoice: Invoice) -> None:
    refresh_domain_stats(now=NOW)
    dispatch(invoice, state="bounced_hard", due_at=AN_HOUR_AGO, recipient="b@example.com")
    later = NOW + dt.timedelta(minutes=5)
    assert refresh_domain_stats(now=later) == 1
    assert stored() == (later, [DomainStat("example.com", 2, 1, 0, 0)])  # replaced, not added


def test_a_fresh_install_computes_the_table_on_request_and_stores_it(invoice: Invoice) -> None:
    snap = dashboard_snapshot(now=NOW)
    assert (snap.domains, snap.domains_at) == ([DomainStat("example.com", 1, 0, 0, 0)], NOW)
    assert stored() == (NOW, snap.domains)
    assert refresh_domain_stats(now=NOW + dt.timedelta(minutes=1)) == 0  # the worker finds it fresh


def test_the_dashboard_shows_the_stored_table_until_the_worker_refreshes_it(
    invoice: Invoice, django_assert_num_queries: Any
) -> None:
    refresh_domain_stats(now=NOW)
    dispatch(invoice, state="bounced_hard", due_at=AN_HOUR_AGO, recipient="b@example.com")
    # 29 minutes without a worker: still the stored figures, and no aggregate over the dispatches.
    with django_assert_num_queries(7):
        snap = dashboard_snapshot(now=NOW + dt.timedelta(minutes=29))
    assert (snap.domains, snap.domains_at) == ([DomainStat("example.com", 1, 0, 0, 0)], NOW)
    refresh_domain_stats(now=NOW + dt.timedelta(minutes=6))
    snap = dashboard_snapshot(now=NOW + dt.timedelta(minutes=7))
    assert snap.domains == [DomainStat("example.com", 2, 1, 0, 0)]


def test_a_table_nobody_refreshed_for_30_minutes_is_recomputed_by_the_request(invoice: Invoice) -> None:
    refresh_domain_stats(now=NOW)
    dispatch(invoice, state="bounced_hard", due_at=AN_HOUR_AGO, recipient="b@example.com")
    later = NOW + dt.timedelta(minutes=30)
    snap = dashboard_snapshot(now=later)
    assert (snap.domains, snap.domains_at) == ([DomainStat("example.com", 2, 1, 0, 0)], later)
    assert stored() == (later, snap.domains)
