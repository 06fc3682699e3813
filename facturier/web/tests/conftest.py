from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
import time_machine
from django.test import Client

from facturier.dispatch.services import dispatch_create, dispatch_transition
from facturier.invoices.models import Invoice
from facturier.testing.factories import make_customer, make_invoice

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from a
# thread with a running loop unless told this is intended (the live server thread is unaffected).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture
def viewer_client(client: Client, viewer: Any) -> Client:
    client.force_login(viewer)
    return client


def sent_invoice(**fields: Any) -> Invoice:
    """An invoice scheduled, sent and accepted by the relay: three timeline events with evidence."""
    customer = fields.pop("customer", None) or make_customer(emails=["compta@client.example"])
    invoice = make_invoice(customer=customer, **fields)
    recipient = customer.emails.first().address
    at = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(at - dt.timedelta(hours=1), tick=False):  # scheduled the evening before
        dispatch = dispatch_create(invoice=invoice, recipient=recipient, send_at=at)
    dispatch_transition(dispatch=dispatch, to="sending", kind="sending", summary="claimed by worker w1", at=at)
    dispatch_transition(
        dispatch=dispatch,
        to="accepted",
        kind="smtp_accepted",
        summary="250 2.0.0 Ok: queued as 4ABC",
        evidence={"code": 250, "reply": "2.0.0 Ok: queued as 4ABC", "rcpt": {recipient: [250, "OK"]}},
        at=at + dt.timedelta(seconds=2),
        accepted_at=at + dt.timedelta(seconds=2),
        message_id=f"<{invoice.number}@invoices.example.com>",
        attempts=1,
    )
    invoice.refresh_from_db()
    return invoice


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # The UI follows the browser's Accept-Language: browse as a French clerk would.
    return {**browser_context_args, "locale": "fr-FR", "timezone_id": "Europe/Paris"}
