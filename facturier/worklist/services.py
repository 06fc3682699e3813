"""Writes on work items: opened by rules, closed by people or by rules (always with a resolution)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from facturier.worklist.models import WorkItem, WorkItemComment, WorkItemKind, WorkItemState

COMMENT_LIMIT = 5000


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
    """Add a comment (open or closed items alike: a note after the fact is still useful)."""
    text = text.strip()
    if not text:
        raise WorkItemActionError("the comment is empty", field="text")
    return WorkItemComment.objects.create(item=item, author_id=user_id, text=text[:COMMENT_LIMIT])


class WorkItemActionError(ValueError):
    """An action a person asked for cannot be done as asked; `field` names the input at fault."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def work_item_lock_open(item: WorkItem) -> WorkItem:
    """The item, locked, refusing if someone (or a rule) closed it meanwhile."""
    locked = WorkItem.objects.select_for_update().get(pk=item.pk)
    if locked.state != WorkItemState.OPEN:
        raise WorkItemActionError("this item is already closed")
    return locked


@transaction.atomic
def work_item_assign(*, item: WorkItem, user_id: int | None) -> WorkItem:
    """Assign the open item to a user (None: unassign)."""
    locked = work_item_lock_open(item)
    locked.assignee_id = user_id
    locked.save(update_fields=["assignee"])
    return locked


@transaction.atomic
def work_item_close_by(*, item: WorkItem, resolution: str, user_id: int) -> WorkItem:
    """A person closes an open item with a resolution (refused if it is closed already)."""
    resolution = resolution.strip()
    if not resolution:
        raise WorkItemActionError("say how it was resolved", field="resolution")
    return work_item_close(item=work_item_lock_open(item), resolution=resolution, user_id=user_id)
