from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from django.db import connection

from facturier.dashboard import domain_stats
from facturier.dashboard.domain_stats import DomainStat, refresh_domain_stats
from facturier.dashboard.models import DomainStatSnapshot
from facturier.dashboard.tests.conftest import NOW, dispatch, invoices

# Two workers need two connections and real commits; serialized_rollback puts back the role
# groups (created by a data migration) that the flush after a transactional test removes.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


class SlowAggregate:
    """Stands in for the aggregate: counts calls and holds the first one until released, so that a
    second worker runs its step while the first is computing (and holding the snapshot row)."""

    def __init__(self) -> None:
        self.calls = 0
        self.computing, self.release = threading.Event(), threading.Event()
        self._real = domain_stats.deliverability_by_domain

    def __call__(self, *, now: dt.datetime) -> list[DomainStat]:
        self.calls += 1
        self.computing.set()
        assert self.release.wait(10)
        return self._real(now=now)


def run_step_in_thread(results: list[int]) -> threading.Thread:
    def worker() -> None:
        try:
            results.append(refresh_domain_stats(now=NOW))
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    return thread


@pytest.fixture
def slow(customer: Any, monkeypatch: pytest.MonkeyPatch) -> SlowAggregate:
    (invoice,) = invoices(customer, NOW.date(), "delivered", 1)
    dispatch(invoice, state="delivered", due_at=NOW - dt.timedelta(hours=1), recipient="a@example.com")
    aggregate = SlowAggregate()
    monkeypatch.setattr(domain_stats, "deliverability_by_domain", aggregate)
    return aggregate


def test_a_second_worker_passes_over_the_table_another_worker_is_computing(slow: SlowAggregate) -> None:
    DomainStatSnapshot.objects.create(computed_at=NOW - dt.timedelta(minutes=10), rows=[])
    results: list[int] = []
    first = run_step_in_thread(results)
    try:
        assert slow.computing.wait(10)
        assert refresh_domain_stats(now=NOW) == 0  # did not wait for the lock, did not compute
    finally:
        slow.release.set()
        first.join()
    assert (results, slow.calls) == ([1], 1)
    assert DomainStatSnapshot.objects.get().computed_at == NOW


def test_two_workers_on_a_fresh_install_compute_the_table_once(slow: SlowAggregate) -> None:
    results: list[int] = []
    first = run_step_in_thread(results)
    try:
        assert slow.computing.wait(10)
        # The second one waits for the first one's insert of the snapshot row, then finds it fresh.
        second = run_step_in_thread(results)
        time.sleep(0.3)
    finally:
        slow.release.set()
        first.join()
    second.join()
    assert (sorted(results), slow.calls) == ([0, 1], 1)
    (snapshot,) = DomainStatSnapshot.objects.all()
    assert (snapshot.computed_at, snapshot.rows[0]["domain"]) == (NOW, "example.com")
