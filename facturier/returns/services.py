"""Writes on returned messages: process a stored message (classify, correlate, act), retry failures."""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from facturier.dispatch.states import State
from facturier.returns.actions import Finding, return_act
from facturier.returns.classify import RecipientVerdict, Verdict, classify
from facturier.returns.correlate import candidate_addresses, correlate
from facturier.returns.ingest import clean_text, parse_headers
from facturier.returns.models import InboundMessage, InboundState, ReturnVerdict
from facturier.worklist.models import WorkItemKind
from facturier.worklist.services import work_item_open

log = logging.getLogger(__name__)

# retry_failed: how many messages per worker loop (a 30 MB message takes a while to re-parse),
# how many tries before a person must look, and how long a `stored` message may wait before we
# assume its ingester died between store and process.
RETRY_BATCH = 20
MAX_ATTEMPTS = 5
STUCK_AFTER = dt.timedelta(minutes=5)

DONE_STATES = (InboundState.PROCESSED, InboundState.UNMATCHED)
# A local relay can return its DSN before the worker has recorded the 250 (the dispatch is still
# `sending`): wait for the worker a little, in this call, before leaving it to retry_failed.
BUSY_TRIES = 20
BUSY_WAIT_SECONDS = 0.5


class DispatchBusy(Exception):
    """The return is about a dispatch whose sending is still being recorded: process it a bit later."""


def _jsonable(value: Any) -> Any:
    """Evidence goes into a JSON column: PostgreSQL refuses NUL characters even inside JSON text."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _finding(
    *, verdict: Verdict, rv: RecipientVerdict | None, inbound: InboundMessage, matched_by: str, now: dt.datetime
) -> Finding:
    rcpt = (rv.rcpt if rv else "") or verdict.rcpt or verdict.from_addr
    evidence: dict[str, Any] = {
        "inbound_id": inbound.pk,
        "matched_by": matched_by,
        "kind": str(rv.kind if rv else verdict.kind),
        "reason": str(rv.reason if rv else verdict.reason),
        "status": (rv.status if rv else "") or verdict.status,
        "rcpt": rcpt,
        "action": rv.action if rv else "",
        "diagnostic": ((rv.diagnostic if rv else "") or verdict.diagnostic)[:2000],
        "remote_mta": rv.remote_mta if rv else "",
        "envelope_id": verdict.envelope_id,
        "original_message_id": verdict.message_id,
        "return_date": verdict.return_date.isoformat() if verdict.return_date else None,
        "subject": verdict.subject[:300],
        "from": verdict.from_addr,
        "format": verdict.format,
        "feedback_type": verdict.feedback_type,
        "challenge": verdict.challenge,
    }
    return Finding(
        kind=str(rv.kind if rv else verdict.kind),
        reason=str(rv.reason if rv else verdict.reason),
        status=evidence["status"],
        rcpt=rcpt,
        diagnostic=clean_text(evidence["diagnostic"]),
        return_date=verdict.return_date,
        text=clean_text(verdict.text),
        challenge=verdict.challenge,
        evidence=_jsonable(evidence),
        inbound_id=inbound.pk,
        now=now,
    )


def _verdict_row(*, inbound: InboundMessage, verdict: Verdict, finding: Finding, dispatch_id: int | None) -> None:
    ReturnVerdict.objects.create(
        inbound=inbound,
        dispatch_id=dispatch_id,
        kind=finding.kind[:20],
        reason=finding.reason[:40],
        status=clean_text(finding.status, 16),
        rcpt=clean_text(finding.rcpt, 320),
        diagnostic=finding.diagnostic,
        original_message_id=clean_text(verdict.message_id, 500),
        envelope_id=clean_text(verdict.envelope_id, 100),
        return_date=verdict.return_date,
        matched_by=finding.evidence["matched_by"],
    )


def _process(inbound: InboundMessage, now: dt.datetime) -> tuple[str, str]:
    raw = inbound.raw
    # The day it arrived resolves "back on 12 December" to the right year.
    verdict = classify(raw, received=timezone.localdate(inbound.received_at))
    addresses = candidate_addresses(envelope_to=inbound.envelope_to, headers=parse_headers(raw))
    matched = 0
    # A DSN speaks for each of its recipients; anything else for the message as a whole.
    for rv in verdict.recipients or (None,):
        match = correlate(verdict=verdict, recipient=rv, addresses=addresses, now=now)
        finding = _finding(verdict=verdict, rv=rv, inbound=inbound, matched_by=match.matched_by, now=now)
        _verdict_row(
            inbound=inbound, verdict=verdict, finding=finding, dispatch_id=match.dispatch and match.dispatch.pk
        )
        if match.dispatch is not None:
            if match.dispatch.state == State.SENDING:
                raise DispatchBusy(f"dispatch {match.dispatch.pk} is still being sent; the return will be retried")
            return_act(dispatch=match.dispatch, finding=finding)
            matched += 1
    if not matched:
        work_item_open(
            kind=WorkItemKind.UNMATCHED_RETURN,
            title=clean_text(f"Unmatched {verdict.kind}: {inbound.subject or '(no subject)'}", 300),
            detail=clean_text(f"From {inbound.from_header}\nTo {inbound.envelope_to}\n\n{verdict.text}"),
            inbound_id=inbound.pk,
        )
    return (InboundState.PROCESSED if matched else InboundState.UNMATCHED), str(verdict.kind)


def inbound_process(*, inbound_id: int, now: dt.datetime | None = None) -> str:
    """Classify, correlate and act on a stored message, once. Never raises: a failure marks it
    `failed` with the error (retryable); the raw message is never touched."""
    for _ in range(BUSY_TRIES - 1):
        try:
            return _process_once(inbound_id=inbound_id, now=now or timezone.now())
        except DispatchBusy:
            time.sleep(BUSY_WAIT_SECONDS)
        except Exception as exc:  # whatever breaks, the message must stay visible and retryable
            log.exception("processing inbound %s failed", inbound_id)
            _mark_failed(inbound_id=inbound_id, exc=exc, now=now or timezone.now())
            return InboundState.FAILED
    try:
        return _process_once(inbound_id=inbound_id, now=now or timezone.now())
    except Exception as exc:
        log.warning("processing inbound %s failed: %s", inbound_id, exc)
        _mark_failed(inbound_id=inbound_id, exc=exc, now=now or timezone.now())
        return InboundState.FAILED


def _process_once(*, inbound_id: int, now: dt.datetime) -> str:
    with transaction.atomic():
        # The row lock (PostgreSQL) or the IMMEDIATE transaction (SQLite) makes a second
        # processor wait here, then see `processed` and do nothing: no action happens twice.
        inbound = InboundMessage.objects.select_for_update().get(pk=inbound_id)
        if inbound.state in DONE_STATES:
            return inbound.state
        state, kind = _process(inbound, now)
        InboundMessage.objects.filter(pk=inbound_id).update(
            state=state,
            kind=kind[:20],
            error="",
            processed_at=now,
            process_attempts=F("process_attempts") + 1,
        )
        return state


def _mark_failed(*, inbound_id: int, exc: BaseException, now: dt.datetime) -> None:
    error = clean_text("".join(traceback.format_exception(exc))[-4000:])
    try:
        # processed_at doubles as "last attempt" for failed messages: retry_failed backs off from it.
        InboundMessage.objects.filter(pk=inbound_id).update(
            state=InboundState.FAILED, error=error, processed_at=now, process_attempts=F("process_attempts") + 1
        )
    except Exception:
        log.exception("could not mark inbound %s failed", inbound_id)


def retry_candidates(*, now: dt.datetime, limit: int = RETRY_BATCH, include_exhausted: bool = False) -> list[int]:
    """Ids of failed messages due for another try, and `stored` ones whose ingester died."""
    failed = Q(state=InboundState.FAILED)
    if not include_exhausted:
        failed &= Q(process_attempts__lt=MAX_ATTEMPTS)
    stuck = Q(state=InboundState.STORED, received_at__lte=now - STUCK_AFTER)
    rows = (
        InboundMessage.objects.filter(failed | stuck)
        .order_by("id")
        .values_list("id", "state", "process_attempts", "processed_at")
    )
    due: list[int] = []
    for pk, state, attempts, last in rows[: limit * 5]:
        # Back off 1, 2, 4, 8... minutes between tries of a failed message.
        if (
            state == InboundState.FAILED
            and last
            and not include_exhausted
            and now - last < dt.timedelta(minutes=2**attempts / 2)
        ):
            continue
        due.append(pk)
        if len(due) >= limit:
            break
    return due


def retry_failed(*, now: dt.datetime) -> int:
    """Worker step (core/jobs.py): process again what failed or was left unprocessed."""
    ids = retry_candidates(now=now)
    for pk in ids:
        inbound_process(inbound_id=pk, now=now)
    return len(ids)


def inbound_reprocess(*, ids: list[int] | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """Process the given (or every failed and unprocessed) message again; counts per resulting state."""
    now = now or timezone.now()
    if ids is None:
        ids = list(
            InboundMessage.objects.filter(state__in=[InboundState.FAILED, InboundState.STORED])
            .order_by("id")
            .values_list("id", flat=True)
        )
    counts: dict[str, int] = {}
    for pk in ids:
        state = inbound_process(inbound_id=pk, now=now)
        counts[state] = counts.get(state, 0) + 1
    return counts
