from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from facturier.web.access import reader_required
from facturier.web.selectors_customer import customer_by_ref, customer_detail, customer_search
from facturier.web.views.htmx import vary_on_htmx, wants_fragment


@require_GET
@reader_required
def customer_list(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").strip()[:100]
    page = customer_search(text=text, after=request.GET.get("after"))
    context = {"q": text, "page": page}
    template = "web/customers/_table.html" if wants_fragment(request) else "web/customers/list.html"
    return vary_on_htmx(render(request, template, context))


@require_GET
@reader_required
def customer_detail_view(request: HttpRequest, external_ref: str) -> HttpResponse:
    customer = customer_by_ref(external_ref)
    if customer is None:
        raise Http404
    return render(request, "web/customers/detail.html", {"detail": customer_detail(customer), "customer": customer})
