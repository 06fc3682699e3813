"""The worker step for bulk jobs (listed in core/jobs.py) and the inline run of small jobs.

Both go through `_run_chunk`: lock the job row, run one chunk, save progress, commit. On PostgreSQL
the lock is `FOR UPDATE SKIP LOCKED`, so a second worker passes over a job being worked on and
takes the next one (or nothing); on SQLite, write transactions are serialised anyway.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from facturier.bulk.models import BulkJob, BulkJobState
from facturier.bulk.services import INLINE_MAX, bulk_job_fail, bulk_job_step

log = logging.getLogger(__name__)

_UNFINISHED = (BulkJobState.QUEUED, BulkJobState.RUNNING)


def _unfinished() -> QuerySet[BulkJob]:
    return BulkJob.objects.filter(state__in=_UNFINISHED).select_for_update(skip_locked=True).order_by("id")


def _run_chunk(candidates: QuerySet[BulkJob], *, now: dt.datetime) -> tuple[BulkJob | None, int]:
    job: BulkJob | None = None
    try:
        with transaction.atomic():
            job = candidates.first()
            if job is None:
                return None, 0
            return job, max(1, bulk_job_step(job=job, now=now))
    except Exception as exc:
        if job is None:
            raise
        # The chunk was rolled back; stop the job rather than retry a failure that is probably
        # deterministic (a bug, a broken invoice) on every worker loop.
        log.exception("bulk job %s failed", job.pk)
        error = "".join(traceback.format_exception_only(exc)).strip()
        bulk_job_fail(job_id=job.pk, error=error, now=now)
        return job, 1


def run_due(*, now: dt.datetime) -> int:
    """One chunk of the oldest unfinished job no other worker holds. Returns 0 when idle."""
    _job, handled = _run_chunk(_unfinished(), now=now)
    return handled


def bulk_job_run_inline(*, job: BulkJob) -> BulkJob:
    """Run a small job to the end inside the request (same chunks as the worker); larger jobs are
    left to the worker so that a request never runs for minutes."""
    if job.total <= INLINE_MAX:
        # One or two chunks finish a small job (print_now has chunks of 25); the bound only guards
        # against a loop, the worker picks up whatever is left.
        for _ in range(5):
            claimed, _handled = _run_chunk(_unfinished().filter(pk=job.pk), now=timezone.now())
            if claimed is None:
                break
    job.refresh_from_db()
    return job
