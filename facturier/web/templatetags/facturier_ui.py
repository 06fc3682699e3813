"""Template helpers of the web UI: state badges, money, evidence, navigation."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import template
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from facturier.web import labels
from facturier.web.nav import NavLink, nav_links
from facturier.web.nav import url_or_none as _url_or_none

register = template.Library()

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


@register.filter
def state_label(code: str | None) -> str:
    return labels.label(labels.STATE_LABELS, code)


@register.simple_tag
def state_badge(code: str | None, title: str = "") -> SafeString:
    """A coloured badge; the class name is the state code (styled in web.css), the text translated."""
    code = code or "new"
    css = code if code in labels.STATE_LABELS else "unknown"
    if title:
        return format_html('<span class="badge s-{}" title="{}">{}</span>', css, title, state_label(code))
    return format_html('<span class="badge s-{}">{}</span>', css, state_label(code))


@register.filter
def rollup_parts(detail: str | None) -> list[tuple[str, str]]:
    """ "delivered 1, bounced_hard 1" (see dispatch.states.rollup) -> [("delivered", "1"), ...]."""
    parts = []
    for chunk in (detail or "").split(","):
        code, _sep, count = chunk.strip().rpartition(" ")
        if code:
            parts.append((code, count))
    return parts


@register.filter
def event_kind(code: str | None) -> str:
    return labels.label(labels.EVENT_KIND_LABELS, code)


@register.filter
def role_label(code: str | None) -> str:
    return labels.label(labels.ROLE_LABELS, code)


@register.filter
def email_status(code: str | None) -> str:
    return labels.label(labels.EMAIL_STATUS_LABELS, code)


@register.filter
def money(value: Decimal | None, currency: str = "EUR") -> str:
    """1234.5, "EUR" -> "1 234,50 €" in French, "€1,234.50" in English (plain text, escaped later)."""
    if value is None:
        return ""
    amount = formats.number_format(value, 2, use_l10n=True, force_grouping=True)
    symbol = CURRENCY_SYMBOLS.get(currency, "")
    if not symbol:
        return f"{amount}\u00a0{currency}"
    if (get_language() or "fr").startswith("en"):
        return f"{symbol}{amount}"
    return f"{amount}\u00a0{symbol}"


@register.filter
def evidence_items(evidence: Any) -> list[tuple[str, str, bool]]:
    """Evidence JSON as (key, text, is_block) rows: scalars inline, structures pretty-printed."""
    if not isinstance(evidence, dict):
        return [("", json.dumps(evidence, indent=2, ensure_ascii=False, default=str), True)] if evidence else []
    rows = []
    for key, value in evidence.items():
        if isinstance(value, dict | list):
            rows.append((str(key), json.dumps(value, indent=2, ensure_ascii=False, default=str), True))
        elif value is None or value == "":
            continue
        else:
            text = str(value)
            rows.append((str(key), text, "\n" in text or len(text) > 120))
    return rows


@register.simple_tag
def url_or_none(url_name: str, *args: Any) -> str | None:
    """{% url_or_none 'worklist:index' as worklist_url %}: None instead of an error when unrouted."""
    return _url_or_none(url_name, *args)


@register.simple_tag(takes_context=True)
def main_nav(context: template.Context) -> list[NavLink]:
    request = context.get("request")
    if request is None:
        return nav_links("")
    return nav_links(request.path, getattr(request, "user", None))


@register.filter
def isodatetime(value: Any) -> Any:
    """An ISO string (the sandbox's received_at) as a datetime the |date filter can localize."""
    import datetime as dt

    if not isinstance(value, str):
        return value
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return value


# The list's sortable columns: first click sorts in the column's natural direction (dates and
# amounts largest first, numbers and states A to Z), a second click reverses it.
SORT_COLUMNS = {"issued": "-issued", "number": "number", "total": "-total", "status": "status"}


@register.simple_tag(takes_context=True)
def sort_header(context: template.Context, column: str, text: str, css: str = "") -> SafeString:
    """A column header linking to the list sorted by that column (cursor dropped, filters kept)."""
    request = context["request"]
    current = context.get("sort") or "-issued"
    natural = SORT_COLUMNS[column]
    reverse_key = natural[1:] if natural.startswith("-") else "-" + natural
    active = current in (natural, reverse_key)
    target = reverse_key if current == natural else natural
    query = request.GET.copy()
    for name in ("after", "before", "sort"):
        query.pop(name, None)
    if target != "-issued":
        query["sort"] = target
    href = f"{request.path}?{query.urlencode()}" if query else request.path
    aria = ""
    arrow = ""
    if active:
        aria = "descending" if current.startswith("-") else "ascending"
        arrow = " ↓" if current.startswith("-") else " ↑"
    return format_html(
        '<th scope="col" class="{}"{}><a class="sort{}" href="{}" hx-get="{}" hx-target="#invoice-table" '
        'hx-swap="outerHTML" hx-push-url="true">{}<span aria-hidden="true">{}</span></a></th>',
        css,
        format_html(' aria-sort="{}"', aria) if aria else "",
        " on" if active else "",
        href,
        href,
        text,
        arrow,
    )
