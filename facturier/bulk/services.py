"""Writes on bulk jobs: start one (with its audit entry), run one chunk of it, finish or fail it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from facturier.accounts.roles import Role, has_role
from facturier.bulk.actions import ACTIONS, NEEDS_SEND_AT, ActionContext, Outcome, available_actions
from facturier.bulk.models import BulkAction, BulkJob, BulkJobState
from facturier.bulk.selectors import bulk_job_next_chunk, canonical_filter_query, invoices_matching
from facturier.core.models import AuditEntry
from facturier.invoices.models import Invoice

# 200 invoices per chunk: a resend creates a dispatch and two events per invoice, so a chunk is
# ~1,000 row writes, a transaction of well under a few seconds that holds the job's lock briefly
# and shows progress often.
CHUNK_SIZE = 200
# Printing renders a PDF per letter (~0.1 s) and each chunk becomes one print batch: smaller chunks
# keep the job's lock short and the batches a manageable size for the print room.
CHUNK_SIZES = {BulkAction.PRINT_NOW: 25}
# Up to this many invoices a job runs inside the request: the clerk sees the result at once.
INLINE_MAX = 50
# Explicit selections beyond this should be a saved filter (a form cannot post that many anyway:
# Django refuses more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields).
MAX_EXPLICIT_IDS = 10_000
MAX_EXAMPLES = 20


class BulkRequestError(ValueError):
    """A bulk request that cannot start; `field` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _validate(
    *, action: str, params: dict[str, Any], invoice_ids: Iterable[int] | None, filter_query: str | None
) -> None:
    if action not in available_actions():
        raise BulkRequestError("action", _("unknown or unavailable action %(action)s") % {"action": repr(action)})
    if action in NEEDS_SEND_AT or params.get("send_at"):
        raw = params.get("send_at")
        try:
            parsed = dt.datetime.fromisoformat(raw) if isinstance(raw, str) else None
        except ValueError:
            parsed = None
        if parsed is None or timezone.is_naive(parsed):
            raise BulkRequestError("send_at", _("a date and time with its time zone is required for this action"))
    if (invoice_ids is None) == (not filter_query):
        raise BulkRequestError("invoice_ids", _("give either invoice_ids or filter_query, not both or neither"))


@transaction.atomic
def bulk_job_start(
    *,
    user: Any,
    action: str,
    params: dict[str, Any],
    invoice_ids: Iterable[int] | None = None,
    filter_query: str | None = None,
) -> BulkJob:
    """Queue one action over explicit invoices or a saved filter, and audit who asked for it."""
    if not has_role(user, Role.OPERATOR):
        raise PermissionDenied("bulk actions need the operator role")
    _validate(action=action, params=params, invoice_ids=invoice_ids, filter_query=filter_query)
    job = BulkJob(created_by=user, actor=user.get_username(), action=action, params=params)
    if invoice_ids is not None:
        ids = sorted({int(pk) for pk in invoice_ids})
        if not ids:
            raise BulkRequestError("invoice_ids", _("no invoice selected"))
        if len(ids) > MAX_EXPLICIT_IDS:
            raise BulkRequestError(
                "invoice_ids", _("more than %(max)d invoices: use filter_query") % {"max": MAX_EXPLICIT_IDS}
            )
        job.invoice_ids, job.total = ids, len(ids)
    else:
        job.filter_query = canonical_filter_query(filter_query or "")
        if not job.filter_query:
            # An empty filter is "every invoice ever": never what a clerk means by a bulk action.
            raise BulkRequestError("filter_query", _("the filter selects every invoice; narrow it first"))
        job.last_id_at_start = Invoice.objects.aggregate(m=Max("id"))["m"] or 0
        job.total = invoices_matching(job.filter_query).filter(pk__lte=job.last_id_at_start).count()
    job.save()
    AuditEntry.objects.create(
        user=user,
        actor=job.actor,
        action=f"bulk.{action}",
        target_count=job.total,
        detail={
            "bulk_job": job.pk,
            "params": params,
            "selection": {"filter_query": job.filter_query} if job.filter_query else {"invoice_ids": job.total},
        },
    )
    return job


def bulk_job_step(*, job: BulkJob, now: dt.datetime, size: int | None = None) -> int:
    """Run the next chunk of a job whose row the caller holds locked, inside the caller's transaction
    (so the chunk's changes and the progress commit together). Returns how many invoices it handled."""
    size = size or CHUNK_SIZES.get(job.action, CHUNK_SIZE)
    if job.state == BulkJobState.QUEUED:
        job.state, job.started_at = BulkJobState.RUNNING, now
    invoices, missing = bulk_job_next_chunk(job=job, size=size)
    outcomes: list[Outcome] = []
    if invoices:
        ctx = ActionContext(actor=job.actor, user_id=job.created_by_id, send_at=_send_at(job, now))
        outcomes = ACTIONS[job.action](invoices, ctx)
    outcomes += [Outcome(pk, f"#{pk}", "not_found", "deleted since the selection") for pk in missing]
    _record(job, outcomes)
    handled_ids = [inv.pk for inv in invoices] + missing
    if handled_ids:
        job.cursor = max(job.cursor, *handled_ids)
    if len(handled_ids) < size or _explicit_exhausted(job):
        _finish(job, now)
    job.save()
    return len(outcomes)


def _send_at(job: BulkJob, now: dt.datetime) -> dt.datetime | None:
    if job.action == BulkAction.RESEND_NOW:
        return now
    raw = job.params.get("send_at")
    return dt.datetime.fromisoformat(raw) if raw else None


def _explicit_exhausted(job: BulkJob) -> bool:
    return job.invoice_ids is not None and (not job.invoice_ids or job.cursor >= job.invoice_ids[-1])


def _record(job: BulkJob, outcomes: list[Outcome]) -> None:
    reasons = dict(job.skipped_reasons)
    examples = list(job.skipped_examples)
    for outcome in outcomes:
        if outcome.ok:
            job.done += 1
            continue
        job.skipped += 1
        reasons[outcome.reason] = reasons.get(outcome.reason, 0) + 1
        if len(examples) < MAX_EXAMPLES:
            examples.append({"number": outcome.number, "reason": outcome.reason, "detail": outcome.detail})
    job.skipped_reasons, job.skipped_examples = reasons, examples


def _finish(job: BulkJob, now: dt.datetime) -> None:
    # A filter is re-read chunk by chunk: invoices that left it since the start (another clerk or
    # the worker changed them) were not touched; count them so done + skipped adds up to total.
    gone = job.total - job.handled
    if gone > 0 and job.invoice_ids is None:
        job.skipped += gone
        job.skipped_reasons = {**job.skipped_reasons, "no_longer_matches": gone}
    job.total = max(job.total, job.handled)
    job.state, job.finished_at = BulkJobState.DONE, now


def bulk_job_fail(*, job_id: int, error: str, now: dt.datetime) -> None:
    """Stop a job after an unexpected error; its committed chunks stay done."""
    BulkJob.objects.filter(pk=job_id).exclude(state=BulkJobState.DONE).update(
        state=BulkJobState.FAILED, error=error[:4000], finished_at=now
    )
