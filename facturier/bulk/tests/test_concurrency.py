from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from facturier.bulk.models import BulkJob
from facturier.bulk.runner import run_due
from facturier.bulk.services import bulk_job_start
from facturier.bulk.tests.conftest import invoices
from facturier.testing.factories import make_customer

# Two workers need two connections and real commits; serialized_rollback puts back the role
# groups (created by a data migration) that the flush after a transactional test removes.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_second_worker_passes_over_the_job_another_worker_holds(operator: Any) -> None:
    customer = make_customer()
    first = bulk_job_start(user=operator, action="cancel", params={}, invoice_ids=[invoices(customer, 1)[0].pk])
    second = bulk_job_start(user=operator, action="cancel", params={}, invoice_ids=[invoices(customer, 1)[0].pk])
    holding, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():
                BulkJob.objects.select_for_update().get(pk=first.pk)  # as run_due holds it mid-chunk
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert holding.wait(10)
        assert run_due(now=timezone.now()) == 1  # did not wait for the lock: took the next job
        assert BulkJob.objects.get(pk=second.pk).state == "done"
        assert BulkJob.objects.get(pk=first.pk).state == "queued"
    finally:
        release.set()
        thread.join()
    run_due(now=timezone.now())
    assert BulkJob.objects.get(pk=first.pk).state == "done"
