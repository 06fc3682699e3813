"""What each kind of return does to its dispatch, recorded on the invoice's timeline with the evidence.

| kind          | dispatch state | also                                                          |
|---------------|----------------|---------------------------------------------------------------|
| delivered     | delivered      |                                                               |
| delayed       | delayed        |                                                               |
| soft_bounce   | bounced_soft   | re-send after FACTURIER_SOFT_BOUNCE_RETRY_HOURS, then a work  |
|               |                | item `soft_bounce_exhausted`                                  |
| hard_bounce   | bounced_hard   | address invalid, work item `invalid_address`, event           |
|               |                | `address_invalid`, letters.next_step after commit             |
| auto_reply    | auto_replied   | auto-closed work item `auto_reply` (return date kept);        |
|               |                | challenge-response: open work item `challenge`                |
| complaint     | complained     | customer flagged, work item `complaint`                       |
| read_receipt  | read           |                                                               |
| reply         | replied        | work item `human_reply` with the text                         |
| unknown       | (unchanged)    | event, work item `human_reply`: a person reads it             |

Evidence may contradict the record (a delay DSN after the success DSN): the event is still recorded,
the state stays, nothing crashes.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from facturier.crm.models import Customer
from facturier.crm.services import customer_email_mark_invalid
from facturier.dispatch.models import Dispatch
from facturier.dispatch.services import dispatch_create, dispatch_transition, invoice_event
from facturier.dispatch.states import State, can_transition
from facturier.returns.classify import Kind, Reason
from facturier.worklist.models import WorkItemKind
from facturier.worklist.services import work_item_open, work_item_record_auto_closed

log = logging.getLogger(__name__)

# A resend chain longer than this is a loop or a bug, not soft bounces: stop counting.
_MAX_CHAIN = 50


@dataclass(frozen=True)
class Finding:
    """One recipient's verdict merged with the message's, as the actions need it."""

    kind: str
    reason: str
    status: str
    rcpt: str
    diagnostic: str
    return_date: dt.date | None
    text: str
    challenge: bool
    evidence: dict[str, Any]
    inbound_id: int
    now: dt.datetime


def _link(dispatch: Dispatch) -> dict[str, int | None]:
    return {
        "invoice_id": dispatch.invoice_id,
        "customer_id": dispatch.invoice.customer_id,
        "dispatch_id": dispatch.pk,
    }


def _record(*, dispatch: Dispatch, to: State, event: str, summary: str, finding: Finding, **fields: Any) -> bool:
    """Transition with the evidence when the machine allows it; otherwise only the event. True if moved."""
    if can_transition(dispatch.state, to):
        dispatch_transition(
            dispatch=dispatch,
            to=to,
            kind=event,
            summary=summary,
            evidence=finding.evidence,
            inbound_id=finding.inbound_id,
            at=finding.now,
            **fields,
        )
        return True
    invoice_event(
        invoice=dispatch.invoice,
        dispatch=dispatch,
        kind=event,
        summary=f"{summary} (state stays {dispatch.state})",
        evidence={**finding.evidence, "state_unchanged": dispatch.state, "would_be": to.value},
        inbound_id=finding.inbound_id,
        at=finding.now,
    )
    return False


def _delivered(dispatch: Dispatch, f: Finding) -> None:
    _record(dispatch=dispatch, to=State.DELIVERED, event="dsn", summary=f"delivered to {dispatch.recipient}", finding=f)


def _delayed(dispatch: Dispatch, f: Finding) -> None:
    summary = f"delayed for {dispatch.recipient}: {f.diagnostic or f.status}"
    _record(dispatch=dispatch, to=State.DELAYED, event="dsn", summary=summary, finding=f)


def soft_bounce_resends_so_far(dispatch: Dispatch) -> int:
    """How many soft-bounce re-sends led to this dispatch (its ancestors that bounced soft)."""
    count, current = 0, dispatch.resend_of
    while current is not None and current.state == State.BOUNCED_SOFT and count < _MAX_CHAIN:
        count, current = count + 1, current.resend_of
    return count


def _soft_bounce(dispatch: Dispatch, f: Finding) -> None:
    summary = f"soft bounce from {dispatch.recipient}: {f.status} {f.diagnostic}".strip()
    moved = _record(
        dispatch=dispatch,
        to=State.BOUNCED_SOFT,
        event="bounce",
        summary=summary,
        finding=f,
        last_reply=f.diagnostic[:1000],
    )
    if not moved or dispatch.resends.exists():
        return  # a second DSN for the same bounce, or evidence against the record: no new re-send
    schedule = settings.FACTURIER_SOFT_BOUNCE_RETRY_HOURS
    done = soft_bounce_resends_so_far(dispatch)
    if done < len(schedule):
        send_at = f.now + dt.timedelta(hours=schedule[done])
        dispatch_create(invoice=dispatch.invoice, recipient=dispatch.recipient, send_at=send_at, resend_of=dispatch)
        return
    work_item_open(
        kind=WorkItemKind.SOFT_BOUNCE_EXHAUSTED,
        title=f"Invoice {dispatch.invoice.number}: {dispatch.recipient} still bounces after {done} re-sends",
        detail=f"Last: {f.status} {f.diagnostic}",
        inbound_id=f.inbound_id,
        **_link(dispatch),
    )


def _hard_bounce(dispatch: Dispatch, f: Finding) -> None:
    summary = f"hard bounce from {dispatch.recipient}: {f.status} {f.diagnostic}".strip()
    moved = _record(
        dispatch=dispatch,
        to=State.BOUNCED_HARD,
        event="bounce",
        summary=summary,
        finding=f,
        last_reply=f.diagnostic[:1000],
    )
    if not moved:
        return
    reason = f"{f.status} {f.reason}: {f.diagnostic}".strip()[:300]
    customer_email_mark_invalid(customer_id=dispatch.invoice.customer_id, address=dispatch.recipient, reason=reason)
    work_item_open(
        kind=WorkItemKind.INVALID_ADDRESS,
        title=f"Invoice {dispatch.invoice.number}: {dispatch.recipient} is invalid",
        detail=reason,
        inbound_id=f.inbound_id,
        **_link(dispatch),
    )
    invoice_event(
        invoice=dispatch.invoice,
        dispatch=dispatch,
        kind="address_invalid",
        summary=f"{dispatch.recipient} marked invalid ({f.status or f.reason})",
        evidence=f.evidence,
        inbound_id=f.inbound_id,
        at=f.now,
    )
    dispatch_id, evidence = dispatch.pk, f.evidence
    transaction.on_commit(lambda: _address_invalid_next_step(dispatch_id, evidence))


def _address_invalid_next_step(dispatch_id: int, evidence: dict[str, Any]) -> None:
    # The next step (letter, print, CRM) is another module's decision; it runs after our commit so
    # that it sees the invalid address and never undoes the return's record if it fails.
    from facturier.letters.next_step import address_invalid

    address_invalid(dispatch_id=dispatch_id, evidence=evidence)


def _auto_reply(dispatch: Dispatch, f: Finding) -> None:
    challenge = f.challenge or f.reason == Reason.CHALLENGE
    what = "challenge-response" if challenge else "out-of-office"
    back = f" back on {f.return_date:%Y-%m-%d}" if f.return_date else ""
    _record(
        dispatch=dispatch,
        to=State.AUTO_REPLIED,
        event="auto_reply",
        summary=f"{what} from {dispatch.recipient}{back}",
        finding=f,
    )
    title = f"Invoice {dispatch.invoice.number}: {what} from {dispatch.recipient}"
    if challenge:
        # A robot asks a person to prove they are human: only a person can answer it.
        work_item_open(
            kind=WorkItemKind.CHALLENGE, title=title, detail=f.text, inbound_id=f.inbound_id, **_link(dispatch)
        )
        return
    resolution = f"out-of-office, back on {f.return_date:%Y-%m-%d}" if f.return_date else "out-of-office"
    work_item_record_auto_closed(
        kind=WorkItemKind.AUTO_REPLY,
        title=title,
        resolution=resolution,
        detail=f.text,
        inbound_id=f.inbound_id,
        **_link(dispatch),
    )


def _complaint(dispatch: Dispatch, f: Finding) -> None:
    _record(
        dispatch=dispatch,
        to=State.COMPLAINED,
        event="complaint",
        summary=f"{dispatch.recipient} reported it as spam",
        finding=f,
    )
    Customer.objects.filter(pk=dispatch.invoice.customer_id).update(complaint_flag=True)
    work_item_open(
        kind=WorkItemKind.COMPLAINT,
        title=f"Invoice {dispatch.invoice.number}: complaint from {dispatch.recipient}",
        detail=f.text,
        inbound_id=f.inbound_id,
        **_link(dispatch),
    )


def _read(dispatch: Dispatch, f: Finding) -> None:
    _record(dispatch=dispatch, to=State.READ, event="read_receipt", summary=f"read by {dispatch.recipient}", finding=f)


def _reply(dispatch: Dispatch, f: Finding) -> None:
    _record(
        dispatch=dispatch, to=State.REPLIED, event="reply", summary=f"{f.rcpt or dispatch.recipient} replied", finding=f
    )
    work_item_open(
        kind=WorkItemKind.HUMAN_REPLY,
        title=f"Invoice {dispatch.invoice.number}: reply from {f.rcpt or dispatch.recipient}",
        detail=f.text,
        inbound_id=f.inbound_id,
        dedupe=False,  # every reply is something to read
        **_link(dispatch),
    )


def _unknown(dispatch: Dispatch, f: Finding) -> None:
    invoice_event(
        invoice=dispatch.invoice,
        dispatch=dispatch,
        kind="return_unclassified",
        summary="a message about this invoice came back and could not be classified",
        evidence=f.evidence,
        inbound_id=f.inbound_id,
        at=f.now,
    )
    work_item_open(
        kind=WorkItemKind.HUMAN_REPLY,
        title=f"Invoice {dispatch.invoice.number}: unclassified message, please read",
        detail=f.text,
        inbound_id=f.inbound_id,
        dedupe=False,
        **_link(dispatch),
    )


ACTIONS = {
    Kind.DELIVERED: _delivered,
    Kind.DELAYED: _delayed,
    Kind.SOFT_BOUNCE: _soft_bounce,
    Kind.HARD_BOUNCE: _hard_bounce,
    Kind.AUTO_REPLY: _auto_reply,
    Kind.COMPLAINT: _complaint,
    Kind.READ_RECEIPT: _read,
    Kind.REPLY: _reply,
    Kind.UNKNOWN: _unknown,
}


def return_act(*, dispatch: Dispatch, finding: Finding) -> None:
    """Apply one recipient's verdict to its dispatch (caller holds the transaction)."""
    ACTIONS.get(Kind(finding.kind) if finding.kind in Kind._value2member_map_ else Kind.UNKNOWN, _unknown)(
        dispatch, finding
    )
