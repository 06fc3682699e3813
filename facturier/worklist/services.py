"""Writes on work items: opened by rules, closed by people or by rules (always with a resolution)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from facturier.worklist.models import WorkItem, WorkItemComment, WorkItemKind, WorkItemState


@transaction.atomic
def work_item_open(
    *,
    kind: WorkItemKind | str,
    title: str,
    detail: str = "",
    invoice_id: int | None = None,
    customer_id: int | None = None,
    dispatch_id: int | None = None,
    inbound_id: int | None = None,
    dedupe: bool = True,
) -> WorkItem:
    """Open a work item; with dedupe, an open item of the same kind for the same dispatch (or
    invoice, or inbound message) is returned instead of a second one."""
    if dedupe:
        same: dict[str, Any] = {"kind": kind, "state": WorkItemState.OPEN}
        key = {"dispatch_id": dispatch_id} if dispatch_id else {"invoice_id": invoice_id} if invoice_id else {}
        if inbound_id and not key:
            key = {"inbound_id": inbound_id}
        if key:
            existing = WorkItem.objects.filter(**same, **key).first()
            if existing:
                return existing
    return WorkItem.objects.create(
        kind=kind,
        title=title[:300],
        detail=detail,
        invoice_id=invoice_id,
        customer_id=customer_id,
        dispatch_id=dispatch_id,
        inbound_id=inbound_id,
    )


@transaction.atomic
def work_item_close(*, item: WorkItem, resolution: str, user_id: int | None = None, auto: bool = False) -> WorkItem:
    """Close an item with a resolution; auto=True marks a rule closing it (the auto-closed tab)."""
    item.state = WorkItemState.CLOSED
    item.closed_at = timezone.now()
    item.closed_by_id = user_id
    item.auto_closed = auto
    item.resolution = resolution[:300]
    item.save(update_fields=["state", "closed_at", "closed_by", "auto_closed", "resolution"])
    return item


def work_item_record_auto_closed(
    *, kind: WorkItemKind | str, title: str, resolution: str, detail: str = "", **links: int | None
) -> WorkItem:
    """Create an item that a rule handled already (e.g. an out-of-office), so it shows with why."""
    item = work_item_open(kind=kind, title=title, detail=detail, dedupe=False, **links)
    return work_item_close(item=item, resolution=resolution, auto=True)


def work_item_comment(*, item: WorkItem, user_id: int | None, text: str) -> WorkItemComment:
    return WorkItemComment.objects.create(item=item, author_id=user_id, text=text)
