from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from facturier.crm.inputs import CustomerIn, field_errors

BASE = {"external_ref": "C-1", "name": "Alpha", "emails": ["a@alpha.example"], "language": "FR"}


def parse(**overrides: Any) -> CustomerIn:
    return CustomerIn.model_validate({**BASE, **overrides})


def test_csv_style_cells_read_like_json_values() -> None:
    data = parse(emails="a@alpha.example; b@alpha.example", send_days="1;2;5", send_from="07:30", send_until="19:00")
    assert data.emails == ["a@alpha.example", "b@alpha.example"]
    assert data.send_days == [1, 2, 5]
    assert data.send_from == dt.time(7, 30)
    assert data.language == "fr"


def test_digit_strings_are_weekdays_as_stored() -> None:
    assert parse(send_days="12345").send_days == [1, 2, 3, 4, 5]


def test_duplicate_addresses_are_kept_once() -> None:
    assert parse(emails=["a@alpha.example", "A@ALPHA.example"]).emails == ["a@alpha.example"]


def test_an_empty_time_zone_means_the_company_one() -> None:
    assert parse(time_zone="").time_zone == ""


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"emails": ["a@alpha.example", "b at alpha"]}, "emails", "item 2"),
        ({"language": "es"}, "language", "fr, en, de"),
        ({"time_zone": "Paris"}, "time_zone", "IANA"),
        ({"send_days": [True]}, "send_days", "weekday"),
        ({"send_days": []}, "send_days", "non-empty"),
    ],
)
def test_errors_name_the_field_and_say_what_is_expected(overrides: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse(**overrides)
    [(got_field, message)] = field_errors(caught.value)
    assert got_field == field and words in message
