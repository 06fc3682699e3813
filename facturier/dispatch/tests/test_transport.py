from __future__ import annotations

import pytest

from facturier.dispatch.tests.smtp_servers import RecordingHandler, smtp_server
from facturier.dispatch.transport import (
    Outcome,
    SmtpEndpoint,
    SmtpTransport,
    SmtpUrlError,
    outcome_for,
    parse_smtp_url,
    xtext,
)
from facturier.testing.ports import free_port

MESSAGE = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: t\r\nMessage-ID: <t1@example.com>\r\n\r\nhello\r\n"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:2525", SmtpEndpoint("smtp", "127.0.0.1", 2525)),
        ("smtp://relay.example.com", SmtpEndpoint("smtp", "relay.example.com", 25)),
        (
            "smtp+starttls://u%40x:p%3Aw@mx.example.com:587",
            SmtpEndpoint("smtp+starttls", "mx.example.com", 587, "u@x", "p:w"),
        ),
        ("smtps://user:secret@mx.example.com", SmtpEndpoint("smtps", "mx.example.com", 465, "user", "secret")),
        ("SMTP://Host.Example:26", SmtpEndpoint("smtp", "host.example", 26)),
    ],
)
def test_smtp_url_is_parsed(url: str, expected: SmtpEndpoint) -> None:
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize("url", ["http://x", "smtp+ssl://x", "smtp://", "smtp://host:notaport", "127.0.0.1:25"])
def test_unusable_smtp_url_is_refused_clearly(url: str) -> None:
    with pytest.raises(SmtpUrlError):
        parse_smtp_url(url)


def test_endpoint_display_hides_credentials() -> None:
    assert parse_smtp_url("smtps://user:secret@mx.example.com").display == "smtps://mx.example.com:465"


def test_xtext_encodes_plus_equals_and_controls() -> None:
    assert xtext("bounces+tok@x.example") == "bounces+2Btok@x.example"
    assert xtext("a=b c") == "a+3Db+20c"


@pytest.mark.parametrize(
    ("code", "outcome"),
    [(250, Outcome.ACCEPTED), (451, Outcome.TEMP_FAIL), (550, Outcome.PERM_FAIL), (354, Outcome.TEMP_FAIL)],
)
def test_outcome_follows_the_reply_class(code: int, outcome: Outcome) -> None:
    assert outcome_for(code) is outcome


def _send(port: int, rcpt: str = "b@example.com") -> tuple[SmtpTransport, object]:
    transport = SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{port}"), timeout=5)
    return transport, transport.send(
        envelope_from="bounces+tok1@example.com", recipient=rcpt, data=MESSAGE, envid="tok1"
    )


def test_dsn_parameters_are_sent_when_the_server_offers_dsn() -> None:
    handler = RecordingHandler(advertise_dsn=True)
    with smtp_server(handler) as port:
        transport, result = _send(port, "b+x@example.com")
        transport.close()
    assert result.outcome is Outcome.ACCEPTED and result.code == 250 and result.dsn_requested
    [got] = handler.received
    assert got.mail_from == "bounces+tok1@example.com"
    assert "RET=HDRS" in got.mail_options and "ENVID=TOK1" in got.mail_options  # aiosmtpd upper-cases
    assert "NOTIFY=SUCCESS,FAILURE,DELAY" in got.rcpt_options
    assert "ORCPT=RFC822;B+2BX@EXAMPLE.COM" in got.rcpt_options
    assert got.data == MESSAGE


def test_no_dsn_parameters_without_dsn_support() -> None:
    # Stock aiosmtpd: answers 555 to any DSN parameter, so sending them would fail this test.
    handler = RecordingHandler(advertise_dsn=False)
    with smtp_server(handler, dsn_protocol=False) as port:
        transport, result = _send(port)
        transport.close()
    assert result.outcome is Outcome.ACCEPTED and not result.dsn_requested
    assert handler.received[0].mail_options == [] and handler.received[0].rcpt_options == []


def test_connection_is_reused_across_messages() -> None:
    handler = RecordingHandler()
    with smtp_server(handler) as port, SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{port}")) as transport:
        for _ in range(3):
            transport.send(envelope_from="f@example.com", recipient="b@example.com", data=MESSAGE, envid="t")
        first = transport._conn
        transport.send(envelope_from="f@example.com", recipient="b@example.com", data=MESSAGE, envid="t")
        assert transport._conn is first
    assert len(handler.received) == 4


def test_rcpt_refusal_is_a_permanent_failure_with_the_exact_reply() -> None:
    handler = RecordingHandler(
        refuse_rcpt={"nobody@example.com": "550 5.1.1 <nobody@example.com>: Recipient address rejected"}
    )
    with smtp_server(handler) as port:
        transport, result = _send(port, "nobody@example.com")
        # The connection is still usable after the refusal (RSET was sent).
        again = transport.send(envelope_from="f@example.com", recipient="b@example.com", data=MESSAGE, envid="t")
        transport.close()
    assert (result.outcome, result.code, result.step) == (Outcome.PERM_FAIL, 550, "rcpt")
    assert result.reply == "5.1.1 <nobody@example.com>: Recipient address rejected"
    assert again.outcome is Outcome.ACCEPTED


def test_data_4xx_is_a_temporary_failure() -> None:
    handler = RecordingHandler(data_replies=["451 4.3.0 try again later"])
    with smtp_server(handler) as port:
        transport, result = _send(port)
        transport.close()
    assert (result.outcome, result.code, result.step, result.reply) == (
        Outcome.TEMP_FAIL,
        451,
        "data",
        "4.3.0 try again later",
    )


def test_refused_connection_is_a_temporary_failure() -> None:
    transport = SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{free_port()}"), timeout=2)
    result = transport.send(envelope_from="f@example.com", recipient="b@example.com", data=MESSAGE, envid="t")
    assert (result.outcome, result.code, result.step) == (Outcome.TEMP_FAIL, None, "connect")
    assert "ConnectionRefusedError" in result.reply


def test_reconnects_when_the_server_dropped_an_idle_connection() -> None:
    handler = RecordingHandler()
    with smtp_server(handler) as port, SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{port}")) as transport:
        transport.send(envelope_from="f@example.com", recipient="b@example.com", data=MESSAGE, envid="t")
        assert transport._conn is not None
        transport._conn.sock.close()  # as if the server had timed the idle session out
        result = transport.send(envelope_from="f@example.com", recipient="b@example.com", data=MESSAGE, envid="t")
    assert result.outcome is Outcome.ACCEPTED
    assert len(handler.received) == 2


@pytest.mark.parametrize(
    "data",
    [
        b"Subject: x\r\n\r\nno dot here\r\n",
        b"Subject: x\r\n\r\n.leading dot\r\n..two\r\nend\r\n",
        b".\r\nSubject: x\r\n\r\n.\r\n",
    ],
)
def test_lines_starting_with_a_dot_arrive_unchanged(data: bytes) -> None:
    # The transport dot-stuffs only when some line starts with a dot (the check is cheap, the
    # substitution is not); either way the relay gets the message byte for byte.
    handler = RecordingHandler()
    with smtp_server(handler) as port:
        transport = SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{port}"), timeout=5)
        result = transport.send(envelope_from="bounces+t@example.com", recipient="b@example.com", data=data, envid="t")
        transport.close()
    assert result.outcome is Outcome.ACCEPTED
    assert handler.received[0].data == data
