from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from facturier.invoices.models import Invoice
from facturier.web.access import reader_required
from facturier.web.selectors import invoice_by_number, invoice_detail
from facturier.web.views.htmx import vary_on_htmx, wants_fragment

REFRESH_SECONDS = 5


def _get_invoice(number: str) -> Invoice:
    invoice = invoice_by_number(number)
    if invoice is None:
        raise Http404
    return invoice


@require_GET
@reader_required
def invoice_detail_view(request: HttpRequest, number: str) -> HttpResponse:
    invoice = _get_invoice(number)
    fragment = wants_fragment(request)
    version = live_version(invoice)
    if fragment and request.GET.get("since") == version:
        # Nothing new: htmx keeps the page as it is (an open evidence panel stays open).
        return vary_on_htmx(HttpResponse(status=204))
    detail = invoice_detail(invoice)
    context = {
        "detail": detail,
        "invoice": invoice,
        "version": version,
        "fragment": fragment,
        "refresh_seconds": REFRESH_SECONDS,
        "has_scheduled": any(d.state == "scheduled" for d in detail.dispatches),
        "busy": any(d.state in ("scheduled", "sending") for d in detail.dispatches),
    }
    template = "web/invoices/_live.html" if fragment else "web/invoices/detail.html"
    return vary_on_htmx(render(request, template, context))


def live_version(invoice: Invoice) -> str:
    """Changes whenever the live part of the page would: every state change appends an event."""
    last = invoice.last_event_at.isoformat() if invoice.last_event_at else ""
    return f"{invoice.status}|{last}"


@require_GET
@reader_required
def invoice_pdf(request: HttpRequest, number: str) -> FileResponse:
    """The PDF exactly as the ERP delivered it, shown in the browser (inline)."""
    invoice = _get_invoice(number)
    if not invoice.pdf:
        raise Http404
    try:
        handle = invoice.pdf.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    safe_name = "".join(c if c.isalnum() or c in "-_." else "_" for c in invoice.number) + ".pdf"
    return FileResponse(handle, content_type="application/pdf", as_attachment=False, filename=safe_name)
