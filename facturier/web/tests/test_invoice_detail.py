from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from facturier.dispatch.models import Dispatch
from facturier.dispatch.services import dispatch_transition
from facturier.testing.factories import make_customer, make_invoice, make_pdf
from facturier.web.tests.conftest import sent_invoice

HOSTILE = "<script>alert(1)</script>"


def test_detail_shows_header_dispatches_and_timeline(viewer_client: Client, db: None) -> None:
    invoice = sent_invoice(number="F-2026-0100")
    response = viewer_client.get("/invoices/F-2026-0100/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "compta@client.example" in html
    assert "&lt;F-2026-0100@invoices.example.com&gt;" in html  # message-id, escaped
    assert "250 2.0.0 Ok: queued as 4ABC" in html
    # Three events, in order, with their state changes and evidence.
    assert html.index("envoi programmé") < html.index("claimed by worker w1") < html.index("accepté par le relais")
    assert 'class="badge s-sending"' in html and 'class="badge s-accepted"' in html
    assert "<dt>reply</dt>" in html and "<code>2.0.0 Ok: queued as 4ABC</code>" in html
    assert "&quot;compta@client.example&quot;: [\n    250," in html  # nested evidence pretty-printed in <pre>
    assert f'href="/invoices/{invoice.number}/pdf/"' in html


def test_detail_escapes_hostile_customer_and_evidence(viewer_client: Client, db: None) -> None:
    customer = make_customer(name=HOSTILE, emails=["x@client.example"], postal_line1=HOSTILE)
    invoice = sent_invoice(number="F-2026-0101", customer=customer)
    dispatch = Dispatch.objects.get(invoice=invoice)
    dispatch_transition(
        dispatch=dispatch,
        to="bounced_hard",
        kind="bounce",
        summary=f"550 5.1.1 {HOSTILE}",
        evidence={"diagnostic": HOSTILE, "nested": {"html": "<img src=x onerror=alert(2)>"}},
        last_reply=HOSTILE,
    )
    html = viewer_client.get("/invoices/F-2026-0101/").content.decode()
    assert HOSTILE not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_list_escapes_a_hostile_customer_name(viewer_client: Client, db: None) -> None:
    make_invoice(customer=make_customer(name=HOSTILE))
    html = viewer_client.get("/invoices/").content.decode()
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_numbers_with_slashes_route_to_their_invoice(viewer_client: Client, db: None) -> None:
    make_invoice(number="2026/0042")
    assert viewer_client.get("/invoices/2026/0042/").status_code == 200
    assert viewer_client.get("/invoices/2026/0042/pdf/")["Content-Type"] == "application/pdf"


def test_unknown_invoice_is_404(viewer_client: Client, db: None) -> None:
    assert viewer_client.get("/invoices/NOPE/").status_code == 404
    assert viewer_client.get("/invoices/NOPE/pdf/").status_code == 404


def test_pdf_is_streamed_inline_as_stored(viewer_client: Client, db: None) -> None:
    pdf = make_pdf(2, text="F-2026-0102")
    make_invoice(number="F-2026-0102", pdf=pdf)
    response = viewer_client.get("/invoices/F-2026-0102/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert 'filename="F-2026-0102.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == pdf


def test_live_fragment_refreshes_only_when_something_happened(viewer_client: Client, db: None) -> None:
    invoice = sent_invoice(number="F-2026-0103")
    htmx = {"HX-Request": "true"}
    fragment = viewer_client.get("/invoices/F-2026-0103/", headers=htmx)
    html = fragment.content.decode()
    assert html.lstrip().startswith('<span id="rollup"')  # the header badge, swapped out of band
    assert 'hx-swap-oob="true"' in html and 'id="invoice-live"' in html and "<html" not in html
    version = f"accepted|{invoice.last_event_at.isoformat()}"
    assert viewer_client.get("/invoices/F-2026-0103/", {"since": version}, headers=htmx).status_code == 204

    dispatch = Dispatch.objects.get(invoice=invoice)
    dispatch_transition(
        dispatch=dispatch,
        to="delivered",
        kind="dsn",
        summary="delivered",
        at=invoice.last_event_at + dt.timedelta(minutes=1),
    )
    again = viewer_client.get("/invoices/F-2026-0103/", {"since": version}, headers=htmx)
    assert again.status_code == 200
    assert 'class="badge s-delivered"' in again.content.decode()


@pytest.mark.parametrize("role_fixture", ["viewer", "operator", "admin_user"])
def test_every_role_may_read_the_pdf(
    client: Client, db: None, request: pytest.FixtureRequest, role_fixture: str
) -> None:
    # `db` in the signature, not only through getfixturevalue: pytest-django orders tests by the
    # fixtures it sees, and must run this one before the transactional (flushing) browser test.
    client.force_login(request.getfixturevalue(role_fixture))
    make_invoice(number="F-ROLE-1")
    assert client.get("/invoices/F-ROLE-1/pdf/").status_code == 200


def test_detail_query_count_is_fixed(viewer_client: Client, db: None, django_assert_max_num_queries: Any) -> None:
    invoice = sent_invoice(number="F-2026-0104")
    for _ in range(5):
        sent_invoice(number=f"F-X-{_}", customer=invoice.customer)
    # Session, user, groups, invoice+customer, e-mails, dispatches, events.
    with django_assert_max_num_queries(7):
        viewer_client.get("/invoices/F-2026-0104/")
