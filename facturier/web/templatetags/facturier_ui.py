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
    return nav_links(request.path if request is not None else "")


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
