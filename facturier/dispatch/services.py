"""Writes on dispatches: every state change goes through dispatch_transition, which checks the state
machine, appends the timeline event with its evidence, and refreshes the invoice's rolled-up status."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from facturier.dispatch.models import Channel, DeliveryEvent, Dispatch
from facturier.dispatch.states import State, check_transition
from facturier.invoices.models import Invoice


def new_token() -> str:
    # 16 random bytes in base32 without padding: safe in a local part, case-insensitive (some
    # MTAs lower-case the address they bounce to).
    return secrets.token_bytes(16).hex()[:26]


def invoice_event(
    *,
    invoice: Invoice,
    kind: str,
    summary: str,
    dispatch: Dispatch | None = None,
    evidence: dict[str, Any] | None = None,
    inbound_id: int | None = None,
    actor: str = "system",
    user_id: int | None = None,
    at: dt.datetime | None = None,
    from_state: str = "",
    to_state: str = "",
) -> DeliveryEvent:
    """Append one event to an invoice's timeline (no state change)."""
    at = at or timezone.now()
    event = DeliveryEvent.objects.create(
        invoice=invoice,
        dispatch=dispatch,
        at=at,
        kind=kind,
        summary=summary[:500],
        evidence=evidence or {},
        inbound_message_id=inbound_id,
        actor=actor,
        user_id=user_id,
        from_state=from_state,
        to_state=to_state,
    )
    Invoice.objects.filter(pk=invoice.pk).update(last_event_at=at)
    return event


@transaction.atomic
def dispatch_transition(
    *,
    dispatch: Dispatch,
    to: State | str,
    kind: str,
    summary: str,
    evidence: dict[str, Any] | None = None,
    inbound_id: int | None = None,
    actor: str = "system",
    user_id: int | None = None,
    at: dt.datetime | None = None,
    **fields: Any,
) -> DeliveryEvent:
    """Move a dispatch to a new state (raises IllegalTransition), record why, refresh the invoice.

    Extra keyword arguments are dispatch fields saved in the same UPDATE (e.g. due_at, last_reply).
    """
    at = at or timezone.now()
    previous = dispatch.state
    target = check_transition(previous, to)
    dispatch.state = target.value
    dispatch.state_changed_at = at
    for name, value in fields.items():
        setattr(dispatch, name, value)
    dispatch.save(update_fields=["state", "state_changed_at", *fields])
    event = invoice_event(
        invoice=dispatch.invoice,
        dispatch=dispatch,
        kind=kind,
        summary=summary,
        evidence=evidence,
        inbound_id=inbound_id,
        actor=actor,
        user_id=user_id,
        at=at,
        from_state=previous,
        to_state=target.value,
    )
    invoice_refresh_status(invoice_id=dispatch.invoice_id)
    return event


def invoice_refresh_status(*, invoice_id: int) -> str:
    """Recompute the invoice's stored roll-up from its current dispatches."""
    from facturier.dispatch.states import rollup

    states = current_dispatch_states(invoice_id=invoice_id)
    status, detail = rollup(states)
    Invoice.objects.filter(pk=invoice_id).update(status=status, status_detail=detail[:200])
    return status


def current_dispatch_states(*, invoice_id: int) -> list[str]:
    """States of the dispatches that speak for the invoice now: a dispatch that was re-sent is
    superseded by its re-send (the newest per recipient and channel wins)."""
    latest: dict[tuple[str, str], str] = {}
    rows = Dispatch.objects.filter(invoice_id=invoice_id).order_by("id").values_list("channel", "recipient", "state")
    for channel, recipient, state in rows:
        latest[(channel, recipient.lower())] = state
    return list(latest.values())


@transaction.atomic
def dispatch_create(
    *,
    invoice: Invoice,
    recipient: str,
    send_at: dt.datetime,
    channel: str = Channel.EMAIL,
    resend_of: Dispatch | None = None,
    actor: str = "system",
    user_id: int | None = None,
) -> Dispatch:
    """Schedule one delivery of the invoice to one recipient at send_at."""
    dispatch = Dispatch.objects.create(
        invoice=invoice,
        channel=channel,
        recipient=recipient,
        state=State.SCHEDULED,
        scheduled_at=send_at,
        due_at=send_at,
        token=new_token(),
        resend_of=resend_of,
        created_by=actor,
    )
    local = timezone.localtime(send_at)
    what = "resend" if resend_of else "scheduled"
    invoice_event(
        invoice=invoice,
        dispatch=dispatch,
        kind=what,
        summary=f"{channel} to {recipient} scheduled for {local:%Y-%m-%d %H:%M %Z}",
        evidence={"send_at": send_at.isoformat(), "resend_of": resend_of.pk if resend_of else None},
        actor=actor,
        user_id=user_id,
        to_state=State.SCHEDULED.value,
    )
    invoice_refresh_status(invoice_id=invoice.pk)
    return dispatch
