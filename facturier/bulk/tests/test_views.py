from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from facturier.bulk.models import BulkJob
from facturier.bulk.services import bulk_job_start
from facturier.bulk.tests.conftest import invoices, schedule
from facturier.testing.factories import make_user

pytestmark = pytest.mark.django_db

START = "/bulk/start/"


def test_start_url_is_stable_for_the_invoice_list() -> None:
    assert reverse("bulk:start") == START


def test_operator_starts_a_small_job_and_it_runs_inline(customer: Any, operator_client: Client) -> None:
    rows = invoices(customer, 3)
    schedule(rows[:2])
    response = operator_client.post(START, {"action": "cancel", "invoice_ids": [r.pk for r in rows]})
    job = BulkJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("bulk:detail", kwargs={"job_id": job.pk})
    assert (job.state, job.done, job.skipped) == ("done", 2, 1)  # ran inside the request


def test_a_large_job_is_left_to_the_worker(customer: Any, operator_client: Client) -> None:
    rows = invoices(customer, 51)
    operator_client.post(START, {"action": "cancel", "invoice_ids": [r.pk for r in rows]})
    assert BulkJob.objects.get().state == "queued"


def test_htmx_start_answers_with_the_progress_fragment(customer: Any, operator_client: Client) -> None:
    rows = invoices(customer, 2)
    response = operator_client.post(
        START, {"action": "cancel", "filter_query": "state=delivered"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<section")
    assert f'<progress max="{len(rows)}" value="{len(rows)}">' in html


def test_send_at_is_read_in_the_users_time_zone(customer: Any, operator_client: Client) -> None:
    rows = invoices(customer, 51)  # queued, so the params are seen as stored
    operator_client.post(
        START, {"action": "resend_at", "send_at": "2030-12-02T09:30", "invoice_ids": [r.pk for r in rows]}
    )
    assert BulkJob.objects.get().params == {"send_at": "2030-12-02T09:30:00+01:00"}  # Europe/Paris, winter


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"invoice_ids": ["1"]}, "action"),
        ({"action": "explode", "invoice_ids": ["1"]}, "action"),
        ({"action": "resend_at", "invoice_ids": ["1"]}, "send_at"),
        ({"action": "resend_at", "send_at": "2030-13-45T99:00", "invoice_ids": ["1"]}, "send_at"),
        ({"action": "reschedule", "send_at": "2001-01-01T08:00", "invoice_ids": ["1"]}, "send_at"),
        ({"action": "cancel", "invoice_ids": ["1", "abc"]}, "invoice_ids"),
        ({"action": "cancel"}, "invoice_ids or filter_query"),
        ({"action": "cancel", "invoice_ids": ["1"], "filter_query": "state=new"}, "invoice_ids or filter_query"),
        ({"action": "cancel", "filter_query": "size=50&after=2026-01-01~3"}, "filter_query"),
    ],
)
def test_bad_requests_are_400_naming_the_field(operator_client: Client, data: dict[str, Any], field: str) -> None:
    response = operator_client.post(START, data)
    assert response.status_code == 400
    assert f"{field}:" in response.content.decode()
    assert not BulkJob.objects.exists()


def test_errors_come_as_a_fragment_for_htmx(operator_client: Client) -> None:
    response = operator_client.post(START, {"action": "cancel"}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert response.content.decode().lstrip().startswith('<div class="error" role="alert">')


@pytest.mark.parametrize("action", ["resend_now", "resend_at", "reschedule", "cancel", "print_now"])
def test_viewer_gets_403_for_every_bulk_action(customer: Any, viewer_client: Client, action: str) -> None:
    rows = invoices(customer, 1)
    data = {"action": action, "send_at": "2030-12-02T09:30", "invoice_ids": [rows[0].pk]}
    assert viewer_client.post(START, data).status_code == 403
    assert not BulkJob.objects.exists()


def test_the_other_bulk_urls_accept_no_post(customer: Any, operator: Any, viewer_client: Client) -> None:
    job = bulk_job_start(user=operator, action="cancel", params={}, invoice_ids=[invoices(customer, 1)[0].pk])
    for name, kwargs in (
        ("bulk:index", {}),
        ("bulk:detail", {"job_id": job.pk}),
        ("bulk:progress", {"job_id": job.pk}),
    ):
        assert viewer_client.post(reverse(name, kwargs=kwargs)).status_code in (403, 405)


def test_account_without_role_sees_no_progress(customer: Any, operator: Any, client: Client) -> None:
    job = bulk_job_start(user=operator, action="cancel", params={}, invoice_ids=[invoices(customer, 1)[0].pk])
    client.force_login(make_user("nobody", None))
    assert client.get(reverse("bulk:detail", kwargs={"job_id": job.pk})).status_code == 403


def test_viewer_sees_progress_pages(customer: Any, operator: Any, viewer_client: Client) -> None:
    job = bulk_job_start(user=operator, action="cancel", params={}, invoice_ids=[invoices(customer, 1)[0].pk])
    for name in ("bulk:detail", "bulk:progress"):
        assert viewer_client.get(reverse(name, kwargs={"job_id": job.pk})).status_code == 200
    assert viewer_client.get(reverse("bulk:index")).status_code == 200
    assert viewer_client.get(reverse("bulk:detail", kwargs={"job_id": job.pk + 1})).status_code == 404


def test_start_is_post_only(operator_client: Client) -> None:
    assert operator_client.get(START).status_code == 405


def test_csrf_token_is_required(customer: Any, operator: Any) -> None:
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(operator)
    rows = invoices(customer, 1)
    data = {"action": "cancel", "invoice_ids": [rows[0].pk]}
    assert csrf_client.post(START, data).status_code == 403
    assert not BulkJob.objects.exists()
    csrf_client.get(reverse("bulk:index"))  # the page's forms set the CSRF cookie
    token = csrf_client.cookies["csrftoken"].value
    assert csrf_client.post(START, data, headers={"X-CSRFToken": token}).status_code == 302


def test_skip_examples_render_as_text(customer: Any, operator: Any, viewer_client: Client) -> None:
    (row,) = invoices(customer, 1, prefix="<img src=x onerror=alert(1)>")
    operator_client = Client()
    operator_client.force_login(operator)
    operator_client.post(START, {"action": "cancel", "invoice_ids": [row.pk]})
    job = BulkJob.objects.get()
    html = viewer_client.get(reverse("bulk:detail", kwargs={"job_id": job.pk})).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x" not in html


def test_progress_page_is_in_french_by_default(customer: Any, operator: Any, viewer_client: Client) -> None:
    job = bulk_job_start(user=operator, action="cancel", params={}, invoice_ids=[invoices(customer, 1)[0].pk])
    response = viewer_client.get(reverse("bulk:detail", kwargs={"job_id": job.pk}))
    assert response.context["LANGUAGE_CODE"] == "fr"
