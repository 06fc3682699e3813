from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect

from facturier.web.access import reader_required


@reader_required
def index(request: HttpRequest) -> HttpResponseRedirect:
    # The invoice list is the home screen until the dashboard exists.
    return redirect("web:invoice-list")
