"""Actions a person takes from a work item's page: correct the address and resend in one step, mark
an address verified, run the classification of a return again. Each is one service; the view checks
the operator role before calling it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from facturier.crm.activities import customer_activity_record
from facturier.crm.address_correction import AddressCorrection, AddressCorrectionError, customer_email_correct
from facturier.crm.models import CustomerEmail, EmailStatus
from facturier.dispatch.services import dispatch_create
from facturier.returns.models import InboundMessage, InboundState
from facturier.returns.services import inbound_reprocess
from facturier.worklist.models import WorkItem, WorkItemKind, WorkItemState
from facturier.worklist.services import WorkItemActionError, work_item_close, work_item_comment, work_item_lock_open


@transaction.atomic
def work_item_correct_address(*, item: WorkItem, old_address: str, new_address: str, user: Any) -> AddressCorrection:
    """Correct the customer's address (history kept, CRM told, invalid-address items closed), resend
    this item's invoice to the new address, and close the item: the whole fix in one step."""
    locked = work_item_lock_open(item)
    if locked.customer is None:
        raise WorkItemActionError("this item has no customer", field="old_address")
    actor = user.get_username()
    try:
        result = customer_email_correct(
            customer=locked.customer, old_address=old_address, new_address=new_address, actor=actor, user_id=user.pk
        )
    except AddressCorrectionError as exc:
        raise WorkItemActionError(exc.message, field=exc.field) from None
    new = result.new_email.address
    # The correction re-sends every bounced invoice when the customer's policy says so; this item's
    # own invoice goes in any case: the person asked for it here.
    if locked.invoice is not None and not any(d.invoice_id == locked.invoice_id for d in result.resent):
        result.resent.append(
            dispatch_create(
                invoice=locked.invoice,
                recipient=new,
                send_at=timezone.now(),
                resend_of=locked.dispatch,
                actor=actor,
                user_id=user.pk,
            )
        )
    locked.refresh_from_db(fields=["state"])
    if locked.state == WorkItemState.OPEN:  # not an invalid-address item: the correction left it open
        work_item_close(item=locked, resolution=f"address corrected to {new} by {actor}; resent", user_id=user.pk)
    return result


@transaction.atomic
def work_item_mark_address_verified(*, item: WorkItem, email_id: int, user: Any) -> CustomerEmail:
    """Mark one active address of the item's customer verified (a person checked it), on the CRM
    timeline and as a comment on the item. The item stays open: closing is a separate decision."""
    email = (
        CustomerEmail.objects.select_for_update()
        .filter(pk=email_id, customer_id=item.customer_id, active=True)
        .select_related("customer")
        .first()
    )
    if email is None or item.customer_id is None:
        raise WorkItemActionError("not an active address of this item's customer", field="email")
    actor = user.get_username()
    now = timezone.now()
    previous = email.status
    email.status = EmailStatus.VERIFIED
    email.status_reason = f"verified by {actor}"[:300]
    email.status_changed_at = now
    email.save(update_fields=["status", "status_reason", "status_changed_at", "updated_at"])
    customer_activity_record(
        customer=email.customer,
        kind="address_verified",
        summary=f"E-mail address {email.address} marked verified by {actor} (was {previous})",
        data={"address": email.address, "previous_status": previous, "actor": actor},
        at=now,
    )
    work_item_comment(item=item, user_id=user.pk, text=f"{email.address}: marked verified (was {previous})")
    return email


def work_item_reclassify(*, item: WorkItem, user: Any) -> str:
    """Run classification and correlation again on the item's returned message (after a classifier
    fix, or once the dispatch it answers is known). Only for a message that is not acted on yet
    (unmatched or failed): a processed one already changed its dispatch, and running it again would
    act twice. Returns the message's new state; an unmatched-return item closes once it matches."""
    if item.inbound_id is None:
        raise WorkItemActionError("this item has no returned message")
    # Not one transaction: inbound_process runs its own (and records a failure in a second one).
    reset = InboundMessage.objects.filter(
        pk=item.inbound_id, state__in=[InboundState.UNMATCHED, InboundState.FAILED, InboundState.STORED]
    ).update(state=InboundState.STORED, error="")
    if not reset:
        raise WorkItemActionError("this return was already tied to its dispatch and acted on")
    counts = inbound_reprocess(ids=[item.inbound_id])
    state = next(iter(counts), InboundState.FAILED)
    actor = user.get_username()
    with transaction.atomic():
        locked = WorkItem.objects.select_for_update().get(pk=item.pk)
        if (
            state == InboundState.PROCESSED
            and locked.state == WorkItemState.OPEN
            and locked.kind in (WorkItemKind.UNMATCHED_RETURN,)
        ):
            work_item_close(
                item=locked, resolution=f"classified again by {actor}: tied to its dispatch", user_id=user.pk
            )
        else:
            work_item_comment(item=locked, user_id=user.pk, text=f"classification run again: {state}")
    return str(state)
