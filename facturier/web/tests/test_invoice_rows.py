"""The list's rows, rendered in Python for speed: links as reverse() makes them, text escaped."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from facturier.dispatch.services import dispatch_create
from facturier.testing.factories import make_customer, make_invoice

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert(1)</script> & "Fils"'


def _row(html: str, number_text: str) -> str:
    for row in re.findall(r"<tr data-key=.*?</tr>", html, re.S):
        if number_text in row:
            return row
    raise AssertionError(f"no row with {number_text}")


def test_row_links_match_reverse_and_text_is_escaped(viewer_client: Client) -> None:
    customer = make_customer(external_ref="C/ä 1", name=HOSTILE)
    make_invoice(number="F/2026 #1?x", customer=customer, total=Decimal("1234.5"))
    html = viewer_client.get("/invoices/").content.decode()
    row = _row(html, "F/2026 #1?x")
    assert f'href="{reverse("web:invoice-detail", kwargs={"number": "F/2026 #1?x"})}"' in row
    assert f'href="{reverse("web:customer-detail", kwargs={"external_ref": "C/ä 1"})}"' in row
    assert "<script>" not in row and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Fils&quot;" in row
    assert "1\u00a0234,50\u00a0€" in row  # French grouping and symbol, as the money filter writes


def test_row_shows_rollup_next_send_and_selection_for_operators(client: Client, operator: Any) -> None:
    customer = make_customer(emails=["a@x.example"])
    invoice = make_invoice(number="R-1", customer=customer)
    when = dt.datetime(2031, 3, 4, 7, 30, tzinfo=dt.UTC)  # 08:30 in Paris
    dispatch_create(invoice=invoice, recipient="a@x.example", send_at=when)
    client.force_login(operator)
    row = _row(client.get("/invoices/").content.decode(), "R-1")
    assert f'name="invoice_ids" value="{invoice.pk}"' in row and 'aria-label="Sélectionner R-1"' in row
    assert "04/03/2031 08:30" in row and 'title="2031-03-04 08:30:00 CET"' in row
    assert 'class="badge s-scheduled"' in row


def test_viewer_rows_have_no_checkbox(viewer_client: Client) -> None:
    make_invoice(number="V-1")
    row = _row(viewer_client.get("/invoices/").content.decode(), "V-1")
    assert "invoice_ids" not in row
