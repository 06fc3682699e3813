"""Chart payloads built from the dashboard snapshot: plain lists and strings, handed to the template
through json_script (so nothing is ever spliced into JavaScript by hand)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import formats, timezone

from facturier.dashboard.labels import RETURN_KIND_LABELS, label
from facturier.dashboard.selectors import Dashboard


def schedule_chart(snapshot: Dashboard, *, now: dt.datetime, days: int) -> dict[str, Any]:
    """One bar per local hour from the current hour on, empty hours included, so the axis is time."""
    start = timezone.localtime(now).replace(minute=0, second=0, microsecond=0).astimezone(dt.UTC)
    counts = {hour.timestamp(): n for hour, n in snapshot.schedule.hours}
    labels, data = [], []
    day_labels: dict[dt.date, str] = {}  # one localized day name per day, not per bar
    # Step in UTC: adding hours to a local wall-clock time goes wrong across a DST change.
    for i in range(days * 24):
        slot = start + dt.timedelta(hours=i)
        local = timezone.localtime(slot)
        day = day_labels.setdefault(local.date(), formats.date_format(local, "D j"))
        labels.append(f"{day} {local.hour:02d}h")
        data.append(counts.get(slot.timestamp(), 0))
    return {"labels": labels, "data": data}


def returns_chart(snapshot: Dashboard) -> dict[str, Any]:
    return {
        "labels": [formats.date_format(d, "j M") for d in snapshot.returns_days],
        "datasets": [
            {"kind": kind, "label": label(RETURN_KIND_LABELS, kind), "data": counts}
            for kind, counts in snapshot.returns_by_kind.items()
        ],
    }


def domains_chart(snapshot: Dashboard) -> dict[str, Any]:
    # Domains come from recipient addresses sent by the ERP: data, never markup or code. json_script
    # escapes <, > and & inside the JSON, so a hostile "domain" cannot close the script element.
    return {
        "labels": [d.domain for d in snapshot.domains],
        "data": [round(d.bounce_percent, 2) for d in snapshot.domains],
    }
