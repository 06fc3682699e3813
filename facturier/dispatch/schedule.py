"""When to send: the company policy and the customer's send window, to the day and hour. Pure Python.

Rules (README "Scheduling"):

- A *valid* instant is one whose local time in the customer's time zone falls on an allowed weekday
  of the window, on a business day (Monday to Friday, not a public holiday), with
  ``window.start <= local time < window.end``. Holidays are looked up by the customer's local date
  in the one calendar given (the company's country).
- Policy ``immediate``: the earliest valid instant not before now.
- Policy ``next_business_day`` at HH:MM: the next business day after today (the customer's local
  today), at HH:MM local; the earliest valid instant from there. If the window opens later that
  day the send waits for it; if the window closes at or before HH:MM, the policy hour is clamped to
  the window's opening that day (rather than skipping a whole day).
- Daylight saving: a local time that does not exist (spring forward) becomes the first instant
  after the gap; an ambiguous local time (fall back) means its first occurrence (fold=0).
- An explicit send time must be timezone-aware; one in the past means "send now".

Validity only changes when the local time crosses the window's start or end, or when the clock
jumps (a DST transition), so the earliest valid instant is one of: the lower bound itself, the
window's start on some day (either fold), or a transition instant. ``next_send_time`` checks those
candidates day by day instead of stepping through minutes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

UTC = dt.UTC
# A window that allows no business day, or a calendar that is all holidays, has no slot: give up
# after this many days rather than loop forever.
MAX_DAYS_AHEAD = 800


class HolidayCalendar(Protocol):
    def __contains__(self, day: object, /) -> bool: ...


class NoSendSlot(ValueError):
    """The window (with business days and holidays) allows no send time at all."""


class NaiveSendTime(ValueError):
    """An explicit send time without a time zone: we refuse to guess which one was meant."""


class PolicyKind(StrEnum):
    IMMEDIATE = "immediate"
    NEXT_BUSINESS_DAY = "next_business_day"


@dataclass(frozen=True)
class Policy:
    kind: PolicyKind
    at: dt.time = dt.time(8, 0)  # local time of day, for next_business_day


@dataclass(frozen=True)
class SendWindow:
    weekdays: frozenset[int]  # ISO weekdays, 1 = Monday
    start: dt.time  # local, inclusive
    end: dt.time  # local, exclusive
    tz: ZoneInfo

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= set(range(1, 8)):
            raise ValueError(f"send window weekdays must be a non-empty subset of 1..7, not {set(self.weekdays)}")
        if self.start >= self.end:
            raise ValueError(f"send window must start before it ends ({self.start} >= {self.end})")


def parse_policy(kind: str, at: str = "08:00") -> Policy:
    """Policy from its settings form: ("next_business_day", "08:00") or ("immediate", ...)."""
    try:
        policy_kind = PolicyKind(kind.strip())
    except ValueError:
        names = ", ".join(k.value for k in PolicyKind)
        raise ValueError(f"unknown send policy {kind!r} (expected one of: {names})") from None
    return Policy(policy_kind, parse_hhmm(at))


def parse_hhmm(text: str) -> dt.time:
    try:
        hours, minutes = (int(part) for part in text.strip().split(":"))
        return dt.time(hours, minutes)
    except ValueError:
        raise ValueError(f"expected a time of day as HH:MM, not {text!r}") from None


def parse_weekdays(digits: str) -> frozenset[int]:
    """ISO weekdays from the stored form "12345" (1 = Monday)."""
    if not digits or not digits.isdigit():
        raise ValueError(f"send days must be ISO weekday digits like '12345', not {digits!r}")
    return frozenset(int(c) for c in digits)


# --- Explicit send times ------------------------------------------------------------------------


def normalise_send_at(send_at: dt.datetime, *, now: dt.datetime) -> dt.datetime:
    """An explicit send time as aware UTC; a time in the past becomes now ("send now").

    The window and business days are not applied: whoever chose an explicit time meant it.
    """
    if send_at.tzinfo is None or send_at.utcoffset() is None:
        raise NaiveSendTime(
            f"send_at {send_at.isoformat()} has no time zone; give an offset (e.g. +01:00) or Z for UTC"
        )
    return max(send_at, _aware(now)).astimezone(UTC)


# --- Computed send times --------------------------------------------------------------------------


def next_send_time(*, now: dt.datetime, policy: Policy, window: SendWindow, holidays: HolidayCalendar) -> dt.datetime:
    """The earliest valid instant (aware UTC) not before now nor before what the policy asks for."""
    now = _aware(now).astimezone(UTC)
    bound = now
    if policy.kind is PolicyKind.NEXT_BUSINESS_DAY:
        bound = max(now, policy_instant(now=now, policy=policy, window=window, holidays=holidays))
    return earliest_valid(bound, window=window, holidays=holidays)


def policy_instant(*, now: dt.datetime, policy: Policy, window: SendWindow, holidays: HolidayCalendar) -> dt.datetime:
    """The next business day after the customer's today, at the policy hour clamped into the window."""
    today = now.astimezone(window.tz).date()
    day = next_business_day(today, holidays=holidays)
    at = policy.at if policy.at < window.end else window.start
    return local_instant(day, at, window.tz)


def next_business_day(after: dt.date, *, holidays: HolidayCalendar) -> dt.date:
    day = after + dt.timedelta(days=1)
    for _ in range(MAX_DAYS_AHEAD):
        if is_business_day(day, holidays=holidays):
            return day
        day += dt.timedelta(days=1)
    raise NoSendSlot(f"no business day within {MAX_DAYS_AHEAD} days after {after}")


def is_business_day(day: dt.date, *, holidays: HolidayCalendar) -> bool:
    return day.isoweekday() <= 5 and day not in holidays


def is_valid(instant: dt.datetime, *, window: SendWindow, holidays: HolidayCalendar) -> bool:
    """Whether sending at this instant respects the window, business days and holidays."""
    local = instant.astimezone(window.tz)
    day = local.date()
    return (
        day.isoweekday() in window.weekdays
        and is_business_day(day, holidays=holidays)
        and window.start <= local.time() < window.end
    )


def earliest_valid(bound: dt.datetime, *, window: SendWindow, holidays: HolidayCalendar) -> dt.datetime:
    """The first valid instant at or after bound (aware UTC)."""
    bound = bound.astimezone(UTC)
    if is_valid(bound, window=window, holidays=holidays):
        return bound
    day = bound.astimezone(window.tz).date()
    for _ in range(MAX_DAYS_AHEAD):
        found = [c for c in _candidates(day, window) if c > bound and is_valid(c, window=window, holidays=holidays)]
        if found:
            return min(found)
        day += dt.timedelta(days=1)
    raise NoSendSlot(
        f"no send time within {MAX_DAYS_AHEAD} days: weekdays {sorted(window.weekdays)} "
        f"{window.start:%H:%M}-{window.end:%H:%M} must include a business day"
    )


def _candidates(day: dt.date, window: SendWindow) -> list[dt.datetime]:
    """Instants of this local day where validity may switch on: the window's start (both
    occurrences on a fall-back day) and the day's DST transition, if any."""
    tz = window.tz
    found = [dt.datetime.combine(day, window.start, tzinfo=tz).replace(fold=f).astimezone(UTC) for f in (0, 1)]
    start = local_instant(day, dt.time(0), tz)
    end = local_instant(day + dt.timedelta(days=1), dt.time(0), tz)
    if start.astimezone(tz).utcoffset() != end.astimezone(tz).utcoffset():
        found.append(_transition(start, end, tz))
    return found


# --- Local wall time to instant -------------------------------------------------------------------


def local_instant(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    """Local wall time to aware UTC: fold=0 when ambiguous, the end of the gap when it does not exist."""
    wall = dt.datetime.combine(day, at, tzinfo=tz)  # fold=0: first occurrence
    instant = wall.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return instant
    # In a gap zoneinfo maps fold=0 with the offset before the jump (after the gap) and fold=1 with
    # the offset after it (before the gap); the jump lies between the two.
    before = wall.replace(fold=1).astimezone(UTC)
    return _transition(min(before, instant), max(before, instant), tz)


def _transition(lo: dt.datetime, hi: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """First instant in (lo, hi] with hi's UTC offset (binary search to the second; tz data has
    whole-second transitions). Assumes one transition between lo and hi."""
    target = hi.astimezone(tz).utcoffset()
    lo_s, hi_s = int(lo.timestamp()), int(hi.timestamp())
    while hi_s - lo_s > 1:
        mid = (lo_s + hi_s) // 2
        if dt.datetime.fromtimestamp(mid, tz).utcoffset() == target:
            hi_s = mid
        else:
            lo_s = mid
    return dt.datetime.fromtimestamp(hi_s, UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveSendTime(f"{value.isoformat()} has no time zone (expected an aware datetime)")
    return value
