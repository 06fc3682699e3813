"""Reads on work items for the worklist screens."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from facturier.worklist.models import WorkItem, WorkItemState

# Enough for a screen; the full process view (filters, paging, bulk) comes with its own issue.
LIST_LIMIT = 500


def _base() -> QuerySet[WorkItem]:
    return WorkItem.objects.select_related("invoice", "customer", "dispatch", "closed_by")


def work_items_open(*, kind: str = "") -> QuerySet[WorkItem]:
    """Open items, oldest first: the worklist is a queue."""
    qs = _base().filter(state=WorkItemState.OPEN).order_by("created_at", "id")
    return qs.filter(kind=kind) if kind else qs


def work_items_auto_closed() -> QuerySet[WorkItem]:
    """What rules handled on their own (out-of-office, ...), newest first, with why."""
    return _base().filter(state=WorkItemState.CLOSED, auto_closed=True).order_by("-closed_at", "-id")


def open_counts_by_kind() -> dict[str, int]:
    rows = WorkItem.objects.filter(state=WorkItemState.OPEN).values("kind").annotate(n=Count("id")).order_by("kind")
    return {row["kind"]: row["n"] for row in rows}


def work_item_detail(*, pk: int) -> WorkItem:
    return _base().select_related("inbound").get(pk=pk)
