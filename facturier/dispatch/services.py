"""Writes on dispatches: every state change goes through dispatch_transition, which checks the state
machine, appends the timeline event with its evidence, and refreshes the invoice's rolled-up status."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
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
    # Checked before the transaction starts: an illegal transition raises without touching the
    # database, so the transaction below needs no savepoint of its own (two round trips saved
    # when the caller already holds a transaction, as the worker does).
    target = check_transition(previous, to)
    with transaction.atomic(savepoint=False):
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


@dataclass
class Transition:
    """One state change for dispatch_transitions: the same arguments as dispatch_transition."""

    dispatch: Dispatch
    to: State | str
    kind: str
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)


def dispatch_transitions(*, changes: list[Transition], at: dt.datetime, actor: str = "system") -> list[DeliveryEvent]:
    """dispatch_transition for many dispatches at once, with the same promises (state machine
    checked for each, one timeline event each, invoice roll-ups refreshed) in a fixed number of
    queries: one UPDATE of the dispatches, one INSERT of the events, the roll-ups in bulk.

    Every change is checked before anything is written: one illegal transition raises
    IllegalTransition and nothing is saved. The caller holds the dispatch rows (locked).
    """
    if not changes:
        return []
    targets = [check_transition(c.dispatch.state, c.to) for c in changes]
    events = []
    for change, target in zip(changes, targets, strict=True):
        d = change.dispatch
        events.append(
            DeliveryEvent(
                invoice_id=d.invoice_id,
                dispatch_id=d.pk,
                at=at,
                kind=change.kind,
                summary=change.summary[:500],
                evidence=change.evidence,
                actor=actor,
                from_state=d.state,
                to_state=target.value,
            )
        )
        d.state, d.state_changed_at = target.value, at
        for name, value in change.fields.items():
            setattr(d, name, value)
    with transaction.atomic(savepoint=False):
        _save_changes(changes, at=at)
        DeliveryEvent.objects.bulk_create(events)
        invoice_refresh_statuses(invoice_ids=sorted({c.dispatch.invoice_id for c in changes}), at=at)
    return events


def _save_changes(changes: list[Transition], *, at: dt.datetime) -> None:
    """One UPDATE per target state for the values its rows share (state, time, sending_since=None,
    ...), plus one CASE WHEN UPDATE (bulk_update) for the values that differ from row to row
    (accepted_at, last_reply, due_at): bulk_update builds an expression per row and field, so
    it is kept to the fields that need it."""
    groups: dict[tuple[str, frozenset[str]], list[Transition]] = defaultdict(list)
    for c in changes:
        groups[(c.dispatch.state, frozenset(c.fields))].append(c)
    for (state, names), group in groups.items():
        same = {n: group[0].fields[n] for n in names if all(c.fields[n] == group[0].fields[n] for c in group)}
        varying = sorted(names - same.keys())
        pks = [c.dispatch.pk for c in group]
        Dispatch.objects.filter(pk__in=pks).update(state=state, state_changed_at=at, **same)
        if varying:
            Dispatch.objects.bulk_update([c.dispatch for c in group], varying)


def invoice_refresh_statuses(*, invoice_ids: list[int], at: dt.datetime) -> None:
    """invoice_refresh_status (and last_event_at) for many invoices: one SELECT of their dispatches,
    then one UPDATE per distinct (status, detail), usually one for a whole batch."""
    from facturier.dispatch.states import rollup

    latest: dict[int, dict[tuple[str, str], str]] = defaultdict(dict)
    rows = Dispatch.objects.filter(invoice_id__in=invoice_ids).order_by("id")
    # Same rule as current_dispatch_states: the newest dispatch per channel and recipient speaks.
    for invoice_id, channel, recipient, state in rows.values_list("invoice_id", "channel", "recipient", "state"):
        latest[invoice_id][(channel, recipient.lower())] = state
    by_status: dict[tuple[str, str], list[int]] = defaultdict(list)
    for invoice_id in invoice_ids:
        status, detail = rollup(latest[invoice_id].values())
        by_status[(status, detail[:200])].append(invoice_id)
    for (status, detail), ids in by_status.items():
        Invoice.objects.filter(pk__in=ids).update(status=status, status_detail=detail, last_event_at=at)


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
