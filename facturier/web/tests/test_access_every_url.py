"""Every URL the project routes, walked from the URL resolver (so a new view is covered the day it
is added): a viewer's POST never acts, and an account without a role gets nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from facturier.testing.factories import make_user

pytestmark = pytest.mark.django_db

# Reachable on purpose without a role: signing in and out, the language switch, the health probe,
# static files; the API has its own bearer-token auth (tested in facturier/api/tests).
OPEN = ("accounts/", "i18n/", "healthz", "static/", "api/", "media/")
# The root only redirects to the dashboard, whatever the method.
REDIRECT_ONLY = {"/"}


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + _fill(entry))
        elif isinstance(entry, URLPattern):
            yield prefix + _fill(entry)


def _fill(entry: URLPattern | URLResolver) -> str:
    """The route with a sample value per parameter: 1 for <int:...>, x for the others."""
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: "1" if m.group(1) == "int" else "x", str(entry.pattern))
    return route.lstrip("^").rstrip("$")


def guarded_urls() -> list[str]:
    urls = sorted({"/" + url for url in _walk(get_resolver().url_patterns)})
    return [url for url in urls if not url[1:].startswith(OPEN) and "(?" not in url]


def test_the_walk_finds_the_screens() -> None:
    urls = guarded_urls()
    for expected in ("/invoices/", "/worklist/1/close/", "/bulk/start/", "/webhooks/endpoints/"):
        assert expected in urls, urls
    assert len(urls) > 40


def test_a_viewer_cannot_post_to_any_url(client: Client) -> None:
    client.force_login(make_user("vera-all", "viewer"))
    acted = {}
    for url in guarded_urls():
        status = client.post(url, {}).status_code
        if status not in (403, 405) and url not in REDIRECT_ONLY:  # refused, or a read-only view that takes no POST
            acted[url] = status
    assert not acted, f"a viewer's POST was not refused: {acted}"


def test_an_account_without_a_role_gets_nothing_anywhere(client: Client) -> None:
    client.force_login(make_user("nobody-all", None))
    served = {}
    for url in guarded_urls():
        for method in (client.get, client.post):
            status = method(url).status_code
            if status not in (403, 405):
                served[f"{method.__name__.upper()} {url}"] = status
    assert not served, f"served to an account without a role: {served}"
