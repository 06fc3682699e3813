from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from facturier.dashboard.domain_stats import refresh_domain_stats
from facturier.dashboard.tests.conftest import NOW, PARIS, dispatch, invoices
from facturier.returns.models import InboundMessage, ReturnVerdict
from facturier.testing.factories import make_customer, make_user
from facturier.worklist.models import WorkItem

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert('x')</script>"


def _json(html: str, element_id: str) -> Any:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"{element_id} missing"
    return json.loads(match.group(1))


def _seed(customer: Any) -> None:
    today = NOW.date()
    invoices(customer, today, "delivered", 2)
    (hard,) = invoices(customer, today, "bounced_hard", 1)
    invoices(customer, dt.date(2026, 11, 23), "delivered", 3)  # Monday: this week
    invoices(customer, dt.date(2026, 11, 20), "delivered", 4)  # last week: not counted
    sched = invoices(customer, today, "scheduled", 5)
    dispatch(sched[0], state="scheduled", due_at=dt.datetime(2026, 11, 25, 14, 30, tzinfo=PARIS))
    dispatch(sched[1], state="scheduled", due_at=dt.datetime(2026, 11, 25, 14, 55, tzinfo=PARIS))
    dispatch(sched[2], state="scheduled", due_at=dt.datetime(2026, 11, 26, 9, 10, tzinfo=PARIS))
    dispatch(sched[3], state="scheduled", due_at=dt.datetime(2026, 11, 25, 8, 0, tzinfo=PARIS))  # overdue
    dispatch(sched[4], state="scheduled", due_at=dt.datetime(2026, 12, 10, 8, 0, tzinfo=PARIS))  # later
    sent_at = NOW - dt.timedelta(days=2)
    for _ in range(3):
        dispatch(hard, state="delivered", due_at=sent_at, recipient="compta@example.com")
    dispatch(hard, state="bounced_hard", due_at=sent_at, recipient="nobody@Bounce.test")
    dispatch(hard, state="delivered", due_at=sent_at, recipient="x@bounce.test")
    dispatch(hard, state="delivered", due_at=sent_at, recipient=f"x@{HOSTILE}.test")
    dispatch(hard, state="bounced_hard", due_at=NOW - dt.timedelta(days=45), recipient="old@old.test")  # too old
    inbound = InboundMessage.objects.create(
        received_at=NOW, source="upload", sha256="0" * 64, raw_compressed=b"", size=0
    )
    for kind in ("hard_bounce", "hard_bounce", "auto_reply", "delivered"):
        ReturnVerdict.objects.create(inbound=inbound, kind=kind)
    old = ReturnVerdict.objects.create(inbound=inbound, kind="soft_bounce")
    ReturnVerdict.objects.filter(pk=old.pk).update(created_at=NOW - dt.timedelta(days=40))
    hostile_customer = make_customer(name=HOSTILE)
    WorkItem.objects.create(kind="invalid_address", title=f"Adresse invalide {HOSTILE}", customer=hostile_customer)
    closed = WorkItem.objects.create(kind="complaint", title="closed one", state="closed")
    assert closed.pk


@pytest.fixture
def page(frozen_now: dt.datetime, customer: Any, viewer: Any, client: Client) -> Any:
    _seed(customer)
    client.force_login(viewer)
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    return response


def test_counts_by_state_for_today_and_this_week(page: Any) -> None:
    rows = {row["state"]: (row["today"], row["week"]) for row in page.context["state_rows"]}
    assert rows == {"delivered": (2, 5), "bounced_hard": (1, 1), "scheduled": (5, 5)}
    assert page.context["totals"]["today"] == 8
    assert page.context["totals"]["week"] == 11


def test_counts_link_to_the_filtered_invoice_list(page: Any) -> None:
    html = page.content.decode()
    assert 'href="/invoices/?issued_from=2026-11-25&amp;issued_until=2026-11-25&amp;state=delivered"' in html
    assert 'href="/invoices/?issued_from=2026-11-23&amp;issued_until=2026-11-25&amp;state=delivered"' in html


def test_schedule_chart_has_one_bar_per_hour_with_overdue_and_later_apart(page: Any) -> None:
    chart = _json(page.content.decode(), "data-schedule")
    assert len(chart["labels"]) == len(chart["data"]) == 7 * 24
    # The first bar is the current hour (10:00); 14:00 is the fifth, 09:00 next day the 24th.
    assert chart["data"][4] == 2
    assert chart["data"][23] == 1
    assert sum(chart["data"]) == 3
    snap = page.context["snap"]
    assert (snap.schedule.overdue, snap.schedule.later) == (1, 1)


def test_returns_chart_counts_the_last_30_days_by_kind(page: Any) -> None:
    chart = _json(page.content.decode(), "data-returns")
    by_kind = {ds["kind"]: sum(ds["data"]) for ds in chart["datasets"]}
    assert by_kind == {"hard_bounce": 2, "auto_reply": 1}  # "delivered" is no return; the 40-day-old one is out
    assert len(chart["labels"]) == 30
    assert chart["datasets"][0]["data"][-1] == 2  # today is the last day


def test_deliverability_by_domain_gives_the_bounce_rate(page: Any) -> None:
    domains = {d.domain: d for d in page.context["snap"].domains}
    assert domains["bounce.test"].sent == 2
    assert domains["bounce.test"].bounce_rate == 0.5
    assert domains["example.com"].bounce_rate == 0
    assert "old.test" not in domains


def test_chart_json_is_escaped_inside_the_script_element(page: Any) -> None:
    html = page.content.decode()
    chart = _json(html, "data-domains")
    assert f"{HOSTILE}.test".lower() in chart["labels"]  # the data survives intact...
    assert "\\u003Cscript\\u003E" in html  # ...escaped, so it cannot close the element
    assert "<script>alert(" not in html


def test_hostile_names_render_as_text(page: Any) -> None:
    html = page.content.decode()
    assert "Adresse invalide &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<script>alert(" not in html


def test_oldest_open_work_items_only_open_ones(page: Any) -> None:
    titles = [item.title for item, _kind, _url in page.context["open_items"]]
    assert titles == [f"Adresse invalide {HOSTILE}"]


def test_charts_are_drawn_by_the_vendored_chart_js(page: Any) -> None:
    html = page.content.decode()
    assert "/static/dashboard/vendor/chart.umd.min.js" in html
    assert "/static/dashboard/dashboard.js" in html


def test_dashboard_is_in_french_by_default(page: Any) -> None:
    assert page.context["LANGUAGE_CODE"] == "fr"


def test_dashboard_page_runs_a_fixed_number_of_queries(
    frozen_now: dt.datetime, customer: Any, viewer: Any, client: Client, django_assert_max_num_queries: Any
) -> None:
    _seed(customer)
    refresh_domain_stats(now=NOW)  # as the worker does
    client.force_login(viewer)
    # session, user, groups (role) + six aggregates + the stored domain table, whatever the volume.
    with django_assert_max_num_queries(10):
        assert client.get(reverse("dashboard:index")).status_code == 200


def test_the_page_shows_the_stored_domain_table_not_a_fresh_aggregate(
    frozen_now: dt.datetime, customer: Any, viewer: Any, client: Client
) -> None:
    (invoice,) = invoices(customer, NOW.date(), "delivered", 1)
    dispatch(invoice, state="delivered", due_at=NOW - dt.timedelta(hours=1), recipient="a@example.com")
    refresh_domain_stats(now=NOW - dt.timedelta(minutes=3))
    dispatch(invoice, state="bounced_hard", due_at=NOW - dt.timedelta(hours=1), recipient="b@example.com")
    client.force_login(viewer)
    response = client.get(reverse("dashboard:index"))
    (stat,) = response.context["snap"].domains
    assert (stat.domain, stat.sent, stat.hard) == ("example.com", 1, 0)  # the bounce is not in yet
    assert "Calculé à 10:17" in response.content.decode()  # when the stored table was computed


def test_empty_dashboard_renders(frozen_now: dt.datetime, viewer: Any, client: Client) -> None:
    client.force_login(viewer)
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    assert _json(response.content.decode(), "data-returns")["datasets"] == []


def test_account_without_role_is_refused(client: Client) -> None:
    client.force_login(make_user("nobody", None))
    assert client.get(reverse("dashboard:index")).status_code == 403


def test_anonymous_is_sent_to_login(client: Client) -> None:
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
