"""Reads on work items for the worklist screens.

Why the list is fast at scale: each page is a keyset page on (created_at, id) inside one tab, read
through an index whose equality columns lead to (created_at, id) (see WorkItem.Meta.indexes). The
bound `created_at >= t` is seekable (an index condition); the tie on equal times is a filter on the
few rows at that instant. With a LIMIT of one page, PostgreSQL walks the index, stops after a page,
and joins that page's invoice, customer and assignee by primary key (nested loops), instead of
sorting every open item and hash-joining them with the 1M-row invoice table as the former
"first 500, sorted" query did. Counts per kind come from one GROUP BY on the (state, kind, ...)
index; nothing is counted per row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils.dateparse import parse_datetime

from facturier.crm.models import CustomerEmail
from facturier.dispatch.models import DeliveryEvent
from facturier.worklist.models import WorkItem, WorkItemComment, WorkItemState

PAGE_SIZE = 50
TIMELINE_EXCERPT = 12


class Tab:
    OPEN = "open"
    AUTO_CLOSED = "auto_closed"
    CLOSED = "closed"  # closed by people

    ALL = (OPEN, AUTO_CLOSED, CLOSED)


@dataclass(frozen=True)
class Cursor:
    """A position in a tab: the (created_at, id) of a row."""

    at: dt.datetime
    pk: int

    def encode(self) -> str:
        return f"{self.at.isoformat()}~{self.pk}"

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        """None for anything that is not a cursor we wrote (a hand-edited URL shows the first page)."""
        at_text, sep, pk_text = (text or "").partition("~")
        if not sep or not pk_text.isdigit():
            return None
        try:
            at = parse_datetime(at_text)
        except ValueError:
            return None
        if at is None or at.tzinfo is None:
            return None
        return cls(at, int(pk_text))


@dataclass
class WorkItemPage:
    rows: list[WorkItem]
    newer: Cursor | None = None  # towards the start of the tab's order (None on the first page)
    older: Cursor | None = None  # towards its end (None on the last page)


@dataclass
class WorkItemDetail:
    item: WorkItem
    emails: list[CustomerEmail] = field(default_factory=list)
    events: list[DeliveryEvent] = field(default_factory=list)
    comments: list[WorkItemComment] = field(default_factory=list)


def _list_base() -> QuerySet[WorkItem]:
    # Only what a row shows: the customer's JSON preferences or the item's long detail are not read.
    return WorkItem.objects.select_related("invoice", "customer", "assignee", "closed_by").only(
        "kind",
        "state",
        "title",
        "created_at",
        "closed_at",
        "auto_closed",
        "resolution",
        "invoice__number",
        "invoice__status",
        "customer__name",
        "customer__external_ref",
        "assignee__username",
        "closed_by__username",
    )


def work_items_tab(*, tab: str, kind: str = "", assignee_id: int | None = None) -> QuerySet[WorkItem]:
    """The rows of a tab, unordered: open items; closed by a rule (auto_closed); closed by people."""
    if tab == Tab.OPEN:
        qs = _list_base().filter(state=WorkItemState.OPEN)
    else:
        qs = _list_base().filter(state=WorkItemState.CLOSED, auto_closed=(tab == Tab.AUTO_CLOSED))
    if kind:
        qs = qs.filter(kind=kind)
    if assignee_id is not None:
        qs = qs.filter(assignee_id=assignee_id)
    return qs


def _ascending(tab: str) -> bool:
    # Open items are a queue (oldest first); closed tabs are history (newest first).
    return tab == Tab.OPEN


def work_item_page(
    *,
    tab: str,
    kind: str = "",
    assignee_id: int | None = None,
    after: Cursor | None = None,
    before: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> WorkItemPage:
    """One page of a tab: after a cursor (further in the tab's order), before one, or the first page."""
    qs = work_items_tab(tab=tab, kind=kind, assignee_id=assignee_id)
    forward = before is None
    # Walking "forward" in an ascending tab is walking the index upwards, and so on.
    upward = _ascending(tab) == forward
    cursor = after if forward else before
    if cursor is not None:
        if upward:
            qs = qs.filter(created_at__gte=cursor.at).exclude(created_at=cursor.at, pk__lte=cursor.pk)
        else:
            qs = qs.filter(created_at__lte=cursor.at).exclude(created_at=cursor.at, pk__gte=cursor.pk)
    qs = qs.order_by("created_at", "id") if upward else qs.order_by("-created_at", "-id")
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    page = WorkItemPage(rows=rows)
    if rows:
        first, last = rows[0], rows[-1]
        has_newer = cursor is not None if forward else more
        has_older = more if forward else True
        page.newer = Cursor(first.created_at, first.pk) if has_newer else None
        page.older = Cursor(last.created_at, last.pk) if has_older else None
    return page


def open_counts_by_kind(*, assignee_id: int | None = None) -> dict[str, int]:
    """Open items per kind (one GROUP BY, served by the (state, kind, created_at, id) index)."""
    qs = WorkItem.objects.filter(state=WorkItemState.OPEN)
    if assignee_id is not None:
        qs = qs.filter(assignee_id=assignee_id)
    rows = qs.values("kind").annotate(n=Count("id")).order_by("kind")
    return {row["kind"]: row["n"] for row in rows}


def open_assigned_count(*, user_id: int) -> int:
    return WorkItem.objects.filter(state=WorkItemState.OPEN, assignee_id=user_id).count()


def work_items_open(*, kind: str = "") -> QuerySet[WorkItem]:
    """Open items, oldest first: the worklist is a queue."""
    return work_items_tab(tab=Tab.OPEN, kind=kind).order_by("created_at", "id")


def work_items_auto_closed() -> QuerySet[WorkItem]:
    """What rules handled on their own (out-of-office, ...), newest first, with why."""
    return work_items_tab(tab=Tab.AUTO_CLOSED).order_by("-created_at", "-id")


def work_item_get(*, pk: int) -> WorkItem:
    """One item with everything its page shows in one query (raises WorkItem.DoesNotExist)."""
    return WorkItem.objects.select_related("invoice", "customer", "dispatch", "inbound", "assignee", "closed_by").get(
        pk=pk
    )


def work_item_detail(*, pk: int) -> WorkItemDetail:
    item = work_item_get(pk=pk)
    detail = WorkItemDetail(item=item)
    if item.customer_id:
        # Active addresses first, then the retired ones (history), each oldest first.
        detail.emails = list(CustomerEmail.objects.filter(customer_id=item.customer_id).order_by("-active", "id"))
    if item.invoice_id:
        recent = DeliveryEvent.objects.filter(invoice_id=item.invoice_id).select_related("dispatch")
        detail.events = list(recent.order_by("-at", "-id")[:TIMELINE_EXCERPT])
    detail.comments = list(
        WorkItemComment.objects.filter(item_id=item.pk).select_related("author").order_by("at", "id")
    )
    return detail


def work_item_neighbours(*, item: WorkItem) -> tuple[int | None, int | None]:
    """The open items just before and after this one in queue order (j / k on the item page; for a
    closed item, where the queue goes on from its place)."""
    qs = WorkItem.objects.filter(state=WorkItemState.OPEN)
    at, pk = item.created_at, item.pk
    prev = (
        qs.filter(created_at__lte=at)
        .filter(Q(created_at__lt=at) | Q(pk__lt=pk))
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    nxt = (
        qs.filter(created_at__gte=at)
        .filter(Q(created_at__gt=at) | Q(pk__gt=pk))
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
        .first()
    )
    return prev, nxt
