"""When the print batch closes: the cut-off time on business days (Monday-Friday, no public
holiday). Pure Python; the holiday calendar is passed in (the holidays package, in production)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Container
from zoneinfo import ZoneInfo

MAX_DAYS_AHEAD = 60  # a calendar with no business day in two months is a configuration error


def parse_cutoff(value: str) -> dt.time:
    try:
        hours, minutes = value.strip().split(":")
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"FACTURIER_PRINT_CUTOFF={value!r}: expected HH:MM") from None


def is_business_day(day: dt.date, holidays: Container[dt.date]) -> bool:
    return day.isoweekday() <= 5 and day not in holidays


def next_cutoff(now: dt.datetime, *, cutoff: dt.time, tz: ZoneInfo, holidays: Container[dt.date]) -> dt.datetime:
    """The first cut-off strictly after now: today's if today is a business day and it is not past
    yet, else the next business day's."""
    local = now.astimezone(tz)
    day = local.date()
    for _ in range(MAX_DAYS_AHEAD):
        candidate = dt.datetime.combine(day, cutoff, tzinfo=tz)
        if is_business_day(day, holidays) and candidate > local:
            return candidate.astimezone(dt.UTC)
        day += dt.timedelta(days=1)
    raise ValueError(f"no business day within {MAX_DAYS_AHEAD} days of {day}: check the holiday calendar")


def company_cutoff(now: dt.datetime) -> dt.datetime:
    """next_cutoff with the company's settings (FACTURIER_PRINT_CUTOFF, TIME_ZONE, holidays)."""
    import holidays
    from django.conf import settings

    calendar = holidays.country_holidays(
        settings.FACTURIER_HOLIDAYS_COUNTRY, subdiv=settings.FACTURIER_HOLIDAYS_SUBDIV or None
    )
    return next_cutoff(
        now, cutoff=parse_cutoff(settings.FACTURIER_PRINT_CUTOFF), tz=ZoneInfo(settings.TIME_ZONE), holidays=calendar
    )
