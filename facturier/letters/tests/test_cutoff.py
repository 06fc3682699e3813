from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
import pytest

from facturier.letters.cutoff import next_cutoff, parse_cutoff

PARIS = ZoneInfo("Europe/Paris")
FR = holidays.country_holidays("FR")


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=PARIS)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-11-23 09:00", "2026-11-23 16:00"),  # Monday morning: today
        ("2026-11-23 16:00", "2026-11-24 16:00"),  # at the cut-off: the next one
        ("2026-11-27 17:00", "2026-11-30 16:00"),  # Friday evening: Monday
        ("2026-11-28 10:00", "2026-11-30 16:00"),  # Saturday: Monday
        ("2026-12-24 17:00", "2026-12-28 16:00"),  # Christmas Friday is a holiday
        ("2026-11-10 18:00", "2026-11-12 16:00"),  # 11 November (Armistice) is a holiday
    ],
)
def test_the_next_cut_off_is_on_a_business_day(now: str, expected: str) -> None:
    got = next_cutoff(_at(now), cutoff=dt.time(16, 0), tz=PARIS, holidays=FR)
    assert got == _at(expected)


def test_a_bad_cut_off_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        parse_cutoff("4pm")
