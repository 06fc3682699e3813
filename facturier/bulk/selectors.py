"""Reads for bulk jobs: what a saved filter selects, the next chunk of a job, a job for display."""

from __future__ import annotations

from bisect import bisect_right

from django.db.models import QuerySet
from django.http import QueryDict

from facturier.bulk.models import BulkJob
from facturier.invoices.models import Invoice
from facturier.web.forms import parse_invoice_query
from facturier.web.selectors import invoice_filtered

# The invoice list's query parameters that select invoices (facturier/web/forms.py). Paging
# parameters (after, before, size) are dropped, so "everything matching this filter" is what the
# clerk saw across all pages.
FILTER_PARAMS = ("state", "customer", "issued_from", "issued_until", "q", "total_min", "total_max", "domain")


def invoices_matching(filter_query: str) -> QuerySet[Invoice]:
    """The invoices the list shows for this query string (all pages), through the list's own parser
    and selector, so a saved filter means exactly what the clerk saw. Invalid values are dropped,
    as the list drops them."""
    _form, filters, _page = parse_invoice_query(QueryDict(filter_query))
    return invoice_filtered(filters)


def canonical_filter_query(filter_query: str) -> str:
    """Only the parameters that select invoices, in a stable order (what the job stores)."""
    query = QueryDict(filter_query)
    kept = QueryDict(mutable=True)
    for name in FILTER_PARAMS:
        values = [v for v in query.getlist(name) if v.strip()]
        if values:
            kept.setlist(name, values)
    return kept.urlencode()


def bulk_job_next_chunk(*, job: BulkJob, size: int) -> tuple[list[Invoice], list[int]]:
    """The next invoices of the job after its cursor, ascending by id, and the explicit ids among
    the next `size` that no longer exist (deleted since the selection was made)."""
    if job.invoice_ids is not None:
        ids: list[int] = job.invoice_ids
        start = bisect_right(ids, job.cursor)
        wanted = ids[start : start + size]
        found = list(Invoice.objects.filter(pk__in=wanted).order_by("id"))
        present = {inv.pk for inv in found}
        return found, [pk for pk in wanted if pk not in present]
    qs = invoices_matching(job.filter_query).filter(pk__gt=job.cursor)
    if job.last_id_at_start is not None:
        qs = qs.filter(pk__lte=job.last_id_at_start)
    return list(qs.order_by("id")[:size]), []


def bulk_job_for_display(*, job_id: int) -> BulkJob:
    # The explicit id list (up to 10,000 ids) is never shown: not loaded on every poll.
    return BulkJob.objects.defer("invoice_ids").get(pk=job_id)


def bulk_jobs_recent(*, limit: int = 50) -> list[BulkJob]:
    return list(BulkJob.objects.defer("invoice_ids", "skipped_examples").order_by("-id")[:limit])
