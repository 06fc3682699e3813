"""When the resend after an address correction goes out: within the customer's send window, at once
if the window is open now, else at its next opening (not the company's "next business day")."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from facturier.crm.address_correction import customer_email_correct
from facturier.crm.models import Customer
from facturier.dispatch.models import Dispatch
from facturier.dispatch.services import dispatch_create, dispatch_transition
from facturier.dispatch.states import State
from facturier.testing.factories import make_customer, make_invoice

pytestmark = pytest.mark.django_db

OLD, NEW = "compta@dupont.example", "factures@dupont.example"
PARIS, MONTREAL = ZoneInfo("Europe/Paris"), ZoneInfo("America/Montreal")


def bounced_customer(**fields: object) -> Customer:
    """A customer (Mon-Fri 08:00-18:00 by default) with one invoice that bounced hard to OLD."""
    customer = make_customer(emails=[OLD], **fields)
    invoice = make_invoice(customer=customer)
    dispatch = dispatch_create(invoice=invoice, recipient=OLD, send_at=invoice.created_at)
    for to, kind in ((State.SENDING, "sending"), (State.ACCEPTED, "smtp_accepted"), (State.BOUNCED_HARD, "dsn")):
        dispatch_transition(dispatch=dispatch, to=to, kind=kind, summary=kind)
    return customer


def correct_at(now: dt.datetime, customer: Customer) -> Dispatch:
    with time_machine.travel(now, tick=False):
        result = customer_email_correct(customer=customer, old_address=OLD, new_address=NEW, actor="u")
    [resent] = result.resent
    resent.refresh_from_db()
    assert resent.scheduled_at == resent.due_at
    return resent


def test_a_correction_on_saturday_is_resent_at_monday_opening_in_the_customers_time_zone() -> None:
    customer = bounced_customer(time_zone="America/Montreal")
    saturday = dt.datetime(2026, 11, 28, 11, 0, tzinfo=PARIS)
    resent = correct_at(saturday, customer)
    assert resent.scheduled_at == dt.datetime(2026, 11, 30, 8, 0, tzinfo=MONTREAL)  # 14:00 in Paris
    assert resent.state == State.SCHEDULED and resent.recipient == NEW


def test_a_correction_inside_the_window_is_resent_now_not_the_next_business_day() -> None:
    customer = bounced_customer()  # no time zone: the company's (Europe/Paris)
    tuesday = dt.datetime(2026, 11, 24, 15, 30, tzinfo=PARIS)
    assert correct_at(tuesday, customer).scheduled_at == tuesday


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Friday after the window closed: Monday's opening.
        (dt.datetime(2026, 11, 27, 18, 0, tzinfo=PARIS), dt.datetime(2026, 11, 30, 8, 0, tzinfo=PARIS)),
        # Before the window opens on a weekday: that morning, not the next business day.
        (dt.datetime(2026, 11, 24, 6, 45, tzinfo=PARIS), dt.datetime(2026, 11, 24, 8, 0, tzinfo=PARIS)),
        # Christmas (a French public holiday, a Friday) inside the hours: the next business day.
        (dt.datetime(2026, 12, 25, 10, 0, tzinfo=PARIS), dt.datetime(2026, 12, 28, 8, 0, tzinfo=PARIS)),
    ],
)
def test_outside_the_window_the_resend_waits_for_its_next_opening(now: dt.datetime, expected: dt.datetime) -> None:
    assert correct_at(now, bounced_customer()).scheduled_at == expected


def test_the_customers_own_hours_and_days_are_used() -> None:
    customer = bounced_customer(send_days="24", send_from=dt.time(13, 0), send_until=dt.time(15, 0))
    monday = dt.datetime(2026, 11, 23, 14, 0, tzinfo=PARIS)  # inside the hours, but not one of the days
    assert correct_at(monday, customer).scheduled_at == dt.datetime(2026, 11, 24, 13, 0, tzinfo=PARIS)


def test_a_window_without_any_business_day_does_not_block_the_correction() -> None:
    customer = bounced_customer(send_days="67")  # weekends only: no slot ever
    saturday = dt.datetime(2026, 11, 28, 11, 0, tzinfo=PARIS)
    assert correct_at(saturday, customer).scheduled_at == saturday
