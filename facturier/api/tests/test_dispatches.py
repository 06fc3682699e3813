from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from facturier.api.tests.helpers import fields_of
from facturier.dispatch.services import dispatch_create, dispatch_transition
from facturier.testing.factories import make_customer, make_invoice

pytestmark = pytest.mark.django_db

NOV = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def dispatches(db: None) -> list[Any]:
    """Five dispatches scheduled a day apart from 1 November; the second one bounced."""
    customer = make_customer()
    made = []
    for day in range(5):
        invoice = make_invoice(customer=customer)
        made.append(
            dispatch_create(invoice=invoice, recipient=f"r{day}@x.example", send_at=NOV + dt.timedelta(days=day))
        )
    d = made[1]
    dispatch_transition(dispatch=d, to="sending", kind="sending", summary="")
    dispatch_transition(dispatch=d, to="bounced_hard", kind="smtp_rejected", summary="550")
    return made


def test_filter_by_state(api: Client, dispatches: list[Any]) -> None:
    body = api.get("/api/v1/dispatches", {"state": "bounced_hard"}).json()
    assert body["count"] == 1
    assert body["items"][0]["id"] == dispatches[1].pk
    assert body["items"][0]["invoice_number"] == dispatches[1].invoice.number
    both = api.get("/api/v1/dispatches", {"state": "bounced_hard,scheduled"}).json()
    assert both["count"] == 5


def test_filter_by_date_range_with_offsets_or_plain_dates(api: Client, dispatches: list[Any]) -> None:
    body = api.get("/api/v1/dispatches", {"since": "2026-11-02T08:00:00Z", "until": "2026-11-04T08:00:00Z"}).json()
    assert [i["id"] for i in body["items"]] == [dispatches[2].pk, dispatches[1].pk]
    body = api.get("/api/v1/dispatches", {"since": "2026-11-04", "channel": "email"}).json()
    assert body["count"] == 2


def test_pagination_with_limit_and_offset(api: Client, dispatches: list[Any]) -> None:
    page = api.get("/api/v1/dispatches", {"limit": 2, "offset": 2}).json()
    assert page["count"] == 5 and page["limit"] == 2 and page["offset"] == 2
    assert [i["id"] for i in page["items"]] == [dispatches[2].pk, dispatches[1].pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 501}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"state": "lost"}, "state"),
        ({"channel": "pigeon"}, "channel"),
        ({"since": "2026-11-02T08:00:00"}, "since"),
        ({"until": "soon"}, "until"),
    ],
)
def test_bad_filters_get_422_naming_the_parameter(api: Client, params: dict[str, Any], field: str) -> None:
    response = api.get("/api/v1/dispatches", params)
    assert response.status_code == 422
    assert fields_of(response) == [field]
