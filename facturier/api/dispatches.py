"""GET /api/v1/dispatches: dispatches by state and date, for an ERP that polls for news."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from ninja import Query, Router

from facturier.api.schemas import DispatchPage, ErrorOut, dispatch_list_item
from facturier.crm.inputs import InputError
from facturier.dispatch.models import Channel
from facturier.dispatch.states import State
from facturier.invoices.selectors import DispatchFilters, dispatch_list

router = Router(tags=["dispatches"])

MAX_LIMIT = 500  # one page stays a few hundred kB of JSON and one quick query


def parse_instant(field: str, text: str | None) -> dt.datetime | None:
    """ISO 8601 with offset, or a plain date (midnight in the company time zone)."""
    if not text:
        return None
    try:
        # A plain date first: parse_datetime would read it as a naive midnight.
        day = parse_date(text) if len(text) == 10 else None
        if day is not None:
            return timezone.make_aware(dt.datetime.combine(day, dt.time()))
        value = parse_datetime(text)
    except ValueError:
        value = None
    if value is None:
        raise InputError(field, "must be an ISO 8601 date-time with offset, or a date (YYYY-MM-DD)")
    if timezone.is_naive(value):
        raise InputError(field, "must include a UTC offset, e.g. 2026-11-24T08:00:00+01:00, or be a plain date")
    return value


def parse_states(text: str | None) -> list[str]:
    states = [s.strip() for s in (text or "").split(",") if s.strip()]
    unknown = [s for s in states if s not in State.__members__.values()]
    if unknown:
        raise InputError("state", f"unknown state {unknown[0]!r}; expected one of {', '.join(State)}")
    return states


@router.get("", response={200: DispatchPage, 422: ErrorOut}, summary="List dispatches")
def list_dispatches(
    request: HttpRequest,
    state: str | None = Query(None, description="a state, or several separated by commas"),
    channel: str | None = Query(None, description="email or post"),
    since: str | None = Query(None, description="scheduled_at >= since (ISO 8601 with offset, or a date)"),
    until: str | None = Query(None, description="scheduled_at < until"),
    changed_since: str | None = Query(None, description="state changed at or after this instant"),
    limit: int = Query(100, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    """Newest scheduled first. Page with limit (at most 500) and offset; count is the total."""
    if channel and channel not in Channel.values:
        raise InputError("channel", f"unknown channel {channel!r}; expected one of {', '.join(Channel.values)}")
    filters = DispatchFilters(
        states=parse_states(state),
        channel=channel,
        since=parse_instant("since", since),
        until=parse_instant("until", until),
        changed_since=parse_instant("changed_since", changed_since),
    )
    qs = dispatch_list(filters)
    items = [dispatch_list_item(d) for d in qs[offset : offset + limit]]
    return {"count": qs.count(), "limit": limit, "offset": offset, "items": items}
