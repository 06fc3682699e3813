from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from facturier.invoices.models import Invoice
from facturier.testing.factories import make_customer, make_invoice
from facturier.web import selectors
from facturier.web.forms import InvoiceFilters, PageRequest
from facturier.web.tests.conftest import sent_invoice


def numbers(html: bytes) -> list[str]:
    return re.findall(r'href="/invoices/([^"/]+)/"', html.decode())


@pytest.fixture
def three(db: None) -> dict[str, Invoice]:
    acme = make_customer(name="ACME Industrie", external_ref="ERP-ACME")
    bolt = make_customer(name="Boulonnerie Bolt", external_ref="ERP-BOLT")
    return {
        "old": make_invoice(number="F-2026-0001", customer=acme, issue_date=dt.date(2026, 1, 10)),
        "mid": make_invoice(number="F-2026-0002", customer=bolt, issue_date=dt.date(2026, 6, 10)),
        "new": sent_invoice(number="F-2026-0003", customer=acme, issue_date=dt.date(2026, 11, 10)),
    }


def test_root_redirects_to_the_invoice_list(viewer_client: Client) -> None:
    response = viewer_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/invoices/"


def test_list_shows_newest_first_with_customer_total_and_status(viewer_client: Client, three: Any) -> None:
    response = viewer_client.get("/invoices/")
    assert response.status_code == 200
    assert numbers(response.content) == ["F-2026-0003", "F-2026-0002", "F-2026-0001"]
    html = response.content.decode()
    assert "ACME Industrie" in html
    assert "120,00\u00a0€" in html  # French by default
    assert 'class="badge s-accepted"' in html
    assert 'class="badge s-new"' in html
    assert "3 factures" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=accepted", ["F-2026-0003"]),
        ("state=new", ["F-2026-0002", "F-2026-0001"]),
        ("state=new&state=accepted", ["F-2026-0003", "F-2026-0002", "F-2026-0001"]),
        ("q=F-2026-0002", ["F-2026-0002"]),
        ("q=f-2026-000", ["F-2026-0003", "F-2026-0002", "F-2026-0001"]),
        ("q=bolt", ["F-2026-0002"]),
        ("customer=acme", ["F-2026-0003", "F-2026-0001"]),
        ("customer=ERP-BOLT", ["F-2026-0002"]),
        ("issued_from=2026-06-01", ["F-2026-0003", "F-2026-0002"]),
        ("issued_until=2026-06-30", ["F-2026-0002", "F-2026-0001"]),
        ("issued_from=2026-06-01&issued_until=2026-06-30", ["F-2026-0002"]),
        ("issued_from=not-a-date", ["F-2026-0003", "F-2026-0002", "F-2026-0001"]),
        ("state=bogus", ["F-2026-0003", "F-2026-0002", "F-2026-0001"]),
    ],
)
def test_filters_in_the_query_string_narrow_the_list(
    viewer_client: Client, three: Any, query: str, expected: list[str]
) -> None:
    response = viewer_client.get(f"/invoices/?{query}")
    assert response.status_code == 200
    assert numbers(response.content) == expected


def test_filters_show_what_is_applied_and_invalid_values_as_errors(viewer_client: Client, three: Any) -> None:
    html = viewer_client.get("/invoices/?state=accepted&q=F-20&issued_from=31/31/2026").content.decode()
    assert (
        'value="accepted" checked' in html
        or 'checked value="accepted"' in html
        or re.search(r'<input[^>]*value="accepted"[^>]*checked', html)
    )
    assert 'value="F-20"' in html
    assert 'class="error"' in html


def test_htmx_request_gets_only_the_table_fragment(viewer_client: Client, three: Any) -> None:
    response = viewer_client.get("/invoices/?state=new", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="invoice-table"')
    assert "<html" not in html
    assert 'hx-get="/invoices/?state=new"' in html  # the refresh keeps the filters
    assert "HX-Request" in response["Vary"]


def test_keyset_pages_walk_older_and_back_newer(viewer_client: Client, db: None) -> None:
    customer = make_customer()
    for i in range(7):
        make_invoice(number=f"K-{i:02d}", customer=customer, issue_date=dt.date(2026, 3, 1 + i // 2))
    first = viewer_client.get("/invoices/?size=25")
    assert numbers(first.content) == [f"K-{i:02d}" for i in range(6, -1, -1)]

    def walk(**kw: Any) -> selectors.InvoicePage:
        return selectors.invoice_page(filters=InvoiceFilters(), page=PageRequest(size=3, **kw))

    page = walk()
    assert [i.number for i in page.rows] == ["K-06", "K-05", "K-04"] and page.newer is None
    assert page.older is not None
    second = viewer_client.get(f"/invoices/?after={page.older.encode()}&size=25")
    assert numbers(second.content) == ["K-03", "K-02", "K-01", "K-00"]

    older = walk(after=page.older)
    assert [i.number for i in older.rows] == ["K-03", "K-02", "K-01"]
    assert older.newer is not None and older.older is not None
    back = walk(before=older.newer)
    assert [i.number for i in back.rows] == ["K-06", "K-05", "K-04"]
    assert back.newer is None
    last = walk(after=older.older)
    assert [i.number for i in last.rows] == ["K-00"] and last.older is None


def test_a_damaged_cursor_shows_the_first_page(viewer_client: Client, three: Any) -> None:
    response = viewer_client.get("/invoices/?after=garbage&before=2026-13-01~x")
    assert numbers(response.content) == ["F-2026-0003", "F-2026-0002", "F-2026-0001"]


def test_count_is_capped_so_big_tables_are_not_counted_in_full(
    viewer_client: Client, three: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    monkeypatch.setattr("facturier.web.views.invoice_list.COUNT_CAP", 2)
    html = viewer_client.get("/invoices/").content.decode()
    assert "plus de 2 factures" in html


def test_next_send_time_is_shown_for_scheduled_invoices(viewer_client: Client, db: None) -> None:
    from facturier.dispatch.services import dispatch_create

    invoice = make_invoice(number="S-1", total=Decimal("1234.5"))
    dispatch_create(invoice=invoice, recipient="a@b.example", send_at=dt.datetime(2026, 12, 1, 7, 30, tzinfo=dt.UTC))
    html = viewer_client.get("/invoices/").content.decode()
    assert "01/12/2026 08:30" in html  # Europe/Paris
    assert "1\u00a0234,50\u00a0€" in html
    assert 'class="badge s-scheduled"' in html


def test_query_count_does_not_grow_with_rows(
    viewer_client: Client, db: None, django_assert_max_num_queries: Any
) -> None:
    customer = make_customer()
    for i in range(3):
        sent_invoice(number=f"Q-{i}", customer=customer)
    # Session, user, role groups, capped count, the page (customer and next send joined in).
    with django_assert_max_num_queries(6):
        viewer_client.get("/invoices/?q=Q")
    for i in range(3, 40):
        sent_invoice(number=f"Q-{i}", customer=make_customer())
    with django_assert_max_num_queries(6):
        response = viewer_client.get("/invoices/?q=Q&size=50")
    assert len(numbers(response.content)) == 40
