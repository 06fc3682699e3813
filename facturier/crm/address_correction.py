"""Correcting a customer's invalid e-mail address: keep the old one in history, add the new one,
tell the CRM, close the open "invalid address" work items, and (per policy) send the affected
invoices again by e-mail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from facturier.crm.activities import customer_activity_record
from facturier.crm.models import Customer, CustomerEmail, EmailStatus
from facturier.dispatch import schedule
from facturier.dispatch.models import Channel, Dispatch
from facturier.dispatch.services import dispatch_create
from facturier.dispatch.states import State
from facturier.invoices.scheduling import send_time_for
from facturier.worklist.models import WorkItem, WorkItemKind, WorkItemState
from facturier.worklist.services import work_item_close


class AddressCorrectionError(ValueError):
    """The correction cannot be applied; `field` names the input at fault. `message` is English (the
    API and the logs show it); `code` and `params` let a page show it in the user's language."""

    def __init__(self, field: str, message: str, *, code: str = "", params: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.code = code
        self.params = params or {}


@dataclass
class AddressCorrection:
    new_email: CustomerEmail
    closed_items: list[WorkItem] = field(default_factory=list)
    resent: list[Dispatch] = field(default_factory=list)
    withdrawn_letters: list[Any] = field(default_factory=list)  # letters.models.Letter (deleted rows)


def affected_dispatches(*, customer: Customer, address: str) -> list[Dispatch]:
    """Per invoice of the customer, the latest e-mail dispatch to `address`, if it bounced hard."""
    latest: dict[int, Dispatch] = {}
    rows = Dispatch.objects.filter(
        invoice__customer=customer, channel=Channel.EMAIL, recipient__iexact=address
    ).select_related("invoice")
    for dispatch in rows.order_by("id"):
        latest[dispatch.invoice_id] = dispatch
    return [d for d in latest.values() if d.state == State.BOUNCED_HARD]


@transaction.atomic
def customer_email_correct(
    *, customer: Customer, old_address: str, new_address: str, actor: str, user_id: int | None = None
) -> AddressCorrection:
    """Replace old_address by new_address (history kept), close the invalid-address work items
    with the resolution, and re-send the bounced invoices by e-mail when the policy says so."""
    # letters depends on crm, not the reverse
    from facturier.letters.next_step import policy_for
    from facturier.letters.withdraw import letters_withdraw

    new_address = new_address.strip()
    try:
        validate_email(new_address)
    except ValidationError:
        raise AddressCorrectionError(
            "new_address",
            f"{new_address!r} is not a valid e-mail address",
            code="invalid_address",
            params={"address": new_address},
        ) from None
    old = (
        CustomerEmail.objects.select_for_update()
        .filter(customer=customer, address__iexact=old_address.strip(), active=True)
        .first()
    )
    if old is None:
        raise AddressCorrectionError(
            "old_address",
            f"{old_address!r} is not an active address of {customer.external_ref}",
            code="not_active",
            params={"address": old_address, "customer": customer.external_ref},
        )
    if old.address.lower() == new_address.lower():
        raise AddressCorrectionError("new_address", "the new address is the same as the old one", code="unchanged")
    now = timezone.now()
    new = CustomerEmail.objects.filter(customer=customer, address__iexact=new_address, active=True).first()
    if new is None:
        new = CustomerEmail.objects.create(customer=customer, address=new_address, status=EmailStatus.UNVERIFIED)
    old.active = False
    old.replaced_by = new
    old.status_changed_at = old.status_changed_at or now
    old.save(update_fields=["active", "replaced_by", "status_changed_at", "updated_at"])
    customer_activity_record(
        customer=customer,
        kind="address_corrected",
        summary=f"E-mail address corrected: {old.address} -> {new.address} (by {actor})",
        data={"old_address": old.address, "new_address": new.address, "actor": actor},
        at=now,
    )
    result = AddressCorrection(new_email=new)
    resolution = f"address corrected to {new.address} by {actor}"
    open_items = WorkItem.objects.filter(customer=customer, kind=WorkItemKind.INVALID_ADDRESS, state=WorkItemState.OPEN)
    for item in open_items:
        result.closed_items.append(
            work_item_close(item=item, resolution=resolution, user_id=user_id, auto=user_id is None)
        )
    if policy_for(customer).resend_on_correction:
        for bounced in affected_dispatches(customer=customer, address=old.address):
            result.resent.append(_resend(bounced=bounced, to=new.address, actor=actor, user_id=user_id, now=now))
        # The invoices go out by e-mail again: a letter still waiting for its batch is not needed.
        result.withdrawn_letters = letters_withdraw(
            invoice_ids=[d.invoice_id for d in result.resent],
            reason=f"address corrected to {new.address}, invoice sent again by e-mail",
            actor=actor,
            user_id=user_id,
            now=now,
        )
    return result


def resend_time(*, customer: Customer, now: dt.datetime) -> dt.datetime:
    """When a resend after a correction goes out: now if that is inside the customer's send window
    on a business day, else at the window's next opening. Not the company policy's "next business
    day": the invoice is already late, only the customer's hours are respected."""
    try:
        return send_time_for(customer=customer, now=now, policy=schedule.Policy(schedule.PolicyKind.IMMEDIATE))
    except schedule.NoSendSlot:
        # A window with no business day at all (e.g. weekends only): new invoices are refused for
        # it, but a correction must not fail on it; send now, as before windows were applied here.
        return now


def _resend(*, bounced: Dispatch, to: str, actor: str, user_id: int | None, now: dt.datetime) -> Dispatch:
    customer = bounced.invoice.customer
    dispatch = dispatch_create(
        invoice=bounced.invoice,
        recipient=to,
        send_at=resend_time(customer=customer, now=now),
        resend_of=bounced,
        actor=actor,
        user_id=user_id,
    )
    customer_activity_record(
        customer=customer,
        invoice=bounced.invoice,
        kind="resent",
        summary=f"Invoice {bounced.invoice.number} sent again by e-mail to {to}",
        data={"dispatch": dispatch.pk, "resend_of": bounced.pk, "address": to},
        at=now,
    )
    return dispatch
