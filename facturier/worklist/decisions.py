"""A person's decision on an uncertain dispatch (cut off mid-send: it may or may not have left).

Both go through dispatch_transition (the state machine allows uncertain -> accepted | failed), are
on the invoice's timeline with who decided, and close the work item with the decision.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from facturier.dispatch.models import Dispatch
from facturier.dispatch.services import dispatch_create, dispatch_transition
from facturier.dispatch.states import State
from facturier.worklist.models import WorkItem, WorkItemKind
from facturier.worklist.services import WorkItemActionError, work_item_close, work_item_lock_open


def _uncertain(item: WorkItem) -> tuple[WorkItem, Dispatch]:
    locked = work_item_lock_open(item)
    if locked.kind != WorkItemKind.UNCERTAIN_DISPATCH or locked.dispatch_id is None:
        raise WorkItemActionError("this item is not about an uncertain dispatch")
    dispatch = Dispatch.objects.select_for_update().select_related("invoice").get(pk=locked.dispatch_id)
    if dispatch.state != State.UNCERTAIN:
        # The relay's late answer decided meanwhile (worker._record_late_answer), or another person.
        raise WorkItemActionError(f"the dispatch is {dispatch.state} now, no longer uncertain")
    return locked, dispatch


@transaction.atomic
def uncertain_mark_sent(*, item: WorkItem, user: Any, note: str = "") -> Dispatch:
    """The message did leave (seen in the relay's log, the customer has it): uncertain -> accepted."""
    locked, dispatch = _uncertain(item)
    actor = user.get_username()
    now = timezone.now()
    dispatch_transition(
        dispatch=dispatch,
        to=State.ACCEPTED,
        kind="marked_sent",
        summary=f"marked sent by {actor}" + (f": {note}" if note else ""),
        evidence={"decided_by": actor, "note": note, "work_item": locked.pk},
        actor=actor,
        user_id=user.pk,
        at=now,
        accepted_at=now,
    )
    work_item_close(item=locked, resolution=f"marked sent by {actor}" + (f": {note}" if note else ""), user_id=user.pk)
    return dispatch


@transaction.atomic
def uncertain_resend(*, item: WorkItem, user: Any, note: str = "") -> Dispatch:
    """The message did not leave (or nobody can tell): uncertain -> failed, and a new dispatch to
    the same recipient now. Returns the new dispatch."""
    locked, dispatch = _uncertain(item)
    actor = user.get_username()
    now = timezone.now()
    dispatch_transition(
        dispatch=dispatch,
        to=State.FAILED,
        kind="resend_decided",
        summary=f"{actor} decided to send it again" + (f": {note}" if note else ""),
        evidence={"decided_by": actor, "note": note, "work_item": locked.pk},
        actor=actor,
        user_id=user.pk,
        at=now,
    )
    resend = dispatch_create(
        invoice=dispatch.invoice,
        recipient=dispatch.recipient,
        send_at=now,
        resend_of=dispatch,
        actor=actor,
        user_id=user.pk,
    )
    work_item_close(item=locked, resolution=f"resent by {actor}" + (f": {note}" if note else ""), user_id=user.pk)
    return resend
