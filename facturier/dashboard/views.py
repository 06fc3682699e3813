"""The dashboard page: one selector call, shaped for the template."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from facturier.accounts.roles import Role, has_role
from facturier.dashboard.charts import domains_chart, returns_chart, schedule_chart
from facturier.dashboard.labels import RETURN_KIND_LABELS, WORK_ITEM_KIND_LABELS, label
from facturier.dashboard.selectors import SCHEDULE_DAYS, Dashboard, StateCount, dashboard_snapshot
from facturier.web.labels import STATE_LABELS
from facturier.web.labels import label as state_label


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, Role.VIEWER):
        raise PermissionDenied
    now = timezone.now()
    snapshot = dashboard_snapshot(now=now)
    context = {
        "snap": snapshot,
        "state_rows": _state_rows(snapshot),
        "totals": {
            "today": sum(s.today for s in snapshot.states),
            "week": sum(s.week for s in snapshot.states),
            "today_url": _list_url(state=None, since=snapshot.today, until=snapshot.today),
            "week_url": _list_url(state=None, since=snapshot.week_start, until=snapshot.today),
        },
        "schedule_chart": schedule_chart(snapshot, now=now, days=SCHEDULE_DAYS),
        "schedule_total": sum(n for _h, n in snapshot.schedule.hours),
        "returns_chart": returns_chart(snapshot),
        "domains_chart": domains_chart(snapshot),
        "returns_totals": [(label(RETURN_KIND_LABELS, k), sum(v)) for k, v in snapshot.returns_by_kind.items()],
        "open_items": [
            (item, label(WORK_ITEM_KIND_LABELS, item.kind), _work_item_url(item.pk)) for item in snapshot.open_items
        ],
        "open_counts": [(label(WORK_ITEM_KIND_LABELS, k), n) for k, n in snapshot.open_counts.items()],
        "worklist_url": _worklist_url(),
    }
    return render(request, "dashboard/index.html", context)


def _list_url(*, state: str | None, since: dt.date, until: dt.date) -> str:
    # The invoice list's own parameters (facturier/web/forms.py), so a count opens its rows.
    params: dict[str, Any] = {"issued_from": since.isoformat(), "issued_until": until.isoformat()}
    if state:
        params["state"] = state
    return f"{reverse('web:invoice-list')}?{urlencode(params)}"


def _state_rows(snapshot: Dashboard) -> list[dict[str, Any]]:
    # The list's order of states (lifecycle first), then any other stored status.
    order = {code: i for i, code in enumerate(STATE_LABELS)}
    rows: list[StateCount] = sorted(snapshot.states, key=lambda s: (order.get(s.state, len(order)), s.state))
    return [
        {
            "state": s.state,
            "label": state_label(STATE_LABELS, s.state),
            "today": s.today,
            "week": s.week,
            "today_url": _list_url(state=s.state, since=snapshot.today, until=snapshot.today),
            "week_url": _list_url(state=s.state, since=snapshot.week_start, until=snapshot.today),
        }
        for s in rows
    ]


def _worklist_url() -> str:
    try:
        return reverse("worklist:index")
    except NoReverseMatch:  # the worklist screen is optional for this page
        return "/worklist/"


def _work_item_url(pk: int) -> str | None:
    try:
        return reverse("worklist:detail", kwargs={"pk": pk})
    except NoReverseMatch:
        return None
