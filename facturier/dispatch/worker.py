"""The send worker: claim due e-mail dispatches, render, hand to the relay, record the answer.

Claiming. A batch of due dispatches is claimed in one short transaction and marked `sending`
(sending_since = the start of a lease, claimed_by = host:pid, attempts + 1). On PostgreSQL the
batch is locked with SELECT ... FOR UPDATE SKIP LOCKED, so several workers take disjoint
batches without waiting on each other. On SQLite (one worker) each row is claimed with a
conditional UPDATE whose count says whether we got it.

Sending. Each claimed dispatch is then built (in a helper thread, one message ahead), handed to
the relay, and its answer recorded: a DispatchAttempt row and one state change checked by the
state machine, with its timeline event (250 -> accepted; 4xx or connection trouble -> scheduled
again after an exponential backoff, failed once the retry limit is reached; 5xx at RCPT or DATA
-> bounced_hard). Answers are committed in groups (RECORD_GROUP, RECORD_GROUP_SECONDS) through
services.dispatch_transitions: one transaction and a fixed number of queries per group. Only ids
and small answers are held between steps, and at most three messages are in memory at a time,
so the worker's memory does not grow with the batch size.

The uncertain state. Between handing a message to the relay and committing its answer, the
worker can die (kill -9, power loss, lost database). The relay may then have the message or
not; we cannot know. Re-sending blindly could send an invoice twice, never re-sending could
lose it, so neither happens: `expire_leases` turns a dispatch that stayed `sending` longer than
FACTURIER_SEND_LEASE_SECONDS into `uncertain` and opens an `uncertain_dispatch` work item. A
person decides ("mark sent" or resend). If the slow worker does come back with the relay's 250,
that evidence settles it: the dispatch becomes accepted and the work item closes itself.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone

from facturier.crm.services import customer_email_mark_invalid
from facturier.dispatch.message import OutboundMessage, build_message
from facturier.dispatch.models import Channel, DeliveryEvent, Dispatch, DispatchAttempt
from facturier.dispatch.services import (
    Transition,
    dispatch_transition,
    dispatch_transitions,
    invoice_event,
    invoice_refresh_statuses,
)
from facturier.dispatch.states import State
from facturier.dispatch.transport import Outcome, PendingSend, SendResult, SmtpTransport
from facturier.worklist.models import WorkItem, WorkItemKind, WorkItemState
from facturier.worklist.services import work_item_close, work_item_open

log = logging.getLogger(__name__)

# expire_leases handles at most this many per call: the job runs on every loop, so a backlog
# drains over a few loops without one long transaction.
LEASE_BATCH = 200
IDLE_SLEEP_SECONDS = 1.0
# Answers are committed in groups of at most RECORD_GROUP, or once the oldest has waited
# RECORD_GROUP_SECONDS: one transaction and ~8 queries per group instead of ~11 per answer. The
# price: a worker cut off (kill -9, power loss) can leave up to RECORD_GROUP + 1 messages sent but
# unrecorded instead of 2; they become `uncertain` after the lease like any other (never re-sent).
RECORD_GROUP = 10
RECORD_GROUP_SECONDS = 0.2
ERROR_PAUSE_SECONDS = 10.0


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def retry_delay_seconds(attempt: int, *, base: int) -> int:
    """Backoff after the attempt-th try failed temporarily: base, 2*base, 4*base, ..."""
    return base * 2 ** max(attempt - 1, 0)


# --- Claim ----------------------------------------------------------------------------------------


def claim_due(*, now: dt.datetime, limit: int, worker: str) -> list[int]:
    """Claim up to `limit` due e-mail dispatches for this worker; return their ids, oldest first.

    `now` decides what is due; the claim itself is stamped with the clock, so the lease and the
    timeline stay in real time even when a caller asks for a later `now`.
    """
    due = Dispatch.objects.filter(state=State.SCHEDULED, channel=Channel.EMAIL, due_at__lte=now).order_by(
        "due_at", "id"
    )
    stamp = timezone.now()
    claim = {
        "state": State.SENDING.value,
        "state_changed_at": stamp,
        "sending_since": stamp,
        "claimed_by": worker,
        "attempts": F("attempts") + 1,
        # Known before sending (derived from the token), so an uncertain dispatch can be looked
        # up in the relay's logs by Message-ID.
        "message_id": Coalesce(
            "message_id",
            Concat(Value("<"), "token", Value(f"@{settings.FACTURIER_MESSAGE_ID_DOMAIN}>"), output_field=CharField()),
        ),
    }
    with transaction.atomic():
        due = due.values_list("pk", "invoice_id", "recipient")
        if connection.vendor == "postgresql":
            # Rows another worker holds are skipped, not waited for: each worker gets its own batch.
            due = due.select_for_update(skip_locked=True)
        rows = list(due[:limit])
        # The state condition makes the claim safe even without the lock (on SQLite, the
        # IMMEDIATE transaction holds the write lock from its first statement anyway): if the
        # count says some row changed under us, keep only the rows this claim really took.
        got = Dispatch.objects.filter(pk__in=[r[0] for r in rows], state=State.SCHEDULED).update(**claim)
        if got != len(rows):
            ours = set(
                Dispatch.objects.filter(
                    pk__in=[r[0] for r in rows], claimed_by=worker, sending_since=stamp
                ).values_list("pk", flat=True)
            )
            rows = [r for r in rows if r[0] in ours]
        _record_claims(rows, now=stamp, worker=worker)
    return [r[0] for r in rows]


def _record_claims(rows: list[tuple[int, int, str]], *, now: dt.datetime, worker: str) -> None:
    # The claim is the one state change not made through dispatch_transition (it is a bulk
    # UPDATE, for speed and for the lock); the timeline and roll-up are written here instead.
    DeliveryEvent.objects.bulk_create(
        DeliveryEvent(
            invoice_id=invoice_id,
            dispatch_id=pk,
            at=now,
            kind="sending",
            from_state=State.SCHEDULED.value,
            to_state=State.SENDING.value,
            summary=f"handed to worker {worker} for sending to {recipient}"[:500],
            evidence={"worker": worker},
        )
        for pk, invoice_id, recipient in rows
    )
    invoice_refresh_statuses(invoice_ids=sorted({r[1] for r in rows}), at=now)


def release_claims(ids: list[int], *, worker: str) -> int:
    """Put claimed but untouched dispatches back (the worker is stopping): nothing was sent."""
    released = 0
    for pk in ids:
        with transaction.atomic():
            dispatch = Dispatch.objects.select_for_update().select_related("invoice").filter(pk=pk).first()
            if dispatch is None or dispatch.state != State.SENDING or dispatch.claimed_by != worker:
                continue
            dispatch_transition(
                dispatch=dispatch,
                to=State.SCHEDULED,
                kind="released",
                summary="worker stopped before sending it; back in the queue",
                evidence={"worker": worker},
                attempts=max(dispatch.attempts - 1, 0),
                sending_since=None,
            )
            released += 1
    return released


# --- Send -----------------------------------------------------------------------------------------


def process_due(
    *,
    now: dt.datetime,
    limit: int | None = None,
    transport: SmtpTransport | None = None,
    worker: str | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """One step of the worker: claim one batch and send it. Returns how many were handled."""
    worker = worker or worker_id()
    ids = claim_due(now=now, limit=limit or settings.FACTURIER_WORKER_BATCH, worker=worker)
    if not ids:
        return 0
    own = transport is None
    transport = transport or SmtpTransport.from_settings()
    # The batch's rows (not their PDFs) in one query.
    dispatches = list(Dispatch.objects.select_related("invoice__customer").filter(pk__in=ids).order_by("due_at", "id"))
    try:
        return _send_batch(dispatches, transport=transport, worker=worker, should_stop=should_stop)
    finally:
        if own:
            transport.close()


@dataclass
class Answer:
    """A relay's answer for a dispatch, waiting to be recorded."""

    dispatch: Dispatch
    built: OutboundMessage
    started: dt.datetime
    result: SendResult
    finished: dt.datetime


@dataclass
class _InFlight:
    """A message with the relay whose answer has not been read yet."""

    dispatch: Dispatch
    built: OutboundMessage
    started: dt.datetime
    pending: PendingSend

    def answer(self) -> Answer:
        result = self.pending.result()
        return Answer(self.dispatch, self.built, self.started, result, timezone.now())


class _Recorder:
    """Answers waiting to be committed: written together once RECORD_GROUP are waiting or the
    oldest has waited RECORD_GROUP_SECONDS, and whenever the batch ends or the worker stops."""

    def __init__(self, worker: str) -> None:
        self.worker = worker
        self.waiting: list[Answer] = []
        self.oldest = 0.0

    def add(self, answer: Answer) -> None:
        if not self.waiting:
            self.oldest = time.monotonic()
        self.waiting.append(answer)
        if len(self.waiting) >= RECORD_GROUP or time.monotonic() - self.oldest >= RECORD_GROUP_SECONDS:
            self.flush()

    def flush(self) -> None:
        # Taken off the list before writing: a group whose commit failed is not written again by
        # a later flush (its dispatches stay `sending` and turn uncertain after the lease).
        group, self.waiting = self.waiting, []
        if group:
            record_results(group, worker=self.worker)


def _send_batch(
    dispatches: list[Dispatch], *, transport: SmtpTransport, worker: str, should_stop: Callable[[], bool]
) -> int:
    """Send a claimed batch as a short pipeline: render the next message in a helper thread and
    record answers while the relay works on the current message.

    At most three messages are in memory (rendering, with the relay, being recorded), whatever the
    batch size; the answers waiting to be committed are a few hundred bytes each. A crash can leave
    up to RECORD_GROUP + 1 sent-but-unrecorded dispatches: all become uncertain after the lease.
    """
    done = 0
    in_flight: _InFlight | None = None
    recorder = _Recorder(worker)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="render") as renderer:
        ahead = renderer.submit(_build, dispatches[0])
        try:
            for i, dispatch in enumerate(dispatches):
                if should_stop():
                    ahead.cancel()
                    release_claims([d.pk for d in dispatches[i:]], worker=worker)
                    break
                built = ahead.result()
                if i + 1 < len(dispatches):
                    ahead = renderer.submit(_build, dispatches[i + 1])
                started = timezone.now()
                if isinstance(built, Exception):
                    log.error("dispatch %s: cannot build the message: %r", dispatch.pk, built)
                    _record_build_failure(dispatch.pk, built, started=started, worker=worker)
                else:
                    pending = transport.begin(
                        envelope_from=built.envelope_from, recipient=built.recipient, data=built.data, envid=built.token
                    )
                    previous, in_flight = in_flight, _InFlight(dispatch, built, started, pending)
                    if previous is not None:
                        recorder.add(previous.answer())
                done += 1
        except Exception:
            # Database trouble, most likely. Claims never handed to the relay go back to the
            # queue (best effort) rather than turning uncertain when their lease runs out.
            with contextlib.suppress(Exception):
                release_claims([d.pk for d in dispatches[done + 1 :]], worker=worker)
            raise
        finally:
            # "finish the current message", also when stopping: read its answer, commit the rest.
            if in_flight is not None:
                recorder.waiting.append(in_flight.answer())
            recorder.flush()
    return done


def _build(dispatch: Dispatch) -> OutboundMessage | Exception:
    # Runs in the render thread: files and templates only, no database access (the invoice and
    # customer came with the dispatch), so the thread never opens a connection of its own.
    try:
        return build_message(dispatch)
    except Exception as exc:  # unreadable PDF, broken template, unusable address: nothing is sent
        return exc


def send_one(dispatch_id: int, *, transport: SmtpTransport, worker: str) -> str:
    """Build, send and record one claimed dispatch, waiting for the answer; return its new state."""
    dispatch = Dispatch.objects.select_related("invoice__customer").get(pk=dispatch_id)
    started = timezone.now()
    built = _build(dispatch)
    if isinstance(built, Exception):
        return _record_build_failure(dispatch.pk, built, started=started, worker=worker)
    result = transport.send(
        envelope_from=built.envelope_from, recipient=built.recipient, data=built.data, envid=built.token
    )
    return record_result(dispatch, result, built, started=started, worker=worker)


def _evidence(result: SendResult, out: OutboundMessage) -> dict[str, object]:
    return {
        "code": result.code,
        "reply": result.reply,
        "step": result.step,
        "server": result.server,
        "envelope_from": out.envelope_from,
        "rcpt": out.recipient,
        "message_id": out.message_id,
        "dsn_requested": result.dsn_requested,
    }


@transaction.atomic
def record_result(
    dispatch: Dispatch, result: SendResult, out: OutboundMessage, *, started: dt.datetime, worker: str
) -> str:
    """Write the attempt and the state change the relay's answer calls for."""
    now = timezone.now()
    # Lock the row and re-read only what may have changed since the batch was loaded (the lease
    # may have expired meanwhile): cheaper than loading the dispatch and its invoice again.
    locked = Dispatch.objects.select_for_update().filter(pk=dispatch.pk)
    dispatch.state, dispatch.claimed_by, dispatch.attempts = locked.values_list("state", "claimed_by", "attempts").get()
    DispatchAttempt.objects.create(
        dispatch=dispatch,
        number=dispatch.attempts,
        started_at=started,
        finished_at=now,
        outcome=result.outcome.value,
        smtp_code=result.code,
        smtp_reply=result.reply[:1000],
        worker=worker,
    )
    return _record_answer(dispatch, result, out, worker=worker, now=now)


def _record_answer(
    dispatch: Dispatch, result: SendResult, out: OutboundMessage, *, worker: str, now: dt.datetime
) -> str:
    """The state change for an answer, the dispatch row locked and its attempt written."""
    evidence = _evidence(result, out)
    reply = f"{result.code or ''} {result.reply}".strip()[:1000]
    if dispatch.state != State.SENDING or dispatch.claimed_by != worker:
        return _record_late_answer(dispatch, result, evidence, now=now)
    if result.outcome is Outcome.ACCEPTED:
        dispatch_transition(
            dispatch=dispatch,
            to=State.ACCEPTED,
            kind="smtp_accepted",
            summary=f"relay accepted the message for {out.recipient}: {reply}",
            evidence=evidence,
            at=now,
            accepted_at=now,
            message_id=out.message_id,
            last_reply=reply,
            sending_since=None,
        )
    elif result.outcome is Outcome.TEMP_FAIL:
        _record_temp_fail(dispatch, evidence, reply, now=now)
    elif result.step in {"rcpt", "data"}:
        dispatch_transition(
            dispatch=dispatch,
            to=State.BOUNCED_HARD,
            kind="smtp_rejected",
            summary=f"relay refused the message at {result.step.upper()}: {reply}",
            evidence=evidence,
            at=now,
            last_reply=reply,
            sending_since=None,
        )
        _after_hard_bounce(dispatch, step=result.step, reply=reply)
    else:  # 5xx at MAIL: the relay refuses our envelope sender, a configuration problem of ours
        _fail(
            dispatch,
            kind="smtp_rejected",
            summary=f"relay refused our sender at MAIL: {reply}",
            evidence=evidence,
            reply=reply,
            now=now,
        )
    return dispatch.state


def record_results(answers: list[Answer], *, worker: str) -> list[str]:
    """record_result for a group of answers in one transaction and a fixed number of queries.

    The common answers (250; 4xx with retries left) are written together through
    dispatch_transitions; the rare ones (refusals, retries exhausted, answers after the lease
    expired) go through record_result's own steps, in the same transaction.
    """
    with transaction.atomic():
        pks = sorted(a.dispatch.pk for a in answers)  # locked in a fixed order: no deadlock
        locked = Dispatch.objects.select_for_update().filter(pk__in=pks).order_by("pk")
        current = {pk: rest for pk, *rest in locked.values_list("pk", "state", "claimed_by", "attempts")}
        for a in answers:
            a.dispatch.state, a.dispatch.claimed_by, a.dispatch.attempts = current[a.dispatch.pk]
        DispatchAttempt.objects.bulk_create(_attempt(a, worker) for a in answers)
        changes: list[Transition] = []
        rare: list[Answer] = []
        now = max(a.finished for a in answers)
        for a in answers:
            change = _common_change(a, worker=worker)
            if change is None:
                rare.append(a)
            else:
                changes.append(change)
        dispatch_transitions(changes=changes, at=now)
        for a in rare:
            _record_answer(a.dispatch, a.result, a.built, worker=worker, now=a.finished)
    return [a.dispatch.state for a in answers]


def _attempt(a: Answer, worker: str) -> DispatchAttempt:
    return DispatchAttempt(
        dispatch=a.dispatch,
        number=a.dispatch.attempts,
        started_at=a.started,
        finished_at=a.finished,
        outcome=a.result.outcome.value,
        smtp_code=a.result.code,
        smtp_reply=a.result.reply[:1000],
        worker=worker,
    )


def _common_change(a: Answer, *, worker: str) -> Transition | None:
    """The state change for a 250 or a retryable 4xx of our own lease, else None (the rare cases)."""
    d, result, out, now = a.dispatch, a.result, a.built, a.finished
    if d.state != State.SENDING or d.claimed_by != worker:
        return None
    evidence = _evidence(result, out)
    reply = f"{result.code or ''} {result.reply}".strip()[:1000]
    if result.outcome is Outcome.ACCEPTED:
        return Transition(
            dispatch=d,
            to=State.ACCEPTED,
            kind="smtp_accepted",
            summary=f"relay accepted the message for {out.recipient}: {reply}",
            evidence=evidence,
            fields={"accepted_at": now, "message_id": out.message_id, "last_reply": reply, "sending_since": None},
        )
    if result.outcome is Outcome.TEMP_FAIL and d.attempts <= settings.FACTURIER_SEND_RETRY_LIMIT:
        delay = retry_delay_seconds(d.attempts, base=settings.FACTURIER_SEND_RETRY_BASE_SECONDS)
        due_at = now + dt.timedelta(seconds=delay)
        return Transition(
            dispatch=d,
            to=State.SCHEDULED,
            kind="smtp_temp_fail",
            summary=f"temporary failure (try {d.attempts}), retry in {delay} s: {reply}",
            evidence={**evidence, "retry_at": due_at.isoformat(), "retry_in_seconds": delay},
            fields={"due_at": due_at, "last_reply": reply, "sending_since": None},
        )
    return None


def _record_temp_fail(dispatch: Dispatch, evidence: dict[str, object], reply: str, *, now: dt.datetime) -> None:
    if dispatch.attempts > settings.FACTURIER_SEND_RETRY_LIMIT:
        summary = f"temporary failure, retries exhausted after {dispatch.attempts} tries: {reply}"
        _fail(dispatch, kind="smtp_temp_fail", summary=summary, evidence=evidence, reply=reply, now=now)
        return
    delay = retry_delay_seconds(dispatch.attempts, base=settings.FACTURIER_SEND_RETRY_BASE_SECONDS)
    due_at = now + dt.timedelta(seconds=delay)
    dispatch_transition(
        dispatch=dispatch,
        to=State.SCHEDULED,
        kind="smtp_temp_fail",
        summary=f"temporary failure (try {dispatch.attempts}), retry in {delay} s: {reply}",
        evidence={**evidence, "retry_at": due_at.isoformat(), "retry_in_seconds": delay},
        at=now,
        due_at=due_at,
        last_reply=reply,
        sending_since=None,
    )


def _fail(
    dispatch: Dispatch, *, kind: str, summary: str, evidence: dict[str, object], reply: str, now: dt.datetime
) -> None:
    dispatch_transition(
        dispatch=dispatch,
        to=State.FAILED,
        kind=kind,
        summary=summary,
        evidence=evidence,
        at=now,
        last_reply=reply,
        sending_since=None,
    )
    work_item_open(
        kind=WorkItemKind.SEND_FAILED,
        title=f"Invoice {dispatch.invoice.number}: sending to {dispatch.recipient} failed",
        detail=summary,
        invoice_id=dispatch.invoice_id,
        customer_id=dispatch.invoice.customer_id,
        dispatch_id=dispatch.pk,
    )


@transaction.atomic
def _record_build_failure(dispatch_id: int, exc: Exception, *, started: dt.datetime, worker: str) -> str:
    dispatch = Dispatch.objects.select_for_update().select_related("invoice").get(pk=dispatch_id)
    now = timezone.now()
    error = f"{type(exc).__name__}: {exc}"[:1000]
    DispatchAttempt.objects.create(
        dispatch=dispatch,
        number=dispatch.attempts,
        started_at=started,
        finished_at=now,
        outcome="error",
        smtp_reply=error,
        worker=worker,
    )
    if dispatch.state != State.SENDING:
        return dispatch.state
    dispatch_transition(
        dispatch=dispatch,
        to=State.FAILED,
        kind="build_failed",
        summary=f"the message could not be built, nothing was sent: {error}",
        evidence={"error": error},
        at=now,
        last_reply=error,
        sending_since=None,
    )
    kind = WorkItemKind.BAD_PDF if isinstance(exc, OSError) else WorkItemKind.SEND_FAILED
    work_item_open(
        kind=kind,
        title=f"Invoice {dispatch.invoice.number}: message to {dispatch.recipient} could not be built",
        detail=error,
        invoice_id=dispatch.invoice_id,
        customer_id=dispatch.invoice.customer_id,
        dispatch_id=dispatch.pk,
    )
    return dispatch.state


def _record_late_answer(
    dispatch: Dispatch, result: SendResult, evidence: dict[str, object], *, now: dt.datetime
) -> str:
    """The relay answered after our lease expired (the dispatch is uncertain by now)."""
    if dispatch.state == State.UNCERTAIN and result.outcome is Outcome.ACCEPTED:
        dispatch_transition(
            dispatch=dispatch,
            to=State.ACCEPTED,
            kind="smtp_accepted",
            summary="relay accepted the message (answer arrived after the lease expired)",
            evidence=evidence,
            at=now,
            accepted_at=now,
            last_reply=f"{result.code} {result.reply}"[:1000],
        )
        for item in WorkItem.objects.filter(
            dispatch=dispatch, kind=WorkItemKind.UNCERTAIN_DISPATCH, state=WorkItemState.OPEN
        ):
            work_item_close(item=item, resolution="the relay's 250 arrived late: the message was sent", auto=True)
    else:
        invoice_event(
            invoice=dispatch.invoice,
            dispatch=dispatch,
            kind="smtp_late_reply",
            summary=f"relay answered {result.code} after the lease expired; state left as {dispatch.state}",
            evidence=evidence,
            at=now,
        )
    return dispatch.state


def _after_hard_bounce(dispatch: Dispatch, *, step: str, reply: str) -> None:
    """What follows a synchronous refusal: a 5xx at RCPT means the address is invalid."""
    invoice = dispatch.invoice
    if step == "rcpt":
        # The relay refused the address itself: it is invalid for this customer. The next step
        # (letter by post, CRM activity + webhooks) runs after our commit, as for a hard-bounce DSN.
        customer_email_mark_invalid(
            customer_id=invoice.customer_id, address=dispatch.recipient, reason=f"refused at RCPT: {reply}"
        )
        dispatch_id, evidence = dispatch.pk, {"step": step, "reply": reply}
        transaction.on_commit(lambda: _address_invalid_next_step(dispatch_id, evidence))
    work_item_open(
        kind=WorkItemKind.INVALID_ADDRESS if step == "rcpt" else WorkItemKind.SEND_FAILED,
        title=f"Invoice {invoice.number}: {dispatch.recipient} refused by the relay at {step.upper()}",
        detail=reply,
        invoice_id=invoice.pk,
        customer_id=invoice.customer_id,
        dispatch_id=dispatch.pk,
    )


# --- Lease expiry (a job in core/jobs.py) ---------------------------------------------------------


def expire_leases(*, now: dt.datetime) -> int:
    """Dispatches stuck in `sending` past the lease become `uncertain`, with a work item (never re-sent)."""
    lease = settings.FACTURIER_SEND_LEASE_SECONDS
    cutoff = now - dt.timedelta(seconds=lease)
    stale = Dispatch.objects.filter(state=State.SENDING, sending_since__lt=cutoff)
    expired = 0
    for pk in list(stale.values_list("pk", flat=True)[:LEASE_BATCH]):
        with transaction.atomic():
            dispatch = stale.select_for_update(skip_locked=True).select_related("invoice").filter(pk=pk).first()
            if dispatch is None:
                continue  # answered meanwhile, or another worker is expiring it
            _mark_uncertain(dispatch, lease=lease, now=now)
            expired += 1
    return expired


def _mark_uncertain(dispatch: Dispatch, *, lease: int, now: dt.datetime) -> None:
    summary = (
        f"worker {dispatch.claimed_by or '?'} was cut off between handing the message to the relay and "
        f"recording its answer (no answer after {lease} s). It may or may not have been sent: a person "
        "must decide (resend, or mark sent). It is never re-sent automatically."
    )
    dispatch_transition(
        dispatch=dispatch,
        to=State.UNCERTAIN,
        kind="uncertain",
        summary=summary,
        evidence={
            "claimed_by": dispatch.claimed_by,
            "sending_since": dispatch.sending_since.isoformat() if dispatch.sending_since else None,
            "lease_seconds": lease,
            "message_id": dispatch.message_id,
        },
        at=now,
    )
    work_item_open(
        kind=WorkItemKind.UNCERTAIN_DISPATCH,
        title=f"Invoice {dispatch.invoice.number}: was it sent to {dispatch.recipient}?",
        detail=summary,
        invoice_id=dispatch.invoice_id,
        customer_id=dispatch.invoice.customer_id,
        dispatch_id=dispatch.pk,
    )


# --- Loop -----------------------------------------------------------------------------------------


def run_worker(
    *,
    once: bool = False,
    batch: int | None = None,
    stop: threading.Event | None = None,
    idle_seconds: float = IDLE_SLEEP_SECONDS,
) -> int:
    """Send and run the periodic jobs until stopped (or, with once, until nothing is due)."""
    from facturier.core.jobs import run_jobs_once

    stop = stop or threading.Event()
    worker = worker_id()
    total = 0
    with SmtpTransport.from_settings() as transport:
        while not stop.is_set():
            if not connection.in_atomic_block:  # inside a caller's transaction (tests), keep it
                close_old_connections()  # a long-running process must not keep a dead connection
            try:
                sent = process_due(
                    now=timezone.now(), limit=batch, transport=transport, worker=worker, should_stop=stop.is_set
                )
            except Exception:
                if once:
                    raise
                # The database or the relay went away: a long-running worker waits and tries
                # again rather than exiting (what it had claimed is released or expires).
                log.exception("worker loop failed; trying again in %s s", ERROR_PAUSE_SECONDS)
                stop.wait(ERROR_PAUSE_SECONDS)
                continue
            total += sent
            try:
                run_jobs_once(now=timezone.now())
            except Exception:
                # One broken periodic job must not stop the sending.
                log.exception("periodic jobs failed")
            if once and sent == 0:
                break
            if sent == 0:
                stop.wait(idle_seconds)
    return total


def _address_invalid_next_step(dispatch_id: int, evidence: dict[str, object]) -> None:
    from facturier.letters.next_step import address_invalid  # letters depends on dispatch, not back

    address_invalid(dispatch_id=dispatch_id, evidence=evidence)
