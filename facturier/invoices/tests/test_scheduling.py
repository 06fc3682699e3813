"""send_time_for / resolve_send_at: settings and the customer row reach the pure scheduler."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from facturier.dispatch.schedule import NaiveSendTime, NoSendSlot
from facturier.invoices.scheduling import resolve_send_at, send_time_for
from facturier.testing.factories import make_customer

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
# Friday 27 November 2026, 19:00 in Paris.
FRIDAY_EVENING = dt.datetime(2026, 11, 27, 19, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _company_policy(settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Paris"
    settings.FACTURIER_SEND_POLICY = "next_business_day"
    settings.FACTURIER_SEND_HOUR = "08:00"
    settings.FACTURIER_HOLIDAYS_COUNTRY = "FR"
    settings.FACTURIER_HOLIDAYS_SUBDIV = ""


def test_send_time_is_aware_utc(db: None) -> None:
    when = send_time_for(customer=make_customer(), now=FRIDAY_EVENING)
    assert when.tzinfo is dt.UTC


def test_customer_without_time_zone_uses_company_time_zone(db: None) -> None:
    when = send_time_for(customer=make_customer(time_zone=""), now=FRIDAY_EVENING)
    assert when.astimezone(PARIS) == dt.datetime(2026, 11, 30, 8, 0, tzinfo=PARIS)


def test_customer_in_new_york_gets_eight_in_new_york(db: None) -> None:
    customer = make_customer(time_zone="America/New_York")
    when = send_time_for(customer=customer, now=FRIDAY_EVENING)
    assert when.astimezone(NEW_YORK) == dt.datetime(2026, 11, 30, 8, 0, tzinfo=NEW_YORK)


def test_customer_window_and_days_are_used(db: None) -> None:
    customer = make_customer(send_days="3", send_from=dt.time(14, 0), send_until=dt.time(16, 0))
    when = send_time_for(customer=customer, now=FRIDAY_EVENING)
    assert when.astimezone(PARIS) == dt.datetime(2026, 12, 2, 14, 0, tzinfo=PARIS)  # Wednesday


def test_company_holidays_are_skipped(db: None) -> None:
    christmas_eve = dt.datetime(2026, 12, 24, 10, 0, tzinfo=PARIS)
    when = send_time_for(customer=make_customer(), now=christmas_eve)
    assert when.astimezone(PARIS) == dt.datetime(2026, 12, 28, 8, 0, tzinfo=PARIS)


def test_regional_holidays_follow_the_subdivision(db: None, settings: Any) -> None:
    # 26 December is a holiday in Alsace-Moselle (57) only; 2025-12-26 is a Friday.
    christmas = dt.datetime(2025, 12, 25, 10, 0, tzinfo=PARIS)
    assert send_time_for(customer=make_customer(), now=christmas).astimezone(PARIS).day == 26
    settings.FACTURIER_HOLIDAYS_SUBDIV = "57"
    assert send_time_for(customer=make_customer(), now=christmas).astimezone(PARIS).day == 29


def test_immediate_policy_sends_now_inside_the_window(db: None, settings: Any) -> None:
    settings.FACTURIER_SEND_POLICY = "immediate"
    tuesday_ten = dt.datetime(2026, 11, 24, 10, 0, tzinfo=PARIS)
    assert send_time_for(customer=make_customer(), now=tuesday_ten) == tuesday_ten


def test_send_hour_setting_is_used(db: None, settings: Any) -> None:
    settings.FACTURIER_SEND_HOUR = "09:30"
    when = send_time_for(customer=make_customer(), now=FRIDAY_EVENING)
    assert when.astimezone(PARIS) == dt.datetime(2026, 11, 30, 9, 30, tzinfo=PARIS)


def test_window_without_business_day_raises(db: None) -> None:
    customer = make_customer(send_days="67")
    with pytest.raises(NoSendSlot):
        send_time_for(customer=customer, now=FRIDAY_EVENING)


def test_explicit_send_at_wins_over_the_policy(db: None) -> None:
    sunday_night = dt.datetime(2026, 11, 29, 23, 0, tzinfo=PARIS)
    when = resolve_send_at(customer=make_customer(), send_at=sunday_night, now=FRIDAY_EVENING)
    assert when == sunday_night and when.tzinfo is dt.UTC


def test_explicit_send_at_in_the_past_means_now(db: None) -> None:
    yesterday = FRIDAY_EVENING - dt.timedelta(days=1)
    assert resolve_send_at(customer=make_customer(), send_at=yesterday, now=FRIDAY_EVENING) == FRIDAY_EVENING


def test_naive_send_at_is_refused(db: None) -> None:
    with pytest.raises(NaiveSendTime, match="no time zone"):
        resolve_send_at(customer=make_customer(), send_at=dt.datetime(2026, 12, 1, 9, 0), now=FRIDAY_EVENING)


def test_no_send_at_computes_the_send_time(db: None) -> None:
    customer = make_customer()
    assert resolve_send_at(customer=customer, send_at=None, now=FRIDAY_EVENING) == send_time_for(
        customer=customer, now=FRIDAY_EVENING
    )


def test_default_now_is_the_current_time(db: None, settings: Any) -> None:
    settings.FACTURIER_SEND_POLICY = "immediate"
    customer = make_customer(send_days="1234567", send_from=dt.time(0, 0), send_until=dt.time(23, 59))
    before = dt.datetime.now(dt.UTC)
    assert send_time_for(customer=customer) >= before
