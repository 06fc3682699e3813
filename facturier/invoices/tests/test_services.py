from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from facturier.core.models import AuditEntry
from facturier.crm.inputs import ConflictError, InputError, NotFoundError
from facturier.dispatch.models import Dispatch
from facturier.dispatch.services import dispatch_create, dispatch_transition
from facturier.invoices.inputs import InvoiceFields
from facturier.invoices.models import Invoice
from facturier.invoices.services import invoice_create, invoice_resend, invoices_cancel, invoices_reschedule
from facturier.testing.factories import make_customer, make_invoice, make_pdf

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)


def fields(**overrides: object) -> InvoiceFields:
    return InvoiceFields.model_validate(
        {
            "number": "F-1",
            "customer_ref": "C-1",
            "issue_date": "2026-11-23",
            "due_date": "2026-12-23",
            "total": "10.00",
            "currency": "EUR",
            **overrides,
        }
    )


@pytest.fixture
def customer() -> object:
    return make_customer(external_ref="C-1", emails=["a@one.example", "b@one.example"])


def test_invoice_create_schedules_per_address_at_the_policy_time(customer: object) -> None:
    invoice = invoice_create(data=fields(), pdf_bytes=make_pdf(), actor="tester", now=NOW)
    # Monday 23 Nov 2026 11:00 Paris -> next business day at the policy hour (08:00 Paris).
    assert set(invoice.dispatches.values_list("scheduled_at", flat=True)) == {
        dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)
    }
    assert invoice.dispatches.count() == 2
    invoice.refresh_from_db()
    assert invoice.status == "scheduled" and invoice.last_event_at is not None


def test_invoice_create_refuses_with_the_field_at_fault(customer: object) -> None:
    with pytest.raises(NotFoundError) as caught:
        invoice_create(data=fields(customer_ref="C-X"), pdf_bytes=make_pdf(), actor="t")
    assert caught.value.field == "customer_ref"
    with pytest.raises(InputError) as caught:
        invoice_create(data=fields(), pdf_bytes=b"nope", actor="t", pdf_field="pdf")
    assert caught.value.field == "pdf"
    invoice_create(data=fields(), pdf_bytes=make_pdf(), actor="t")
    with pytest.raises(ConflictError):
        invoice_create(data=fields(), pdf_bytes=make_pdf(), actor="t")
    assert Invoice.objects.count() == 1


def test_bulk_cancel_leaves_sending_dispatches_alone(customer: object) -> None:
    invoices = [make_invoice(customer=customer) for _ in range(3)]
    for inv in invoices:
        dispatch_create(invoice=inv, recipient="a@one.example", send_at=LATER)
    busy = Dispatch.objects.filter(invoice=invoices[0]).get()
    dispatch_transition(dispatch=busy, to="sending", kind="sending", summary="")
    assert invoices_cancel(invoices=invoices, actor="ops", user_id=None) == 2
    busy.refresh_from_db()
    assert busy.state == "sending"
    entry = AuditEntry.objects.get()
    assert entry.action == "invoice_cancel" and entry.target_count == 3 and entry.detail["dispatches"] == 2


def test_bulk_reschedule_without_send_at_uses_the_policy(customer: object) -> None:
    inv = make_invoice(customer=customer)
    d = dispatch_create(invoice=inv, recipient="a@one.example", send_at=LATER)
    assert invoices_reschedule(invoices=[inv], send_at=None, actor="ops", now=NOW) == 1
    d.refresh_from_db()
    assert d.scheduled_at == d.due_at == dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)
    assert d.state == "scheduled"


def test_reschedule_refuses_a_naive_send_at(customer: object) -> None:
    inv = make_invoice(customer=customer)
    dispatch_create(invoice=inv, recipient="a@one.example", send_at=LATER)
    with pytest.raises(InputError) as caught:
        invoices_reschedule(invoices=[inv], send_at=dt.datetime(2026, 12, 1, 8, 0), actor="ops")
    assert caught.value.field == "send_at"


def test_resend_looks_up_many_numbers_in_a_fixed_number_of_queries(customer: object) -> None:
    make_invoice(customer=customer, number="F-EXISTS")
    with CaptureQueriesContext(connection) as few:
        invoice_resend(numbers=["F-NOPE-1"], send_at=None, actor="ops")
    with CaptureQueriesContext(connection) as many:
        invoice_resend(numbers=[f"F-NOPE-{n}" for n in range(200)], send_at=None, actor="ops")
    assert len(many) == len(few)


def test_an_unexpected_error_during_resend_writes_nothing(customer: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from facturier.invoices import services

    good = make_invoice(customer=customer, number="F-GOOD")
    bad = make_invoice(customer=customer, number="F-BAD")
    real = services.dispatch_create

    def fail_for_bad_second_address(**kwargs: object) -> object:
        if kwargs["invoice"] == bad and kwargs["recipient"] == "b@one.example":
            raise RuntimeError("boom")
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(services, "dispatch_create", fail_for_bad_second_address)
    with pytest.raises(RuntimeError):
        invoice_resend(numbers=["F-GOOD", "F-BAD"], send_at=None, actor="ops")
    # The whole call is one transaction: an unexpected error undoes it all (nothing half-sent).
    assert not Dispatch.objects.filter(invoice__in=[good, bad]).exists()
