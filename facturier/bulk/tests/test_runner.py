from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from facturier.bulk import actions
from facturier.bulk.models import BulkJob
from facturier.bulk.runner import run_due
from facturier.bulk.services import bulk_job_start
from facturier.bulk.tests.conftest import invoices, schedule
from facturier.core.models import AuditEntry
from facturier.dispatch.models import Dispatch

pytestmark = pytest.mark.django_db

BUSY = "a dispatch is still scheduled or sending"


def test_a_500_invoice_resend_runs_in_chunks_with_progress_and_skip_reasons(
    customer: Any, operator: Any, viewer_client: Client
) -> None:
    rows = invoices(customer, 500)
    schedule(rows[:120])  # still scheduled: invoice_resend refuses to resend them now
    job = bulk_job_start(user=operator, action="resend_now", params={}, invoice_ids=[inv.pk for inv in reversed(rows)])
    assert (job.state, job.total) == ("queued", 500)

    now = timezone.now()
    assert run_due(now=now) == 200
    job.refresh_from_db()
    assert (job.state, job.done, job.skipped) == ("running", 80, 120)
    progress = viewer_client.get(reverse("bulk:progress", kwargs={"job_id": job.pk})).content.decode()
    assert '<progress max="500" value="200">' in progress
    assert 'hx-trigger="every 2s"' in progress  # still polling

    assert run_due(now=now) == 200
    assert run_due(now=now) == 100
    job.refresh_from_db()
    assert (job.state, job.done, job.skipped, job.total) == ("done", 380, 120, 500)
    assert job.skipped_reasons == {BUSY: 120}
    assert len(job.skipped_examples) == 20
    assert job.started_at and job.finished_at
    assert run_due(now=now) == 0  # nothing left

    assert Dispatch.objects.filter(state="scheduled", created_by=operator.username).count() == 380
    progress = viewer_client.get(reverse("bulk:progress", kwargs={"job_id": job.pk})).content.decode()
    assert '<progress max="500" value="500">' in progress
    assert "hx-trigger" not in progress  # finished: polling stops


def test_start_writes_an_audit_entry(customer: Any, operator: Any) -> None:
    rows = invoices(customer, 3)
    job = bulk_job_start(user=operator, action="cancel", params={}, invoice_ids=[r.pk for r in rows])
    entry = AuditEntry.objects.get(action="bulk.cancel")
    assert (entry.user, entry.actor, entry.target_count) == (operator, "otto-operator", 3)
    assert entry.detail["bulk_job"] == job.pk


def test_cancel_skips_invoices_with_nothing_scheduled(customer: Any, operator: Any) -> None:
    rows = invoices(customer, 4)
    schedule(rows[:3])
    job = bulk_job_start(user=operator, action="cancel", params={}, invoice_ids=[r.pk for r in rows])
    run_due(now=timezone.now())
    job.refresh_from_db()
    assert (job.state, job.done, job.skipped) == ("done", 3, 1)
    assert job.skipped_reasons == {actions.NOTHING_SCHEDULED: 1}
    assert set(Dispatch.objects.values_list("state", flat=True)) == {"cancelled"}


def test_reschedule_moves_scheduled_dispatches_to_the_given_time(customer: Any, operator: Any) -> None:
    rows = invoices(customer, 2)
    schedule(rows)
    at = dt.datetime(2031, 3, 4, 9, 0, tzinfo=dt.UTC)
    job = bulk_job_start(
        user=operator, action="reschedule", params={"send_at": at.isoformat()}, invoice_ids=[r.pk for r in rows]
    )
    run_due(now=timezone.now())
    job.refresh_from_db()
    assert (job.done, job.skipped) == (2, 0)
    assert set(Dispatch.objects.values_list("due_at", flat=True)) == {at}


def test_a_saved_filter_is_walked_up_to_the_invoices_present_at_start(customer: Any, operator: Any) -> None:
    bounced = invoices(customer, 5, status="bounced_hard")
    invoices(customer, 5, status="delivered")
    job = bulk_job_start(
        user=operator, action="resend_now", params={}, filter_query="state=bounced_hard&size=50&after=x"
    )
    assert (job.filter_query, job.total) == ("state=bounced_hard", 5)
    invoices(customer, 2, status="bounced_hard")  # arrived after the start: not part of the job
    from facturier.invoices.models import Invoice

    Invoice.objects.filter(pk=bounced[0].pk).update(status="delivered")  # left the filter meanwhile
    run_due(now=timezone.now())
    job.refresh_from_db()
    assert (job.state, job.done, job.skipped, job.total) == ("done", 4, 1, 5)
    assert job.skipped_reasons == {"no_longer_matches": 1}


def test_deleted_invoices_are_skipped_as_not_found(customer: Any, operator: Any) -> None:
    rows = invoices(customer, 3)
    job = bulk_job_start(user=operator, action="cancel", params={}, invoice_ids=[r.pk for r in rows])
    rows[1].delete()
    run_due(now=timezone.now())
    job.refresh_from_db()
    assert job.skipped_reasons == {"not_found": 1, actions.NOTHING_SCHEDULED: 2}
    assert job.state == "done"


def test_an_unexpected_error_fails_the_job_and_rolls_back_the_chunk(
    customer: Any, operator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = invoices(customer, 3)
    schedule(rows)
    job = bulk_job_start(user=operator, action="cancel", params={}, invoice_ids=[r.pk for r in rows])

    def cancel_then_break(invs: list[Any], ctx: actions.ActionContext) -> list[actions.Outcome]:
        actions.cancel(invs, ctx)
        raise RuntimeError("printer on fire")

    monkeypatch.setitem(actions.ACTIONS, "cancel", cancel_then_break)
    assert run_due(now=timezone.now()) == 1
    job.refresh_from_db()
    assert job.state == "failed"
    assert "printer on fire" in job.error
    assert (job.done, job.skipped) == (0, 0)
    assert set(Dispatch.objects.values_list("state", flat=True)) == {"scheduled"}  # rolled back
    assert run_due(now=timezone.now()) == 0  # a failed job is not retried on every loop


def test_jobs_run_oldest_first(customer: Any, operator: Any) -> None:
    a = bulk_job_start(user=operator, action="cancel", params={}, invoice_ids=[invoices(customer, 1)[0].pk])
    b = bulk_job_start(user=operator, action="cancel", params={}, invoice_ids=[invoices(customer, 1)[0].pk])
    run_due(now=timezone.now())
    assert BulkJob.objects.get(pk=a.pk).state == "done"
    assert BulkJob.objects.get(pk=b.pk).state == "queued"


def test_print_now_prints_letters_and_skips_what_cannot_be_printed(customer: Any, operator: Any) -> None:
    from facturier.testing.factories import make_customer, make_invoice

    printable = make_invoice(customer=customer)
    no_address = make_invoice(customer=make_customer(postal_line1="", postal_code="", postal_city=""))
    job = bulk_job_start(user=operator, action="print_now", params={}, invoice_ids=[printable.pk, no_address.pk])
    run_due(now=timezone.now())
    job.refresh_from_db()
    assert (job.state, job.done, job.skipped) == ("done", 1, 1)
    assert list(job.skipped_reasons) == ["no_postal_address"]
