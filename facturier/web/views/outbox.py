from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from facturier.web.access import reader_required
from facturier.web.sandbox_mail import outbox_envelope, outbox_messages, outbox_raw, parse_message
from facturier.web.views.htmx import vary_on_htmx, wants_fragment

LIST_LIMIT = 200
REFRESH_SECONDS = 5


@require_GET
@reader_required
def outbox_list(request: HttpRequest) -> HttpResponse:
    context = {
        "messages_received": outbox_messages(limit=LIST_LIMIT),
        "limit": LIST_LIMIT,
        "sandbox_dir": settings.FACTURIER_SANDBOX_DIR,
        "refresh_seconds": REFRESH_SECONDS,
    }
    template = "web/outbox/_table.html" if wants_fragment(request) else "web/outbox/list.html"
    return vary_on_htmx(render(request, template, context))


@require_GET
@reader_required
def outbox_detail(request: HttpRequest, name: str) -> HttpResponse:
    raw = outbox_raw(name)
    if raw is None:
        raise Http404
    context = {"name": name, "envelope": outbox_envelope(name), "message": parse_message(raw), "size": len(raw)}
    return render(request, "web/outbox/detail.html", context)
