"""Reads for the dashboard: aggregates over time windows, each one query served by an index.

Sized for a million invoices and three million events: every query is bounded by a time window on
an indexed column (issue_date, due_at, scheduled_at, created_at) and aggregates in the database;
no query runs per row. The whole page is a fixed number of queries (pinned by a test). The
costliest aggregate, the domain table, is read from a snapshot the worker refreshes
(domain_stats.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from facturier.dashboard.domain_stats import DomainStat, domain_table
from facturier.dispatch.models import Dispatch
from facturier.dispatch.states import State
from facturier.invoices.models import Invoice
from facturier.returns.models import ReturnVerdict
from facturier.worklist.models import WorkItem, WorkItemState

SCHEDULE_DAYS = 7
RETURNS_DAYS = 30
WORK_ITEMS_SHOWN = 10
# Kinds of returns worth charting; the classifier's "delivered" DSNs are confirmations, not returns.
RETURN_KINDS = ("hard_bounce", "soft_bounce", "delayed", "auto_reply", "complaint", "read_receipt", "reply", "unknown")
BOUNCED = (State.BOUNCED_HARD.value, State.BOUNCED_SOFT.value)


@dataclass(frozen=True)
class StateCount:
    state: str
    today: int
    week: int


@dataclass(frozen=True)
class Schedule:
    hours: list[tuple[dt.datetime, int]]  # local hour start, dispatches due in that hour
    overdue: int  # due before now, still scheduled: the worker is behind (or stopped)
    later: int  # due after the window shown


@dataclass(frozen=True)
class Dashboard:
    today: dt.date
    week_start: dt.date
    states: list[StateCount]
    schedule: Schedule
    returns_days: list[dt.date]
    returns_by_kind: dict[str, list[int]]  # kind -> count per day of returns_days
    domains: list[DomainStat]
    domains_at: dt.datetime  # when the domain table was computed (a stored snapshot)
    open_items: list[WorkItem]
    open_counts: dict[str, int] = field(default_factory=dict)


def invoice_state_counts(*, today: dt.date, week_start: dt.date) -> list[StateCount]:
    """Invoices issued today and since Monday, by rolled-up status (one range scan on issue_date)."""
    rows = (
        Invoice.objects.filter(issue_date__gte=week_start, issue_date__lte=today)
        .values("status")
        .annotate(today=Count("id", filter=Q(issue_date=today)), week=Count("id"))
        .order_by()
    )
    return [StateCount(r["status"], r["today"], r["week"]) for r in rows]


def dispatch_schedule(*, now: dt.datetime, tz: ZoneInfo, days: int = SCHEDULE_DAYS) -> Schedule:
    """Scheduled dispatches by local hour for the coming days (the worker's (state, due_at) index)."""
    end = now + dt.timedelta(days=days)
    scheduled = Dispatch.objects.filter(state=State.SCHEDULED)
    rows = (
        scheduled.filter(due_at__gte=now, due_at__lt=end)
        .annotate(hour=TruncHour("due_at", tzinfo=tz))
        .values("hour")
        .annotate(n=Count("id"))
        .order_by("hour")
    )
    edges = scheduled.aggregate(
        overdue=Count("id", filter=Q(due_at__lt=now)), later=Count("id", filter=Q(due_at__gte=end))
    )
    return Schedule(hours=[(r["hour"], r["n"]) for r in rows], overdue=edges["overdue"], later=edges["later"])


def returns_by_day_and_kind(
    *, now: dt.datetime, tz: ZoneInfo, days: int = RETURNS_DAYS
) -> tuple[list[dt.date], dict[str, list[int]]]:
    """Classified returns per local day and kind over the last `days` days."""
    first = timezone.localtime(now, tz).date() - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first, dt.time(), tzinfo=tz)
    rows = (
        ReturnVerdict.objects.filter(kind__in=RETURN_KINDS, created_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    day_list = [first + dt.timedelta(days=i) for i in range(days)]
    index = {d: i for i, d in enumerate(day_list)}
    series: dict[str, list[int]] = {}
    for r in rows:
        if r["day"] in index:
            series.setdefault(r["kind"], [0] * days)[index[r["day"]]] += r["n"]
    ordered = {k: series[k] for k in RETURN_KINDS if k in series}
    return day_list, ordered


def oldest_open_work_items(*, limit: int = WORK_ITEMS_SHOWN) -> list[WorkItem]:
    return list(
        WorkItem.objects.filter(state=WorkItemState.OPEN)
        .select_related("invoice", "customer")
        .order_by("created_at", "id")[:limit]
    )


def open_work_item_counts() -> dict[str, int]:
    rows = WorkItem.objects.filter(state=WorkItemState.OPEN).values("kind").annotate(n=Count("id")).order_by("-n")
    return {r["kind"]: r["n"] for r in rows}


def dashboard_snapshot(*, now: dt.datetime) -> Dashboard:
    """Everything the dashboard shows, in seven queries while the stored domain table is recent."""
    tz = timezone.get_current_timezone()
    today = timezone.localtime(now, tz).date()
    week_start = today - dt.timedelta(days=today.weekday())
    days, by_kind = returns_by_day_and_kind(now=now, tz=tz)
    domains, domains_at = domain_table(now=now)
    return Dashboard(
        today=today,
        week_start=week_start,
        states=invoice_state_counts(today=today, week_start=week_start),
        schedule=dispatch_schedule(now=now, tz=tz),
        returns_days=days,
        returns_by_kind=by_kind,
        domains=domains,
        domains_at=domains_at,
        open_items=oldest_open_work_items(),
        open_counts=open_work_item_counts(),
    )
