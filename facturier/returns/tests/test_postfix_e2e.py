"""Real MTA end to end: the worker sends an invoice through a private Postfix with DSN requested;
Postfix's own DSN comes back over LMTP to the returns listener, and the dispatch ends in the state
the DSN says, with Postfix's words on the invoice's timeline."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from facturier.dispatch.models import DeliveryEvent, Dispatch
from facturier.dispatch.services import dispatch_create
from facturier.dispatch.states import State
from facturier.dispatch.transport import SmtpTransport, parse_smtp_url
from facturier.dispatch.worker import process_due
from facturier.returns import listener
from facturier.returns.listener import start_listener
from facturier.returns.tests.helpers import Completions
from facturier.testing import postfix
from facturier.testing.factories import make_customer, make_invoice
from facturier.testing.ports import free_port

pytestmark = [pytest.mark.postfix, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(scope="module")
def mta() -> Iterator[postfix.PostfixInstance]:
    reason = postfix.available()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the Postfix tests: {reason}")
        pytest.skip(reason)
    listener = start_listener(host="127.0.0.1", port=free_port(), lmtp=True)
    try:
        with postfix.postfix_instance(lmtp_port=listener.port) as instance:
            yield instance
    finally:
        listener.stop()


@pytest.fixture
def processed(monkeypatch: pytest.MonkeyPatch) -> Completions:
    completions = Completions()
    monkeypatch.setattr(listener, "_process", completions.wrap(listener._process))
    return completions


@pytest.fixture
def send(mta: postfix.PostfixInstance, settings: Any) -> Any:
    settings.FACTURIER_RETURN_PATH = f"bounces@{mta.returns_domain}"
    settings.SMTP_URL = f"smtp://127.0.0.1:{mta.smtp_port}"

    def run(recipient: str) -> Dispatch:
        customer = make_customer(emails=[recipient])
        dispatch = dispatch_create(invoice=make_invoice(customer=customer), recipient=recipient, send_at=timezone.now())
        with SmtpTransport(parse_smtp_url(settings.SMTP_URL), timeout=10) as transport:
            assert process_due(now=timezone.now(), transport=transport) == 1
        dispatch.refresh_from_db()
        assert dispatch.state == State.ACCEPTED, dispatch.last_reply
        return dispatch

    return run


def _after_dsn(
    dispatch: Dispatch, processed: Completions, mta: postfix.PostfixInstance, timeout: float = 30
) -> Dispatch:
    # Wait for the listener to have processed Postfix's DSN; only then read (see Completions).
    processed.wait(1, timeout=timeout, why=lambda: f"; Postfix log:\n{mta.log[-3000:]}")
    dispatch.refresh_from_db()
    return dispatch


def test_unknown_user_comes_back_as_postfixs_dsn_and_ends_bounced_hard(
    mta: postfix.PostfixInstance, send: Any, processed: Completions
) -> None:
    dispatch = _after_dsn(send("nouser42@example.test"), processed, mta)
    assert dispatch.state == State.BOUNCED_HARD
    event = DeliveryEvent.objects.get(dispatch=dispatch, kind="bounce")
    assert event.evidence["status"] == "5.1.1"
    assert event.evidence["matched_by"] == "verp"
    assert event.evidence["envelope_id"] == dispatch.token
    assert "unknown user" in event.evidence["diagnostic"].lower()
    assert event.inbound_message.source == "lmtp"
    assert event.inbound_message.from_header.startswith("Mail Delivery System")
    assert DeliveryEvent.objects.filter(dispatch=dispatch, kind="address_invalid").exists()


def test_success_dsn_from_a_real_mailbox_gives_delivered(
    mta: postfix.PostfixInstance, send: Any, processed: Completions
) -> None:
    dispatch = _after_dsn(send("client@example.test"), processed, mta)
    assert dispatch.state == State.DELIVERED
    event = DeliveryEvent.objects.get(dispatch=dispatch, kind="dsn")
    assert event.evidence["status"].startswith("2.")
    assert any(mta.maildir.glob("new/*"))  # the invoice itself reached the mailbox


@pytest.mark.slow
def test_deferral_gives_a_delay_dsn_and_delayed(
    mta: postfix.PostfixInstance, send: Any, processed: Completions
) -> None:
    dispatch = _after_dsn(send("someone@slow.example.test"), processed, mta, timeout=45)
    assert dispatch.state == State.DELAYED
    event = DeliveryEvent.objects.get(dispatch=dispatch, kind="dsn")
    assert event.evidence["status"].startswith("4.")
