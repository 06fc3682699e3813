from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from facturier.web.access import reader_required
from facturier.web.forms import parse_invoice_query
from facturier.web.selectors import COUNT_CAP, invoice_page
from facturier.web.views.htmx import vary_on_htmx, wants_fragment

# How often the table refreshes itself, so a clerk sees "scheduled" turn "accepted" as send time
# passes. Only the table fragment is fetched: two small indexed queries.
REFRESH_SECONDS = 5


@require_GET
@reader_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    form, filters, page_request = parse_invoice_query(request.GET)
    page = invoice_page(filters=filters, page=page_request)
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "sort": page.sort,
        "count_cap": COUNT_CAP,
        "refresh_seconds": REFRESH_SECONDS,
    }
    template = "web/invoices/_table.html" if wants_fragment(request) else "web/invoices/list.html"
    return vary_on_htmx(render(request, template, context))
