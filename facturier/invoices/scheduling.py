"""When an invoice goes out: settings and the customer's send window, fed to dispatch.schedule.

The rules live in facturier.dispatch.schedule (pure, tested with hypothesis); this module only
reads settings and the customer row.
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.utils import timezone

from facturier.crm.models import Customer
from facturier.dispatch import schedule


def send_time_for(
    *, customer: Customer, now: dt.datetime | None = None, policy: schedule.Policy | None = None
) -> dt.datetime:
    """The send time (aware UTC) the policy (by default the company's) and the customer's window
    give, from now on. With an immediate policy: now if inside the window on a business day, else
    the window's next opening.

    Raises schedule.NoSendSlot (a ValueError) when the customer's window allows no business day.
    """
    return schedule.next_send_time(
        now=now or timezone.now(),
        policy=policy or company_policy(),
        window=window_of(customer),
        holidays=holiday_calendar(settings.FACTURIER_HOLIDAYS_COUNTRY, settings.FACTURIER_HOLIDAYS_SUBDIV),
    )


def resolve_send_at(*, customer: Customer, send_at: dt.datetime | None, now: dt.datetime | None = None) -> dt.datetime:
    """An explicit send_at (aware; the past means now) or else the computed send time, as aware UTC.

    Raises schedule.NaiveSendTime (a ValueError) for a send_at without a time zone.
    """
    now = now or timezone.now()
    if send_at is not None:
        return schedule.normalise_send_at(send_at, now=now)
    return send_time_for(customer=customer, now=now)


def company_policy() -> schedule.Policy:
    return schedule.parse_policy(settings.FACTURIER_SEND_POLICY, settings.FACTURIER_SEND_HOUR)


def window_of(customer: Customer) -> schedule.SendWindow:
    """The customer's send window; an empty time zone means the company's TIME_ZONE."""
    return schedule.SendWindow(
        weekdays=schedule.parse_weekdays(customer.send_days),
        start=customer.send_from,
        end=customer.send_until,
        tz=ZoneInfo(customer.time_zone or settings.TIME_ZONE),
    )


@functools.lru_cache(maxsize=8)
def holiday_calendar(country: str, subdiv: str) -> holidays.HolidayBase:
    """Public holidays of the company's country (and region). Cached: building one takes a few
    milliseconds. The object fills in further years itself when asked about them (expand=True)."""
    if not country:
        return holidays.HolidayBase()  # no holidays configured: only weekends are skipped
    # The years a send time can fall in are filled in now, so that threads of the web server do not
    # all fill them in at once on first use; a long-running worker gets later years lazily.
    year = timezone.now().year
    return holidays.country_holidays(country, subdiv=subdiv or None, years=range(year - 1, year + 3))
