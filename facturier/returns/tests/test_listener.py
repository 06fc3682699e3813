"""The LMTP/SMTP listener, a real aiosmtpd server on a free loopback port, driven by smtplib."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator

import pytest

from facturier.dispatch.states import State
from facturier.returns import listener
from facturier.returns.ingest import TemporaryStoreError
from facturier.returns.listener import ReturnsController, start_listener
from facturier.returns.models import InboundMessage, InboundState
from facturier.returns.tests.helpers import Completions, dsn, sent_dispatch, verp
from facturier.testing.ports import free_port

# The server stores from its own thread: the test's data must be committed for it to see it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def processed(monkeypatch: pytest.MonkeyPatch) -> Completions:
    completions = Completions()
    monkeypatch.setattr(listener, "_process", completions.wrap(listener._process))
    return completions


@pytest.fixture
def lmtp_server(processed: Completions) -> Iterator[ReturnsController]:
    controller = start_listener(host="127.0.0.1", port=free_port(), lmtp=True)
    yield controller
    controller.stop()


def test_lmtp_delivery_is_stored_before_250_then_processed(
    lmtp_server: ReturnsController, processed: Completions
) -> None:
    d = sent_dispatch()
    with smtplib.LMTP("127.0.0.1", lmtp_server.port) as client:
        refused = client.sendmail("", [verp(d.token)], dsn(d, to="x@y.example", envid=""))
    assert refused == {}
    inbound = InboundMessage.objects.get()  # committed before the 250 came back
    assert (inbound.source, inbound.envelope_to) == ("lmtp", verp(d.token))
    processed.wait(1)
    inbound.refresh_from_db()
    assert inbound.state == InboundState.PROCESSED
    assert inbound.verdicts.get().matched_by == "verp"
    d.refresh_from_db()
    assert d.state == State.BOUNCED_HARD


def test_lmtp_answers_once_per_recipient_after_data(lmtp_server: ReturnsController, processed: Completions) -> None:
    d = sent_dispatch()
    client = smtplib.LMTP("127.0.0.1", lmtp_server.port)
    try:
        client.ehlo_or_helo_if_needed()
        assert client.mail("")[0] == 250
        assert client.rcpt(verp(d.token))[0] == 250
        assert client.rcpt("postmaster@invoices.example.com")[0] == 250
        first = client.data(dsn(d))
        second = client.getreply()
        assert first[0] == 250 and second[0] == 250
    finally:
        client.close()
    processed.wait(1)
    assert InboundMessage.objects.count() == 1
    assert InboundMessage.objects.get().envelope_to == verp(d.token)  # the VERP one of the two


def test_lmtp_answers_451_and_stores_nothing_when_the_database_is_unavailable(
    lmtp_server: ReturnsController, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(**kwargs: object) -> object:
        raise TemporaryStoreError("database is down")

    monkeypatch.setattr(listener, "inbound_store", down)
    with smtplib.LMTP("127.0.0.1", lmtp_server.port) as client, pytest.raises(smtplib.SMTPDataError) as err:
        client.sendmail("", ["bounces+x@invoices.example.com"], b"Subject: x\r\n\r\nbody\r\n")
    assert err.value.smtp_code == 451
    assert not InboundMessage.objects.exists()


def test_plain_smtp_mode_for_mtas_that_relay_to_it() -> None:
    controller = start_listener(host="127.0.0.1", port=free_port(), lmtp=False)
    try:
        d = sent_dispatch()
        with smtplib.SMTP("127.0.0.1", controller.port) as client:
            client.sendmail("", [verp(d.token)], dsn(d, action="delivered", status="2.0.0"))
    finally:
        controller.stop()  # waits for the processing thread
    inbound = InboundMessage.objects.get()
    assert (inbound.source, inbound.state) == ("smtp", InboundState.PROCESSED)
    d.refresh_from_db()
    assert d.state == State.DELIVERED
