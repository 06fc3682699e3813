"""The customer list (search) and a customer's page: addresses and their history, dispatches,
returns, work items, CRM activity; hostile data stays text; query counts do not grow with history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from facturier.crm.activities import customer_activity_record
from facturier.crm.models import CustomerEmail
from facturier.dispatch.models import Dispatch
from facturier.testing.factories import make_customer
from facturier.web.tests.conftest import sent_invoice
from facturier.web.tests.test_invoice_actions import hostile_inbound
from facturier.worklist.services import work_item_open

HOSTILE = "<script>alert(1)</script>"


def test_list_searches_name_and_reference(viewer_client: Client, db: None) -> None:
    make_customer(name="ACME Industrie", external_ref="ERP-0042")
    make_customer(name="Boulonnerie Bolt", external_ref="ERP-0077")
    html = viewer_client.get("/customers/?q=acme").content.decode()
    assert "ACME Industrie" in html and "Boulonnerie" not in html
    html = viewer_client.get("/customers/?q=ERP-007").content.decode()
    assert "Boulonnerie Bolt" in html and "ACME" not in html
    assert 'href="/customers/ERP-0042/"' in viewer_client.get("/customers/").content.decode()


def test_list_pages_by_name(viewer_client: Client, db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from facturier.web import selectors_customer

    for i in range(5):
        make_customer(name=f"Client {i}", external_ref=f"P-{i}")
    page = selectors_customer.customer_search(size=2)
    names = [c.name for c in page.rows]
    while page.next_after:
        page = selectors_customer.customer_search(size=2, after=page.next_after)
        names += [c.name for c in page.rows]
    assert names == [f"Client {i}" for i in range(5)]


@pytest.fixture
def rich_customer(db: None) -> Any:
    customer = make_customer(name=HOSTILE, external_ref="ERP-X", emails=["old@acme.example"], complaint_flag=True)
    old = CustomerEmail.objects.get(customer=customer)
    new = CustomerEmail.objects.create(customer=customer, address="new@acme.example", status="verified")
    old.active, old.replaced_by, old.status, old.status_reason = False, new, "invalid", "550 5.1.1 " + HOSTILE
    old.save()
    invoice = sent_invoice(number="F-CUST-1", customer=customer)
    hostile_inbound(invoice)
    work_item_open(kind="invalid_address", title="Adresse invalide " + HOSTILE, customer_id=customer.pk)
    customer_activity_record(customer=customer, kind="address_corrected", summary="corrected " + HOSTILE)
    return customer


def test_customer_page_shows_addresses_history_returns_work_and_activity(
    viewer_client: Client, rich_customer: Any
) -> None:
    response = viewer_client.get("/customers/ERP-X/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "old@acme.example" in html and "new@acme.example" in html
    assert "remplacée par new@acme.example" in html
    assert 'class="tag e-invalid"' in html and 'class="tag e-verified"' in html
    assert "F-CUST-1" in html and 'class="badge s-accepted"' in html  # the dispatch history
    assert "/returns/" in html  # the return, linked to its safe view
    assert "Adresse invalide" in html and "corrected" in html
    assert "<script>" not in html.split("<body", 1)[1].replace('<script src="', "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "/letters/correct/" not in html  # viewers do not correct addresses


def test_operators_get_the_address_correction_link(client: Client, operator: Any, rich_customer: Any) -> None:
    client.force_login(operator)
    assert 'href="/letters/correct/ERP-X/"' in client.get("/customers/ERP-X/").content.decode()


def test_unknown_customer_is_404_and_invoice_pages_link_to_the_customer(
    viewer_client: Client, rich_customer: Any
) -> None:
    assert viewer_client.get("/customers/NOPE/").status_code == 404
    assert 'href="/customers/ERP-X/"' in viewer_client.get("/invoices/F-CUST-1/").content.decode()
    assert 'href="/customers/ERP-X/"' in viewer_client.get("/invoices/").content.decode()


def test_customer_page_query_count_does_not_grow_with_history(
    viewer_client: Client, rich_customer: Any, django_assert_max_num_queries: Any
) -> None:
    # Session, user, groups, customer, emails, dispatches, returns, work items, activities, unpaid.
    with django_assert_max_num_queries(10):
        viewer_client.get("/customers/ERP-X/")
    for i in range(15):
        invoice = sent_invoice(number=f"F-CUST-{i + 2}", customer=rich_customer)
        customer_activity_record(customer=rich_customer, kind="resent", summary="x", invoice=invoice)
    assert Dispatch.objects.filter(invoice__customer=rich_customer).count() == 16
    with django_assert_max_num_queries(10):
        viewer_client.get("/customers/ERP-X/")


def test_customer_list_query_count_is_fixed(
    viewer_client: Client, db: None, django_assert_max_num_queries: Any
) -> None:
    for i in range(30):
        make_customer(name=f"Q {i:02d}", external_ref=f"Q-{i}")
    with django_assert_max_num_queries(4):
        viewer_client.get("/customers/?q=Q")


def test_dispatch_time_is_shown_in_the_company_time_zone(viewer_client: Client, rich_customer: Any) -> None:
    # sent_invoice schedules at 08:00 UTC, 09:00 in Paris.
    assert "23/11/2026 09:00" in viewer_client.get("/customers/ERP-X/").content.decode()
    assert timezone.get_current_timezone_name() and dt.UTC
