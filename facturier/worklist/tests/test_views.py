"""The worklist screens: tabs, kinds, paging, safe display of returned mail, and every action for
every role (viewer 403, operator and admin allowed), CSRF, hostile data, query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from facturier.crm.models import CustomerEmail, EmailStatus
from facturier.dispatch.models import Dispatch
from facturier.returns.ingest import ingest
from facturier.returns.models import InboundMessage, InboundState
from facturier.returns.tests.helpers import personal, sent_dispatch
from facturier.testing.factories import make_customer, make_invoice
from facturier.worklist.models import WorkItem, WorkItemComment, WorkItemKind, WorkItemState
from facturier.worklist.selectors import PAGE_SIZE
from facturier.worklist.services import work_item_close, work_item_open, work_item_record_auto_closed
from facturier.worklist.tests.helpers import invalid_address_item, uncertain_item

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the UI is French by default; assert on English
    client.force_login(user)
    return client


def _page(user: Any, **params: str) -> str:
    return _client(user).get(reverse("worklist:index"), params).content.decode()


# --- the list -----------------------------------------------------------------------------------


def test_open_items_are_listed_oldest_first_and_filtered_by_kind(viewer: Any) -> None:
    first = work_item_open(kind=WorkItemKind.COMPLAINT, title="first complaint", dedupe=False)
    work_item_open(kind=WorkItemKind.HUMAN_REPLY, title="a reply", dedupe=False)
    second = work_item_open(kind=WorkItemKind.COMPLAINT, title="second complaint", dedupe=False)
    work_item_record_auto_closed(kind=WorkItemKind.AUTO_REPLY, title="ooo", resolution="out-of-office")
    page = _page(viewer)
    assert page.index("first complaint") < page.index("a reply") < page.index("second complaint")
    assert "ooo" not in page
    only = _page(viewer, kind="complaint")
    assert first.title in only and second.title in only and "a reply" not in only


def test_the_kind_filters_show_counts_of_open_items(viewer: Any) -> None:
    for i in range(3):
        work_item_open(kind=WorkItemKind.COMPLAINT, title=f"c{i}", dedupe=False)
    work_item_open(kind=WorkItemKind.HUMAN_REPLY, title="r", dedupe=False)
    page = _page(viewer)
    assert 'class="chip k-complaint" href="?tab=open&amp;kind=complaint">Complaint <span class="n">3</span>' in page
    assert "Uncertain dispatch" in page  # the kinds of the issue are always offered, even at 0


def test_auto_closed_tab_shows_what_rules_handled_with_why(viewer: Any) -> None:
    work_item_record_auto_closed(
        kind=WorkItemKind.AUTO_REPLY, title="Invoice F-1: out-of-office", resolution="out-of-office, back on 2026-12-07"
    )
    work_item_open(kind=WorkItemKind.COMPLAINT, title="still open")
    page = _page(viewer, tab="auto_closed")
    assert "Invoice F-1: out-of-office" in page and "back on 2026-12-07" in page
    assert "still open" not in page


def test_closed_by_people_tab_shows_who_closed_and_how(viewer: Any, operator: Any) -> None:
    item = work_item_open(kind=WorkItemKind.COMPLAINT, title="spam report")
    work_item_close(item=item, resolution="called the customer", user_id=operator.pk)
    work_item_record_auto_closed(kind=WorkItemKind.AUTO_REPLY, title="ooo", resolution="out-of-office")
    page = _page(viewer, tab="closed")
    assert "spam report" in page and "called the customer" in page and operator.username in page
    assert "ooo" not in page


def test_assigned_to_me_shows_only_my_items(operator: Any, admin_user: Any) -> None:
    mine = work_item_open(kind=WorkItemKind.COMPLAINT, title="mine", dedupe=False)
    theirs = work_item_open(kind=WorkItemKind.COMPLAINT, title="theirs", dedupe=False)
    WorkItem.objects.filter(pk=mine.pk).update(assignee=operator)
    WorkItem.objects.filter(pk=theirs.pk).update(assignee=admin_user)
    page = _page(operator, mine="1")
    assert "mine" in page and ">theirs<" not in page


def test_pages_follow_each_other_without_gaps_or_repeats(viewer: Any) -> None:
    created = timezone.now() - dt.timedelta(days=1)
    items = [work_item_open(kind=WorkItemKind.COMPLAINT, title=f"item-{i:03d}", dedupe=False) for i in range(120)]
    # Many items at the same instant: the id breaks the tie.
    WorkItem.objects.filter(pk__in=[i.pk for i in items[40:70]]).update(created_at=created)
    expected = list(WorkItem.objects.order_by("created_at", "id").values_list("title", flat=True))
    client = _client(viewer)
    seen: list[str] = []
    response = client.get(reverse("worklist:index"))
    pages = 0
    while True:
        pages += 1
        page = response.context["page"]
        seen += [item.title for item in page.rows]
        if not page.older:
            break
        response = client.get(reverse("worklist:index"), {"after": page.older.encode()})
    assert pages == 3 and seen == expected
    # ...and back: the previous page of the last one is the middle one.
    back = client.get(reverse("worklist:index"), {"before": page.newer.encode()}).context["page"]
    assert [i.title for i in back.rows] == expected[PAGE_SIZE : 2 * PAGE_SIZE]


def test_a_damaged_cursor_shows_the_first_page(viewer: Any) -> None:
    work_item_open(kind=WorkItemKind.COMPLAINT, title="the first")
    assert "the first" in _page(viewer, after="not-a-cursor~x")


def test_the_list_takes_a_fixed_number_of_queries(viewer: Any, django_assert_max_num_queries: Any) -> None:
    for i in range(30):
        d = sent_dispatch()
        item = work_item_open(
            kind=WorkItemKind.HUMAN_REPLY,
            title=f"r{i}",
            invoice_id=d.invoice_id,
            customer_id=d.invoice.customer_id,
            dispatch_id=d.pk,
        )
        WorkItem.objects.filter(pk=item.pk).update(assignee=viewer)
    client = _client(viewer)
    client.get(reverse("worklist:index"))  # the session and role are loaded on the first request
    # session, user, groups, counts by kind, assigned-to-me count, the page: 6, whatever the rows.
    with django_assert_max_num_queries(7):
        client.get(reverse("worklist:index"))
    with django_assert_max_num_queries(7):
        client.get(reverse("worklist:index"), {"tab": "closed"})


def test_the_list_is_read_only_and_needs_a_role(client: Client) -> None:
    from facturier.testing.factories import make_user

    nobody = make_user("no-role", None)
    client.force_login(nobody)
    assert client.get(reverse("worklist:index")).status_code == 403


# --- the item page ------------------------------------------------------------------------------


def test_item_page_shows_invoice_customer_addresses_message_and_timeline(viewer: Any) -> None:
    item = invalid_address_item()
    page = _client(viewer).get(reverse("worklist:detail", args=[item.pk])).content.decode()
    invoice = item.invoice
    assert reverse("web:invoice-detail", args=[invoice.number]) in page
    assert "120,00" in page or "120.00" in page
    assert "gone@customer.example" in page and 'class="tag e-invalid"' in page
    assert "<dt>Final-Recipient</dt><dd>rfc822; gone@customer.example</dd>" in page
    assert "<dt>Status</dt><dd>5.1.1</dd>" in page
    assert 'class="timeline"' in page
    # a viewer sees no action
    for name in ("new_address", "resolution", 'name="choice"', "worklist:assign", "Assign to me"):
        assert name not in page


def test_operator_sees_the_actions(operator: Any) -> None:
    item = invalid_address_item()
    page = _client(operator).get(reverse("worklist:detail", args=[item.pk])).content.decode()
    for url in ("assign", "close", "correct-address", "verify-address", "comment"):
        assert reverse(f"worklist:{url}", args=[item.pk]) in page


def test_hostile_message_and_customer_name_render_as_text(viewer: Any) -> None:
    item = invalid_address_item(diagnostic="550 5.1.1 <script>alert(1)</script>")
    item.customer.name = "<script>alert(1)</script>"
    item.customer.save(update_fields=["name"])
    page = _client(viewer).get(reverse("worklist:detail", args=[item.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    listing = _page(viewer)
    assert "<script>alert(1)</script>" not in listing and "&lt;script&gt;alert(1)&lt;/script&gt;" in listing


def test_an_html_reply_is_shown_as_source_never_rendered(viewer: Any) -> None:
    raw = personal(sender="x@nowhere.example", subject="html").replace(
        b"Content-Type: text/plain", b"Content-Type: text/html"
    )
    raw = raw.replace(b"Bonjour, merci.", b'<img src="https://tracker.example/p.gif"><script>alert(2)</script>')
    ingest(raw=raw, source="upload")
    item = WorkItem.objects.get(kind=WorkItemKind.UNMATCHED_RETURN)
    page = _client(viewer).get(reverse("worklist:detail", args=[item.pk])).content.decode()
    assert '<img src="https://tracker.example' not in page and "<script>alert(2)" not in page
    assert "&lt;img src=" in page


def test_unknown_item_is_404(viewer: Any) -> None:
    assert _client(viewer).get(reverse("worklist:detail", args=[999999])).status_code == 404


# --- every action, every role -------------------------------------------------------------------


def _setup_assign(_: Any) -> tuple[WorkItem, dict[str, str]]:
    return work_item_open(kind=WorkItemKind.COMPLAINT, title="x"), {}


def _setup_unassign(user: Any) -> tuple[WorkItem, dict[str, str]]:
    item = work_item_open(kind=WorkItemKind.COMPLAINT, title="x")
    WorkItem.objects.filter(pk=item.pk).update(assignee=user)
    return item, {}


def _setup_comment(_: Any) -> tuple[WorkItem, dict[str, str]]:
    return work_item_open(kind=WorkItemKind.COMPLAINT, title="x"), {"text": "called, no answer"}


def _setup_close(_: Any) -> tuple[WorkItem, dict[str, str]]:
    return work_item_open(kind=WorkItemKind.COMPLAINT, title="x"), {"choice": "customer_contacted", "text": "ok"}


def _setup_correct(_: Any) -> tuple[WorkItem, dict[str, str]]:
    item = invalid_address_item()
    return item, {"old_address": "gone@customer.example", "new_address": "new@customer.example"}


def _setup_verify(_: Any) -> tuple[WorkItem, dict[str, str]]:
    item = invalid_address_item()
    email = CustomerEmail.objects.get(customer=item.customer, active=True)
    return item, {"email": str(email.pk)}


def _setup_reclassify(_: Any) -> tuple[WorkItem, dict[str, str]]:
    ingest(raw=personal(sender="x@nowhere.example", subject="who are you"), source="upload")
    return WorkItem.objects.get(kind=WorkItemKind.UNMATCHED_RETURN), {}


def _setup_decision(_: Any) -> tuple[WorkItem, dict[str, str]]:
    return uncertain_item(), {"note": "seen in the relay log"}


def _check_assign(item: WorkItem, user: Any) -> None:
    assert item.assignee_id == user.pk


def _check_unassign(item: WorkItem, user: Any) -> None:
    assert item.assignee_id is None


def _check_comment(item: WorkItem, user: Any) -> None:
    assert WorkItemComment.objects.get(item=item).text == "called, no answer"


def _check_close(item: WorkItem, user: Any) -> None:
    assert item.state == WorkItemState.CLOSED and not item.auto_closed
    assert (item.resolution, item.closed_by_id) == ("Customer contacted: ok", user.pk)


def _check_correct(item: WorkItem, user: Any) -> None:
    assert item.state == WorkItemState.CLOSED and "new@customer.example" in item.resolution
    resend = Dispatch.objects.get(invoice=item.invoice, recipient="new@customer.example")
    assert resend.state == "scheduled" and resend.resend_of_id == item.dispatch_id
    assert CustomerEmail.objects.filter(customer=item.customer, address="gone@customer.example", active=False).exists()


def _check_verify(item: WorkItem, user: Any) -> None:
    assert CustomerEmail.objects.get(customer=item.customer, active=True).status == EmailStatus.VERIFIED
    assert item.state == WorkItemState.OPEN  # verifying is not closing


def _check_reclassify(item: WorkItem, user: Any) -> None:
    assert InboundMessage.objects.get(pk=item.inbound_id).state == InboundState.UNMATCHED
    assert WorkItem.objects.filter(kind=WorkItemKind.UNMATCHED_RETURN).count() == 1  # not a second item
    assert "classification run again" in WorkItemComment.objects.get(item=item).text


def _check_mark_sent(item: WorkItem, user: Any) -> None:
    assert item.state == WorkItemState.CLOSED and "marked sent" in item.resolution
    assert Dispatch.objects.get(pk=item.dispatch_id).state == "accepted"


def _check_resend(item: WorkItem, user: Any) -> None:
    assert item.state == WorkItemState.CLOSED and "resent" in item.resolution
    assert Dispatch.objects.get(pk=item.dispatch_id).state == "failed"
    assert Dispatch.objects.get(resend_of_id=item.dispatch_id).state == "scheduled"


ACTIONS = {
    "assign": (_setup_assign, _check_assign),
    "unassign": (_setup_unassign, _check_unassign),
    "comment": (_setup_comment, _check_comment),
    "close": (_setup_close, _check_close),
    "correct-address": (_setup_correct, _check_correct),
    "verify-address": (_setup_verify, _check_verify),
    "reclassify": (_setup_reclassify, _check_reclassify),
    "mark-sent": (_setup_decision, _check_mark_sent),
    "resend": (_setup_decision, _check_resend),
}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_a_viewer_gets_403_on_every_action_and_nothing_changes(action: str, viewer: Any) -> None:
    setup, _check = ACTIONS[action]
    item, data = setup(viewer)
    before = WorkItem.objects.filter(pk=item.pk).values().get()
    dispatches = Dispatch.objects.count()
    response = _client(viewer).post(reverse(f"worklist:{action}", args=[item.pk]), data)
    assert response.status_code == 403
    assert WorkItem.objects.filter(pk=item.pk).values().get() == before
    assert Dispatch.objects.count() == dispatches and not WorkItemComment.objects.exists()


@pytest.mark.parametrize("role", ["operator", "admin_user"])
@pytest.mark.parametrize("action", list(ACTIONS))
def test_operators_and_admins_may_do_every_action(action: str, role: str, request: pytest.FixtureRequest) -> None:
    user = request.getfixturevalue(role)
    setup, check = ACTIONS[action]
    item, data = setup(user)
    response = _client(user).post(reverse(f"worklist:{action}", args=[item.pk]), data)
    assert response.status_code == 302 and response["Location"] == reverse("worklist:detail", args=[item.pk])
    item.refresh_from_db()
    check(item, user)


def test_htmx_actions_answer_the_item_panel_with_a_notice(operator: Any) -> None:
    item, data = _setup_correct(operator)
    response = _client(operator).post(
        reverse("worklist:correct-address", args=[item.pk]), data, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<div id="work-item"')
    assert "new@customer.example" in body and 'class="wl-notice"' in body


def test_a_refused_action_says_why_and_changes_nothing(operator: Any) -> None:
    item, _data = _setup_correct(operator)
    client = _client(operator)
    response = client.post(
        reverse("worklist:correct-address", args=[item.pk]),
        {"old_address": "gone@customer.example", "new_address": "not an address"},
        headers={"HX-Request": "true"},
    )
    assert 'class="error"' in response.content.decode()
    item.refresh_from_db()
    assert item.state == WorkItemState.OPEN and not Dispatch.objects.filter(resend_of=item.dispatch).exists()


def test_closing_needs_a_resolution(operator: Any) -> None:
    item = work_item_open(kind=WorkItemKind.CHALLENGE, title="answer the robot")
    _client(operator).post(reverse("worklist:close", args=[item.pk]), {"choice": "other", "text": "  "})
    item.refresh_from_db()
    assert item.state == WorkItemState.OPEN


def test_an_item_closed_meanwhile_is_not_closed_twice(operator: Any, admin_user: Any) -> None:
    item = work_item_open(kind=WorkItemKind.COMPLAINT, title="x")
    work_item_close(item=item, resolution="first", user_id=admin_user.pk)
    _client(operator).post(reverse("worklist:close", args=[item.pk]), {"choice": "duplicate"})
    item.refresh_from_db()
    assert (item.resolution, item.closed_by_id) == ("first", admin_user.pk)


def test_csrf_is_enforced_on_actions(operator: Any) -> None:
    item = work_item_open(kind=WorkItemKind.COMPLAINT, title="x")
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    response = client.post(reverse("worklist:close", args=[item.pk]), {"choice": "duplicate"})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.state == WorkItemState.OPEN
    # With the token from the page, the same post goes through.
    client.get(reverse("worklist:detail", args=[item.pk]))
    token = client.cookies["csrftoken"].value
    response = client.post(reverse("worklist:close", args=[item.pk]), {"choice": "duplicate"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == WorkItemState.CLOSED


def test_a_get_on_an_action_is_refused(operator: Any) -> None:
    item = work_item_open(kind=WorkItemKind.COMPLAINT, title="x")
    assert _client(operator).get(reverse("worklist:close", args=[item.pk])).status_code == 405


def test_correcting_from_another_kind_of_item_resends_its_invoice_and_closes_it(operator: Any) -> None:
    customer = make_customer(emails=["full@customer.example"])
    d = sent_dispatch(invoice=make_invoice(customer=customer), recipient="full@customer.example", state="bounced_soft")
    item = work_item_open(
        kind=WorkItemKind.SOFT_BOUNCE_EXHAUSTED,
        title="full mailbox",
        invoice_id=d.invoice_id,
        customer_id=customer.pk,
        dispatch_id=d.pk,
    )
    _client(operator).post(
        reverse("worklist:correct-address", args=[item.pk]),
        {"old_address": "full@customer.example", "new_address": "other@customer.example"},
    )
    item.refresh_from_db()
    assert item.state == WorkItemState.CLOSED
    assert Dispatch.objects.get(resend_of=d).recipient == "other@customer.example"


def test_a_decision_on_a_dispatch_no_longer_uncertain_is_refused(operator: Any) -> None:
    item = uncertain_item()
    Dispatch.objects.filter(pk=item.dispatch_id).update(state="accepted")  # the late 250 arrived
    _client(operator).post(reverse("worklist:resend", args=[item.pk]))
    item.refresh_from_db()
    assert item.state == WorkItemState.OPEN and not Dispatch.objects.filter(resend_of_id=item.dispatch_id).exists()


def test_an_uncertain_item_offers_the_decision_not_an_address_correction(operator: Any) -> None:
    item = uncertain_item()
    page = _client(operator).get(reverse("worklist:detail", args=[item.pk])).content.decode()
    assert reverse("worklist:mark-sent", args=[item.pk]) in page and reverse("worklist:resend", args=[item.pk]) in page
    assert reverse("worklist:correct-address", args=[item.pk]) not in page


def test_the_item_page_links_the_previous_and_next_open_items(viewer: Any) -> None:
    first, second, third = (work_item_open(kind=WorkItemKind.COMPLAINT, title=f"n{i}", dedupe=False) for i in range(3))
    page = _client(viewer).get(reverse("worklist:detail", args=[second.pk])).content.decode()
    assert f'data-item-nav="previous" href="{reverse("worklist:detail", args=[first.pk])}"' in page
    assert f'data-item-nav="next" href="{reverse("worklist:detail", args=[third.pk])}"' in page
