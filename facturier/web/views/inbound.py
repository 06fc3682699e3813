"""A returned message shown safely: headers, text part and DSN fields as escaped text, never HTML."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from facturier.returns.models import InboundMessage, ReturnVerdict
from facturier.returns.selectors import inbound_view
from facturier.web.access import reader_required

CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'; frame-src 'none'"


@require_GET
@reader_required
def inbound_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inbound = InboundMessage.objects.filter(pk=pk).first()
    if inbound is None:
        raise Http404
    verdicts = list(
        ReturnVerdict.objects.filter(inbound=inbound).select_related("dispatch__invoice__customer").order_by("id")
    )
    response = render(
        request, "web/returns/detail.html", {"message": inbound_view(inbound=inbound), "verdicts": verdicts}
    )
    # Belt and braces: even if a template mistake let markup through, nothing may run or load.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'; frame-src 'none'"
    )
    return response
