"""How a view tells an htmx request (swap a fragment) from a full page load."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers


def wants_fragment(request: HttpRequest) -> bool:
    # A history restore (back button after the cache was evicted) needs the whole page.
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def vary_on_htmx(response: HttpResponse) -> HttpResponse:
    # The same URL answers a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response
