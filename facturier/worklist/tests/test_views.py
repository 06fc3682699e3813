"""The worklist screens: queue order, the auto-closed tab, safe display of returned mail, closing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from facturier.returns.ingest import ingest
from facturier.returns.tests.helpers import dsn, personal, sent_dispatch
from facturier.worklist.models import WorkItem, WorkItemKind, WorkItemState
from facturier.worklist.services import work_item_open, work_item_record_auto_closed

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_open_items_are_listed_oldest_first_and_filtered_by_kind(viewer: Any) -> None:
    first = work_item_open(kind=WorkItemKind.COMPLAINT, title="first complaint", dedupe=False)
    work_item_open(kind=WorkItemKind.HUMAN_REPLY, title="a reply", dedupe=False)
    second = work_item_open(kind=WorkItemKind.COMPLAINT, title="second complaint", dedupe=False)
    work_item_record_auto_closed(kind=WorkItemKind.AUTO_REPLY, title="ooo", resolution="out-of-office")
    page = _client(viewer).get(reverse("worklist:index")).content.decode()
    assert page.index("first complaint") < page.index("a reply") < page.index("second complaint")
    assert "ooo" not in page
    only = _client(viewer).get(reverse("worklist:index"), {"kind": "complaint"}).content.decode()
    assert first.title in only and second.title in only and "a reply" not in only


def test_auto_closed_tab_shows_what_rules_handled_with_why(viewer: Any) -> None:
    work_item_record_auto_closed(
        kind=WorkItemKind.AUTO_REPLY, title="Invoice F-1: out-of-office", resolution="out-of-office, back on 2026-12-07"
    )
    page = _client(viewer).get(reverse("worklist:index"), {"tab": "auto_closed"}).content.decode()
    assert "Invoice F-1: out-of-office" in page and "back on 2026-12-07" in page


def test_detail_shows_the_returned_message_as_escaped_text_with_dsn_fields(viewer: Any) -> None:
    d = sent_dispatch(recipient="gone@customer.example")
    ingest(raw=dsn(d, diagnostic="550 5.1.1 <script>alert(1)</script>"), source="upload")
    item = WorkItem.objects.get(kind=WorkItemKind.INVALID_ADDRESS)
    page = _client(viewer).get(reverse("worklist:detail", args=[item.pk])).content.decode()
    assert "Final-Recipient: rfc822; gone@customer.example" in page
    assert "Status: 5.1.1" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert reverse("web:invoice-detail", args=[d.invoice.number]) in page
    assert 'name="resolution"' not in page  # viewers cannot close


def test_an_html_reply_is_shown_as_source_never_rendered(viewer: Any) -> None:
    raw = personal(sender="x@nowhere.example", subject="html").replace(
        b"Content-Type: text/plain", b"Content-Type: text/html"
    )
    raw = raw.replace(b"Bonjour, merci.", b'<img src="https://tracker.example/p.gif"><b>hi</b>')
    ingest(raw=raw, source="upload")
    item = WorkItem.objects.get(kind=WorkItemKind.UNMATCHED_RETURN)
    page = _client(viewer).get(reverse("worklist:detail", args=[item.pk])).content.decode()
    assert '<img src="https://tracker.example' not in page
    assert "&lt;img src=" in page


def test_operator_closes_an_item_with_a_resolution(operator: Any) -> None:
    item = work_item_open(kind=WorkItemKind.CHALLENGE, title="answer the robot")
    client = _client(operator)
    assert 'name="resolution"' in client.get(reverse("worklist:detail", args=[item.pk])).content.decode()
    response = client.post(reverse("worklist:close", args=[item.pk]), {"resolution": "answered the challenge"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == WorkItemState.CLOSED and not item.auto_closed
    assert (item.resolution, item.closed_by_id) == ("answered the challenge", operator.pk)


def test_closing_needs_a_resolution(operator: Any) -> None:
    item = work_item_open(kind=WorkItemKind.CHALLENGE, title="answer the robot")
    _client(operator).post(reverse("worklist:close", args=[item.pk]), {"resolution": "  "})
    item.refresh_from_db()
    assert item.state == WorkItemState.OPEN


def test_a_viewer_may_not_close(viewer: Any) -> None:
    item = work_item_open(kind=WorkItemKind.CHALLENGE, title="answer the robot")
    response = _client(viewer).post(reverse("worklist:close", args=[item.pk]), {"resolution": "done"})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.state == WorkItemState.OPEN


def test_the_list_takes_a_fixed_number_of_queries(viewer: Any, django_assert_max_num_queries: Any) -> None:
    for i in range(20):
        d = sent_dispatch()
        work_item_open(kind=WorkItemKind.HUMAN_REPLY, title=f"r{i}", invoice_id=d.invoice_id, dispatch_id=d.pk)
    client = _client(viewer)
    with django_assert_max_num_queries(8):
        client.get(reverse("worklist:index"))
