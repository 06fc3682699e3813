from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from facturier.api.tests.helpers import fields_of
from facturier.core.models import AuditEntry
from facturier.crm.models import EmailStatus
from facturier.dispatch.models import Dispatch
from facturier.dispatch.services import dispatch_create, dispatch_transition
from facturier.testing.factories import make_customer, make_invoice

pytestmark = pytest.mark.django_db

SOON = dt.datetime(2031, 12, 1, 8, 0, tzinfo=dt.UTC)


def sent(invoice: Any, recipient: str) -> Dispatch:
    d = dispatch_create(invoice=invoice, recipient=recipient, send_at=SOON)
    dispatch_transition(dispatch=d, to="sending", kind="sending", summary="")
    dispatch_transition(dispatch=d, to="accepted", kind="smtp_accepted", summary="250")
    return d


def test_resend_creates_a_dispatch_per_address_linked_to_the_previous_one(api: Client) -> None:
    customer = make_customer(emails=["a@x.example", "b@x.example"])
    invoice = make_invoice(customer=customer, number="F-1")
    previous = sent(invoice, "a@x.example")
    busy = make_invoice(customer=customer, number="F-BUSY")
    dispatch_create(invoice=busy, recipient="a@x.example", send_at=SOON)
    nobody = make_invoice(customer=make_customer(emails=["z@x.example"]), number="F-INVALID")
    nobody.customer.emails.update(status=EmailStatus.INVALID)
    response = api.post(
        "/api/v1/invoices/resend",
        {"numbers": ["F-1", "F-BUSY", "F-NOPE", "F-INVALID", "F-1"], "send_at": "2031-12-02T10:00:00+01:00"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    results = {r["number"]: r for r in response.json()["results"]}
    assert len(response.json()["results"]) == 4  # one result per distinct number
    assert results["F-1"]["status"] == "resent" and len(results["F-1"]["dispatch_ids"]) == 2
    busy_result = {"status": "skipped", "reason": "a dispatch is still scheduled or sending", "dispatch_ids": []}
    assert results["F-BUSY"] == {"number": "F-BUSY", **busy_result}
    assert results["F-NOPE"]["reason"] == "unknown invoice number"
    assert results["F-INVALID"]["reason"] == "the customer has no valid e-mail address"
    new = {d.recipient: d for d in Dispatch.objects.filter(pk__in=results["F-1"]["dispatch_ids"])}
    assert new["a@x.example"].resend_of_id == previous.pk
    assert new["b@x.example"].resend_of_id is None  # never sent there before
    assert new["a@x.example"].scheduled_at == dt.datetime(2031, 12, 2, 9, 0, tzinfo=dt.UTC)
    audit = AuditEntry.objects.get(action="invoice_resend")
    assert audit.actor == "api:erp-test" and audit.target_count == 1
    assert audit.detail["skipped"]["F-NOPE"] == "unknown invoice number"


def test_resend_without_send_at_goes_now(api: Client) -> None:
    invoice = make_invoice(number="F-2")
    sent(invoice, invoice.customer.emails.get().address)
    before = dt.datetime.now(dt.UTC)
    response = api.post("/api/v1/invoices/resend", {"numbers": ["F-2"]}, content_type="application/json")
    new = Dispatch.objects.get(pk=response.json()["results"][0]["dispatch_ids"][0])
    assert before - dt.timedelta(seconds=1) <= new.scheduled_at <= dt.datetime.now(dt.UTC)


def test_resend_with_a_naive_send_at_names_send_at(api: Client) -> None:
    response = api.post(
        "/api/v1/invoices/resend", {"numbers": ["F-1"], "send_at": "2031-12-02T10:00"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert fields_of(response) == ["send_at"]


def test_cancel_cancels_scheduled_dispatches_and_is_audited(api: Client) -> None:
    customer = make_customer(emails=["a@x.example", "b@x.example"])
    invoice = make_invoice(customer=customer, number="F-3")
    dispatch_create(invoice=invoice, recipient="a@x.example", send_at=SOON)
    dispatch_create(invoice=invoice, recipient="b@x.example", send_at=SOON)
    response = api.post("/api/v1/invoices/F-3/cancel")
    assert response.status_code == 200
    assert response.json() == {"number": "F-3", "dispatches": 2, "status": "cancelled"}
    assert set(Dispatch.objects.values_list("state", flat=True)) == {"cancelled"}
    assert AuditEntry.objects.get(action="invoice_cancel").detail["dispatches"] == 2
    assert api.post("/api/v1/invoices/NOPE/cancel").status_code == 404


def test_reschedule_moves_scheduled_dispatches(api: Client) -> None:
    invoice = make_invoice(number="F-4")
    d = dispatch_create(invoice=invoice, recipient="a@x.example", send_at=SOON)
    response = api.post(
        "/api/v1/invoices/F-4/reschedule", {"send_at": "2031-12-10T08:00:00Z"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["dispatches"] == 1
    d.refresh_from_db()
    assert d.scheduled_at == d.due_at == dt.datetime(2031, 12, 10, 8, 0, tzinfo=dt.UTC)
    assert d.events.filter(kind="rescheduled").count() == 1
    assert AuditEntry.objects.get(action="invoice_reschedule").target_count == 1
