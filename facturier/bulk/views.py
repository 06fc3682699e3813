"""Bulk actions over HTTP: start one (operators), watch its progress (every role)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from facturier.accounts.roles import Role, has_role
from facturier.bulk.forms import BulkStartForm
from facturier.bulk.labels import ACTION_LABELS, JOB_STATE_LABELS, SKIP_REASON_LABELS, label
from facturier.bulk.models import BulkJob
from facturier.bulk.runner import bulk_job_run_inline
from facturier.bulk.selectors import bulk_job_for_display, bulk_jobs_recent
from facturier.bulk.services import BulkRequestError, bulk_job_start

View = Callable[..., HttpResponse]


def _role_required(role: Role) -> Callable[[View], View]:
    # Checked on the server for every request, whatever buttons the page showed.
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_role(request.user, role):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@require_POST
@_role_required(Role.OPERATOR)
def start(request: HttpRequest) -> HttpResponse:
    form = BulkStartForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        req = form.start_request()
        try:
            job = bulk_job_start(
                user=request.user,
                action=req.action,
                params=req.params,
                invoice_ids=req.invoice_ids,
                filter_query=req.filter_query,
            )
        except BulkRequestError as exc:
            errors = [str(exc)]
        else:
            job = bulk_job_run_inline(job=job)
            if _is_htmx(request):
                return render(request, "bulk/_progress.html", _job_context(job))
            return redirect("bulk:detail", job_id=job.pk)
    else:
        errors = form.error_lines()
    template = "bulk/_errors.html" if _is_htmx(request) else "bulk/errors.html"
    return render(request, template, {"errors": errors}, status=400)


@require_GET
@_role_required(Role.VIEWER)
def detail(request: HttpRequest, job_id: int) -> HttpResponse:
    return render(request, "bulk/detail.html", _job_context(_get(job_id)))


@require_GET
@_role_required(Role.VIEWER)
def progress(request: HttpRequest, job_id: int) -> HttpResponse:
    return render(request, "bulk/_progress.html", _job_context(_get(job_id)))


@require_GET
@_role_required(Role.VIEWER)
def index(request: HttpRequest) -> HttpResponse:
    jobs = [(job, label(ACTION_LABELS, job.action), label(JOB_STATE_LABELS, job.state)) for job in bulk_jobs_recent()]
    return render(request, "bulk/index.html", {"jobs": jobs})


def _get(job_id: int) -> BulkJob:
    try:
        return bulk_job_for_display(job_id=job_id)
    except BulkJob.DoesNotExist:
        raise Http404 from None


def _job_context(job: BulkJob) -> dict[str, Any]:
    reasons = sorted(job.skipped_reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    return {
        "job": job,
        "action_label": label(ACTION_LABELS, job.action),
        "state_label": label(JOB_STATE_LABELS, job.state),
        "reasons": [(label(SKIP_REASON_LABELS, code), count) for code, count in reasons],
        "examples": [{**ex, "reason": label(SKIP_REASON_LABELS, ex.get("reason", ""))} for ex in job.skipped_examples],
    }
