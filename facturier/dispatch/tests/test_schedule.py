"""Send-time rules: properties over random instants, windows and time zones, plus worked examples."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from facturier.dispatch.schedule import (
    UTC,
    NaiveSendTime,
    NoSendSlot,
    Policy,
    PolicyKind,
    SendWindow,
    is_valid,
    local_instant,
    next_send_time,
    normalise_send_at,
    parse_policy,
    parse_weekdays,
    policy_instant,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
JERUSALEM = ZoneInfo("Asia/Jerusalem")
CAIRO = ZoneInfo("Africa/Cairo")
ZONES = ["Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham", "UTC"]
# These change clocks on business days (Friday, Thursday night), where gaps and repeats matter.
ZONES += ["Asia/Jerusalem", "Africa/Cairo"]
DST_ZONES = [z for z in ZONES if z not in {"UTC", "Asia/Kolkata"}]
FRANCE = holidays.country_holidays("FR")
NONE = holidays.HolidayBase()
OFFICE = frozenset({1, 2, 3, 4, 5})
NEXT_DAY_8 = Policy(PolicyKind.NEXT_BUSINESS_DAY, dt.time(8, 0))
IMMEDIATE = Policy(PolicyKind.IMMEDIATE)
GRID = dt.timedelta(minutes=15)


def office(tz: ZoneInfo = PARIS, start: dt.time = dt.time(8), end: dt.time = dt.time(18)) -> SendWindow:
    return SendWindow(OFFICE, start, end, tz)


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


# --- Properties ---------------------------------------------------------------------------------
#
# Window edges are on a 15-minute grid, and every UTC offset and DST jump of the zones above is a
# multiple of 15 minutes, so every valid stretch of time starts on a point of the UTC 15-minute
# grid. Checking the grid points between the lower bound and the result (plus the second just
# before the result) therefore proves that no earlier valid instant exists.

quarter_hours = st.integers(min_value=0, max_value=95).map(lambda q: dt.time(q // 4, q % 4 * 15))
instants = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2031, 12, 31), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))


@st.composite
def windows(draw: st.DrawFn) -> SendWindow:
    days = draw(st.frozensets(st.integers(1, 7), min_size=1))
    assume(days & OFFICE)  # a window with no business day has no slot at all (tested below)
    start, end = sorted(draw(st.lists(quarter_hours, min_size=2, max_size=2, unique=True)))
    return SendWindow(days, start, end, ZoneInfo(draw(st.sampled_from(ZONES))))


def transitions(zone: ZoneInfo, year: int) -> list[dt.datetime]:
    """The instants (UTC, on the quarter hour) at which the zone changed its offset that year: a day
    whose offset differs from the next day's is searched by halving."""
    days = [dt.datetime(year, 1, 1, tzinfo=UTC) + dt.timedelta(days=d) for d in range(366)]
    found = []
    for lo, hi in itertools.pairwise(days):
        if lo.astimezone(zone).utcoffset() == hi.astimezone(zone).utcoffset():
            continue
        while hi - lo > GRID:
            mid = lo + (hi - lo) / 2
            mid = mid.replace(minute=mid.minute - mid.minute % 15, second=0, microsecond=0)
            lo, hi = (mid, hi) if mid.astimezone(zone).utcoffset() == lo.astimezone(zone).utcoffset() else (lo, mid)
        found.append(hi)
    return found


TRANSITIONS = {(z, y): transitions(ZoneInfo(z), y) for z in DST_ZONES for y in range(2024, 2032)}


@st.composite
def near_transitions(draw: st.DrawFn) -> dt.datetime:
    """Instants within two days of a clock change in one of the zones that have one."""
    change = draw(st.sampled_from(sorted({t for ts in TRANSITIONS.values() for t in ts})))
    return change + dt.timedelta(minutes=draw(st.integers(-2 * 24 * 60, 2 * 24 * 60)))


@st.composite
def around_transitions(draw: st.DrawFn) -> tuple[dt.datetime, SendWindow]:
    """A window whose edges sit near a clock change (in the gap, in the repeat, across it) and a
    now around it: the cases where a naive "local time + date" rule goes wrong."""
    zone_name, year = draw(st.sampled_from(sorted(k for k, v in TRANSITIONS.items() if v)))
    zone = ZoneInfo(zone_name)
    change = draw(st.sampled_from(TRANSITIONS[(zone_name, year)]))
    local = change.astimezone(zone)
    quarter = (local.hour * 60 + local.minute) // 15 + draw(st.integers(-8, 8))
    length = draw(st.integers(1, 12))
    assume(quarter >= 0 and quarter + length <= 95)
    start, end = (dt.time(q // 4, q % 4 * 15) for q in (quarter, quarter + length))
    now = change - dt.timedelta(minutes=draw(st.integers(-120, 120) | st.integers(0, 36 * 60)))
    days = draw(st.frozensets(st.integers(1, 7), min_size=1)) | {local.isoweekday()}
    assume(days & OFFICE)
    return now, SendWindow(days, start, end, zone)


def assert_earliest(result: dt.datetime, bound: dt.datetime, window: SendWindow) -> None:
    assert result >= bound
    assert result.tzinfo is UTC
    assert is_valid(result, window=window, holidays=FRANCE)
    local = result.astimezone(window.tz)
    assert local.isoweekday() in window.weekdays and local.isoweekday() <= 5
    assert local.date() not in FRANCE
    assert window.start <= local.time() < window.end
    if result > bound:
        assert not is_valid(result - dt.timedelta(seconds=1), window=window, holidays=FRANCE)
    point = bound.replace(minute=bound.minute - bound.minute % 15, second=0) + GRID
    while point < result:
        assert not is_valid(point, window=window, holidays=FRANCE), f"{point} is valid and earlier than {result}"
        point += GRID


@settings(max_examples=400, deadline=None)
@given(case=around_transitions())
def test_immediate_gives_the_earliest_valid_instant_around_clock_changes(
    case: tuple[dt.datetime, SendWindow],
) -> None:
    now, window = case
    result = next_send_time(now=now, policy=IMMEDIATE, window=window, holidays=FRANCE)
    assert_earliest(result, now, window)


@settings(max_examples=300, deadline=None)
@given(now=instants | near_transitions(), window=windows())
def test_immediate_gives_the_earliest_valid_instant(now: dt.datetime, window: SendWindow) -> None:
    result = next_send_time(now=now, policy=IMMEDIATE, window=window, holidays=FRANCE)
    assert_earliest(result, now, window)


@settings(max_examples=300, deadline=None)
@given(now=instants | near_transitions(), window=windows(), at=quarter_hours)
def test_next_business_day_gives_the_earliest_valid_instant_after_the_policy_time(
    now: dt.datetime, window: SendWindow, at: dt.time
) -> None:
    policy = Policy(PolicyKind.NEXT_BUSINESS_DAY, at)
    result = next_send_time(now=now, policy=policy, window=window, holidays=FRANCE)
    bound = policy_instant(now=now, policy=policy, window=window, holidays=FRANCE)
    assert_earliest(result, max(now, bound), window)
    # Never on the customer's today: the policy says the next business day after it.
    assert result.astimezone(window.tz).date() > now.astimezone(window.tz).date()


@settings(max_examples=300, deadline=None)
@given(case=around_transitions(), at=quarter_hours)
def test_next_business_day_gives_the_earliest_valid_instant_around_clock_changes(
    case: tuple[dt.datetime, SendWindow], at: dt.time
) -> None:
    now, window = case
    policy = Policy(PolicyKind.NEXT_BUSINESS_DAY, at)
    result = next_send_time(now=now, policy=policy, window=window, holidays=FRANCE)
    bound = policy_instant(now=now, policy=policy, window=window, holidays=FRANCE)
    assert_earliest(result, max(now, bound), window)


@settings(max_examples=200, deadline=None)
@given(day=st.dates(dt.date(2024, 1, 1), dt.date(2031, 12, 31)), at=quarter_hours, zone=st.sampled_from(ZONES))
def test_local_instant_is_the_wall_time_or_the_first_instant_after_a_gap(day: dt.date, at: dt.time, zone: str) -> None:
    tz = ZoneInfo(zone)
    instant = local_instant(day, at, tz)
    local = instant.astimezone(tz)
    wall = dt.datetime.combine(day, at)
    if local.replace(tzinfo=None) != wall:
        # In a gap: the result is the jump itself, whose local time is after the asked wall time,
        # and one second earlier the clock showed a time before it.
        assert local.replace(tzinfo=None) > wall
        before = (instant - dt.timedelta(seconds=1)).astimezone(tz).replace(tzinfo=None)
        assert before < wall
    else:
        assert local.fold == 0  # ambiguous wall times mean their first occurrence


# --- Examples -------------------------------------------------------------------------------------


def test_friday_evening_goes_out_monday_at_eight() -> None:
    result = next_send_time(now=paris(2026, 11, 27, 19, 0), policy=NEXT_DAY_8, window=office(), holidays=FRANCE)
    assert result == paris(2026, 11, 30, 8, 0)


def test_monday_morning_goes_out_tuesday_at_eight() -> None:
    result = next_send_time(now=paris(2026, 11, 30, 7, 0), policy=NEXT_DAY_8, window=office(), holidays=FRANCE)
    assert result == paris(2026, 12, 1, 8, 0)


def test_day_before_christmas_waits_past_christmas_and_the_weekend() -> None:
    # Thursday 24 December 2026: Friday 25 is Christmas, then a weekend.
    result = next_send_time(now=paris(2026, 12, 24, 10, 0), policy=NEXT_DAY_8, window=office(), holidays=FRANCE)
    assert result == paris(2026, 12, 28, 8, 0)


def test_new_year_eve_skips_new_year_day() -> None:
    # Wednesday 31 December 2025 -> Thursday 1 January is a holiday -> Friday 2 January.
    result = next_send_time(now=paris(2025, 12, 31, 9, 0), policy=NEXT_DAY_8, window=office(), holidays=FRANCE)
    assert result == paris(2026, 1, 2, 8, 0)


def test_paris_spring_forward_day_keeps_eight_local() -> None:
    # Sunday 29 March 2026 the clocks jump 02:00 -> 03:00; Friday's invoice goes Monday 08:00 CEST.
    result = next_send_time(now=paris(2026, 3, 27, 17, 0), policy=NEXT_DAY_8, window=office(), holidays=FRANCE)
    assert result == paris(2026, 3, 30, 8, 0)
    assert result.astimezone(PARIS).utcoffset() == dt.timedelta(hours=2)
    assert result == dt.datetime(2026, 3, 30, 6, 0, tzinfo=UTC)


def test_paris_fall_back_day_keeps_eight_local() -> None:
    result = next_send_time(now=paris(2026, 10, 23, 17, 0), policy=NEXT_DAY_8, window=office(), holidays=FRANCE)
    assert result == dt.datetime(2026, 10, 26, 7, 0, tzinfo=UTC)  # 08:00 CET


def test_window_opening_inside_the_spring_gap_opens_at_the_jump() -> None:
    # Jerusalem jumps 02:00 -> 03:00 on Friday 27 March 2026, a business day: a window opening at
    # 02:30 opens that night at the jump, 03:00 local.
    window = SendWindow(OFFICE, dt.time(2, 30), dt.time(4, 0), JERUSALEM)
    result = next_send_time(
        now=dt.datetime(2026, 3, 26, 23, 0, tzinfo=JERUSALEM), policy=IMMEDIATE, window=window, holidays=NONE
    )
    assert result == dt.datetime(2026, 3, 27, 0, 0, tzinfo=UTC)
    assert result.astimezone(JERUSALEM).time() == dt.time(3, 0)


def test_policy_hour_inside_a_midnight_gap_moves_to_the_jump() -> None:
    # Cairo skips Friday 24 April 2026 00:00-01:00: a policy hour of 00:30 becomes 01:00 local.
    window = SendWindow(OFFICE, dt.time(0, 0), dt.time(6, 0), CAIRO)
    policy = Policy(PolicyKind.NEXT_BUSINESS_DAY, dt.time(0, 30))
    now = dt.datetime(2026, 4, 23, 12, 0, tzinfo=CAIRO)
    result = next_send_time(now=now, policy=policy, window=window, holidays=NONE)
    assert result == dt.datetime(2026, 4, 23, 22, 0, tzinfo=UTC)
    assert result.astimezone(CAIRO).time() == dt.time(1, 0)


def test_ambiguous_policy_hour_takes_the_first_occurrence() -> None:
    # New York falls back on Sunday 1 November 2026 at 02:00 -> 01:00; 01:30 happens twice.
    first = local_instant(dt.date(2026, 11, 1), dt.time(1, 30), NEW_YORK)
    assert first == dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, not 01:30 EST


def test_window_reopening_in_a_fall_back_repeat_is_found() -> None:
    # Cairo repeats Thursday 29 October 2026 23:00-24:00 (+03:00, then +02:00). Asked at 23:50
    # (+03:00), after the first 23:15-23:45, the window opens again at the second 23:15.
    window = SendWindow(OFFICE, dt.time(23, 15), dt.time(23, 45), CAIRO)
    now = dt.datetime(2026, 10, 29, 20, 50, tzinfo=UTC)
    result = next_send_time(now=now, policy=IMMEDIATE, window=window, holidays=NONE)
    local = result.astimezone(CAIRO)
    assert (local.date(), local.time(), local.fold) == (dt.date(2026, 10, 29), dt.time(23, 15), 1)
    assert result == dt.datetime(2026, 10, 29, 21, 15, tzinfo=UTC)


def test_customer_in_new_york_gets_eight_new_york_time() -> None:
    # Friday 17:00 in Paris is Friday 11:00 in New York: next business day is Monday, 08:00 EST.
    result = next_send_time(now=paris(2026, 11, 27, 17, 0), policy=NEXT_DAY_8, window=office(NEW_YORK), holidays=FRANCE)
    assert result == dt.datetime(2026, 11, 30, 8, 0, tzinfo=NEW_YORK)
    assert result == dt.datetime(2026, 11, 30, 13, 0, tzinfo=UTC)


def test_customer_today_is_taken_in_the_customer_time_zone() -> None:
    # Monday 01:00 in Paris is still Sunday 19:00 in New York: next business day there is Monday.
    result = next_send_time(now=paris(2026, 11, 30, 1, 0), policy=NEXT_DAY_8, window=office(NEW_YORK), holidays=FRANCE)
    assert result == dt.datetime(2026, 11, 30, 8, 0, tzinfo=NEW_YORK)


def test_window_opening_after_the_policy_hour_waits_for_it() -> None:
    result = next_send_time(
        now=paris(2026, 11, 27, 19, 0), policy=NEXT_DAY_8, window=office(start=dt.time(14)), holidays=FRANCE
    )
    assert result == paris(2026, 11, 30, 14, 0)


def test_window_closing_before_the_policy_hour_clamps_to_its_opening() -> None:
    window = office(start=dt.time(6), end=dt.time(7))
    result = next_send_time(now=paris(2026, 11, 27, 19, 0), policy=NEXT_DAY_8, window=window, holidays=FRANCE)
    assert result == paris(2026, 11, 30, 6, 0)


def test_window_days_restrict_the_day() -> None:
    window = SendWindow(frozenset({3}), dt.time(8), dt.time(18), PARIS)
    result = next_send_time(now=paris(2026, 11, 27, 19, 0), policy=NEXT_DAY_8, window=window, holidays=FRANCE)
    assert result == paris(2026, 12, 2, 8, 0)


def test_immediate_inside_the_window_is_now() -> None:
    now = paris(2026, 11, 24, 10, 17, 42)
    assert next_send_time(now=now, policy=IMMEDIATE, window=office(), holidays=FRANCE) == now


def test_immediate_after_hours_is_next_opening() -> None:
    result = next_send_time(now=paris(2026, 11, 24, 18, 0), policy=IMMEDIATE, window=office(), holidays=FRANCE)
    assert result == paris(2026, 11, 25, 8, 0)


def test_window_end_is_exclusive() -> None:
    assert not is_valid(paris(2026, 11, 24, 18, 0), window=office(), holidays=FRANCE)
    assert is_valid(paris(2026, 11, 24, 17, 59, 59), window=office(), holidays=FRANCE)


def test_weekend_only_window_has_no_slot() -> None:
    window = SendWindow(frozenset({6, 7}), dt.time(8), dt.time(18), PARIS)
    with pytest.raises(NoSendSlot):
        next_send_time(now=paris(2026, 11, 27, 19, 0), policy=IMMEDIATE, window=window, holidays=FRANCE)


def test_naive_now_is_refused() -> None:
    with pytest.raises(NaiveSendTime):
        next_send_time(now=dt.datetime(2026, 11, 27, 19, 0), policy=IMMEDIATE, window=office(), holidays=FRANCE)


# --- Explicit send times and parsing ----------------------------------------------------------------


def test_explicit_send_at_is_kept_and_converted_to_utc() -> None:
    send_at = paris(2026, 12, 1, 9, 0)
    result = normalise_send_at(send_at, now=paris(2026, 11, 27, 19, 0))
    assert result == send_at and result.tzinfo is UTC


def test_explicit_send_at_in_the_past_means_now() -> None:
    now = paris(2026, 11, 27, 19, 0)
    assert normalise_send_at(now - dt.timedelta(hours=3), now=now) == now


def test_naive_explicit_send_at_is_refused_with_a_clear_message() -> None:
    with pytest.raises(NaiveSendTime, match=r"no time zone.*offset"):
        normalise_send_at(dt.datetime(2026, 12, 1, 9, 0), now=paris(2026, 11, 27, 19, 0))


def test_policy_parsing() -> None:
    assert parse_policy("next_business_day", "09:30") == Policy(PolicyKind.NEXT_BUSINESS_DAY, dt.time(9, 30))
    assert parse_policy("immediate").kind is PolicyKind.IMMEDIATE
    with pytest.raises(ValueError, match="unknown send policy"):
        parse_policy("tomorrow")
    with pytest.raises(ValueError, match="HH:MM"):
        parse_policy("immediate", "8h")


def test_weekday_parsing_and_window_validation() -> None:
    assert parse_weekdays("135") == frozenset({1, 3, 5})
    with pytest.raises(ValueError):
        parse_weekdays("")
    with pytest.raises(ValueError):
        SendWindow(frozenset({8}), dt.time(8), dt.time(18), PARIS)
    with pytest.raises(ValueError, match="start before it ends"):
        SendWindow(OFFICE, dt.time(18), dt.time(8), PARIS)
