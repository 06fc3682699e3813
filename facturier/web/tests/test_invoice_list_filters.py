"""The list's amount and recipient-domain filters, its sort orders (keyset paged), and the selection
and action bar shown to operators only."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from facturier.bulk.selectors import canonical_filter_query, invoices_matching
from facturier.dispatch.services import dispatch_create
from facturier.testing.factories import make_customer, make_invoice
from facturier.web import selectors
from facturier.web.forms import SORTS, InvoiceFilters, PageRequest

AT = dt.datetime(2030, 1, 7, 8, 0, tzinfo=dt.UTC)


def numbers(html: bytes) -> list[str]:
    return re.findall(r'href="/invoices/([^"/]+)/"', html.decode())


@pytest.fixture
def amounts(db: None) -> None:
    customer = make_customer()
    for n, total in (("A-1", "10.00"), ("A-2", "100.00"), ("A-3", "1000.00"), ("A-4", "100.00")):
        make_invoice(number=n, customer=customer, total=Decimal(total), issue_date=dt.date(2026, 3, int(n[-1])))


def test_amount_range_keeps_the_invoices_between_the_bounds(viewer_client: Client, amounts: None) -> None:
    assert numbers(viewer_client.get("/invoices/?total_min=50&total_max=500").content) == ["A-4", "A-2"]
    assert numbers(viewer_client.get("/invoices/?total_min=100").content) == ["A-4", "A-3", "A-2"]
    # A bad bound is reported and ignored, not a server error.
    response = viewer_client.get("/invoices/?total_max=abc")
    assert response.status_code == 200 and len(numbers(response.content)) == 4


def test_domain_filter_finds_invoices_sent_to_that_domain_only(viewer_client: Client, db: None) -> None:
    acme = make_customer(emails=["compta@acme.example"])
    mixed = make_customer(emails=["a@other.example", "b@acme.example"])
    unsent = make_customer(emails=["x@acme.example"])
    lookalike = make_customer(emails=["y@notacme.example"])
    sent = make_invoice(number="D-1", customer=acme)
    dispatch_create(invoice=sent, recipient="compta@acme.example", send_at=AT)
    other_only = make_invoice(number="D-2", customer=mixed)
    dispatch_create(invoice=other_only, recipient="a@other.example", send_at=AT)
    both = make_invoice(number="D-3", customer=mixed)
    dispatch_create(invoice=both, recipient="B@ACME.example", send_at=AT)
    make_invoice(number="D-4", customer=unsent)  # an address there, but nothing sent yet
    lookalike_inv = make_invoice(number="D-5", customer=lookalike)
    dispatch_create(invoice=lookalike_inv, recipient="y@notacme.example", send_at=AT)

    for typed in ("acme.example", "@ACME.example", "someone@acme.example"):
        found = numbers(viewer_client.get("/invoices/", {"domain": typed}).content)
        assert sorted(found) == ["D-1", "D-3"], typed
    assert "pas un nom de domaine" in viewer_client.get("/invoices/?domain=a%20b").content.decode()


def test_bulk_filter_query_keeps_the_amount_and_domain_filters(db: None) -> None:
    # "All matching this filter" must mean what the clerk saw, new filters included.
    query = canonical_filter_query("total_min=50&domain=acme.example&after=2026-01-01~3&sort=total")
    assert query == "total_min=50&domain=acme.example"
    customer = make_customer(emails=["c@acme.example"])
    small = make_invoice(customer=customer, total=Decimal("10"))
    big = make_invoice(customer=customer, total=Decimal("99"))
    for inv in (small, big):
        dispatch_create(invoice=inv, recipient="c@acme.example", send_at=AT)
    assert list(invoices_matching(query)) == [big]


def walk(sort: str, size: int = 2) -> list[str]:
    """Every page forward, then every page back, in one sort order: both directions must agree."""
    forward: list[list[str]] = []
    page = selectors.invoice_page(filters=InvoiceFilters(), page=PageRequest(size=size, sort=sort))
    pages = [page]
    forward.append([i.number for i in page.rows])
    while page.older:
        page = selectors.invoice_page(
            filters=InvoiceFilters(), page=PageRequest(size=size, sort=sort, after=page.older)
        )
        pages.append(page)
        forward.append([i.number for i in page.rows])
    back = [forward[-1]]
    while page.newer:
        page = selectors.invoice_page(
            filters=InvoiceFilters(), page=PageRequest(size=size, sort=sort, before=page.newer)
        )
        back.append([i.number for i in page.rows])
    assert back[::-1] == forward, sort
    return [n for chunk in forward for n in chunk]


@pytest.mark.django_db
def test_every_sort_order_pages_forward_and_back_without_gaps_or_repeats() -> None:
    c = make_customer()
    rows = [
        ("S-05", "2026-03-01", "30.00", "delivered"),
        ("S-01", "2026-03-02", "10.00", "scheduled"),
        ("S-04", "2026-03-02", "30.00", "bounced_hard"),
        ("S-02", "2026-03-03", "20.00", "delivered"),
        ("S-03", "2026-03-03", "10.00", "delivered"),
    ]
    made = {}
    for number, day, total, status in rows:
        made[number] = make_invoice(
            number=number, customer=c, issue_date=dt.date.fromisoformat(day), total=Decimal(total), status=status
        )
    assert walk("number") == ["S-01", "S-02", "S-03", "S-04", "S-05"]
    assert walk("-number") == ["S-05", "S-04", "S-03", "S-02", "S-01"]
    assert walk("-issued") == ["S-03", "S-02", "S-04", "S-01", "S-05"]
    assert walk("issued") == ["S-05", "S-01", "S-04", "S-02", "S-03"]
    # Equal amounts: the id decides, in the sort's direction.
    assert walk("total") == ["S-01", "S-03", "S-02", "S-05", "S-04"]
    assert walk("-total") == ["S-04", "S-05", "S-02", "S-03", "S-01"]
    # State A to Z, newest first within a state.
    assert walk("status") == ["S-04", "S-03", "S-02", "S-05", "S-01"]
    assert walk("-status") == ["S-01", "S-05", "S-02", "S-03", "S-04"]
    assert set(SORTS) == {"-issued", "issued", "number", "-number", "total", "-total", "status", "-status"}


def test_sort_comes_from_the_url_and_headers_link_to_it(viewer_client: Client, amounts: None) -> None:
    html = viewer_client.get("/invoices/?sort=total&total_min=0").content.decode()
    assert numbers(html.encode()) == ["A-1", "A-2", "A-4", "A-3"]
    assert 'aria-sort="ascending"' in html
    assert 'href="/invoices/?total_min=0&amp;sort=-total"' in html  # a second click reverses
    # A cursor from another sort order is ignored: first page, not an error.
    assert viewer_client.get("/invoices/?sort=number&after=2026-01-01~5").status_code == 200
    assert viewer_client.get("/invoices/?sort=bogus").status_code == 200


def test_amount_sort_on_a_huge_filtered_result_falls_back_to_dates(
    viewer_client: Client, amounts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    monkeypatch.setattr("facturier.web.views.invoice_list.COUNT_CAP", 2)
    html = viewer_client.get("/invoices/?sort=-total&issued_from=2000-01-01").content.decode()
    assert numbers(html.encode()) == ["A-4", "A-3", "A-2", "A-1"]
    assert "Le tri par montant avec ces filtres demande un filtre plus étroit (2 factures au plus)" in html
    # No other filter than the amount: the (total, id) index serves the sort at any size.
    html = viewer_client.get("/invoices/?sort=-total").content.decode()
    assert numbers(html.encode()) == ["A-3", "A-4", "A-2", "A-1"] and "filtre plus étroit" not in html
    html = viewer_client.get("/invoices/?sort=total&total_min=0").content.decode()
    assert numbers(html.encode()) == ["A-1", "A-2", "A-4", "A-3"] and "filtre plus étroit" not in html


def test_viewer_sees_no_selection_nor_action_bar(viewer_client: Client, amounts: None) -> None:
    html = viewer_client.get("/invoices/").content.decode()
    assert 'id="bulk-form"' not in html and 'name="invoice_ids"' not in html


def test_operator_gets_checkboxes_and_an_action_bar_posting_to_bulk_start(
    client: Client, operator: Any, amounts: None
) -> None:
    client.force_login(operator)
    html = client.get("/invoices/").content.decode()
    assert '<form id="bulk-form"' in html and 'hx-post="/bulk/start/"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert html.count('name="invoice_ids"') == 4 and 'form="bulk-form"' in html
    for action in ("resend_now", "resend_at", "reschedule", "cancel"):
        assert f'value="{action}"' in html
    assert 'type="datetime-local"' in html and "data-select-matching" in html


def test_query_count_with_the_new_filters_and_sort(
    viewer_client: Client, db: None, django_assert_max_num_queries: Any
) -> None:
    c = make_customer(emails=["a@acme.example"])
    for i in range(30):
        inv = make_invoice(number=f"QF-{i:02d}", customer=c, total=Decimal(i))
        dispatch_create(invoice=inv, recipient="a@acme.example", send_at=AT)
    # Session, user, groups, domain's customers, capped count, the page.
    with django_assert_max_num_queries(7):
        response = viewer_client.get("/invoices/?domain=acme.example&total_min=5&sort=-total&size=25")
    assert len(numbers(response.content)) == 25


def test_bulk_form_needs_the_csrf_token(operator: Any, amounts: None) -> None:
    from facturier.bulk.models import BulkJob
    from facturier.invoices.models import Invoice

    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    ids = [str(pk) for pk in Invoice.objects.values_list("pk", flat=True)]
    assert client.post("/bulk/start/", {"action": "resend_now", "invoice_ids": ids}).status_code == 403
    assert not BulkJob.objects.exists()


def test_hostile_customer_name_is_text_in_the_lists(client: Client, operator: Any, db: None) -> None:
    hostile = "<script>alert(1)</script>"
    make_invoice(number="H-1", customer=make_customer(name=hostile, external_ref="H<b>1"))
    client.force_login(operator)
    for url in ("/invoices/", "/customers/", "/customers/?q=script"):
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
        assert "H<b>1" not in html
