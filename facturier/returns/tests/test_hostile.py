"""Hostile input: whatever arrives is stored, and ingestion never crashes; what could not be processed
is marked so (visible, retryable)."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facturier.returns.ingest import ingest
from facturier.returns.models import InboundMessage, InboundState
from facturier.returns.selectors import inbound_view
from facturier.returns.tests.helpers import sent_dispatch, verp

pytestmark = pytest.mark.django_db

DONE = {InboundState.PROCESSED, InboundState.UNMATCHED}
VISIBLE = {*DONE, InboundState.FAILED}


def _ok(raw: bytes, **kw: Any) -> InboundMessage:
    inbound = ingest(raw=raw, source="upload", **kw)
    assert inbound.raw == raw.split(b"\n", 1)[1] if raw.startswith(b"From ") else inbound.raw == raw
    assert inbound.state in VISIBLE
    inbound_view(inbound=inbound)  # the detail page can show it too
    return inbound


SAMPLES = {
    "malformed_mime": (
        b"From: x@y\r\nContent-Type: multipart/report; boundary=\r\nSubject: =?utf-8?B?broken\r\n\r\n"
        b"--\r\nContent-Type: message/delivery-status\r\n\r\nAction failed\r\nStatus: 9.9.9.9\r\n--"
    ),
    "unknown_charset": (
        b"From: =?x-no-such-charset?Q?Jos=E9?= <a@b.example>\r\nSubject: =?klingon?B?AAAA?=\r\n"
        b"Content-Type: text/plain; charset=x-unknown-9\r\n\r\n\xe9t\xe9\r\n"
    ),
    "wrong_charset": (
        b"From: a@b.example\r\nSubject: Caf\xc3\xa9\r\nContent-Type: text/plain; charset=us-ascii\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n=E9=C3=28 =ZZ\r\n"
    ),
    "eight_bit_headers": (
        b"From: J\xf6rg <j@b.example>\r\nSubject: R\xe9ponse automatique \xff\xfe\r\nTo: \x00\x01@x\r\n\r\nhi"
    ),
    "binary_garbage": bytes(range(256)) * 64,
    "nul_everywhere": b"Subject: a\x00b\r\nFrom: \x00\r\n\r\n\x00\x00\x00",
    "no_headers": b"\r\n\r\njust a body",
    "deep_nesting": b"Content-Type: multipart/mixed; boundary=a\r\n\r\n"
    + b"".join(
        f"--{'a' * i}\r\nContent-Type: multipart/mixed; boundary=a{'a' * i}\r\n\r\n".encode() for i in range(1, 300)
    ),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_hostile_message_is_stored_and_never_crashes_ingestion(name: str) -> None:
    _ok(SAMPLES[name])


@pytest.mark.slow
def test_a_30_mb_message_is_stored_whole() -> None:
    blob = base64.encodebytes(os.urandom(22 * 1024 * 1024))
    raw = (
        b"From: MAILER-DAEMON@x.example\r\nSubject: Undelivered\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbig\r\n'
        b"--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + blob + b"\r\n--b--\r\n"
    )
    assert len(raw) > 30_000_000
    inbound = _ok(raw)
    assert inbound.size == len(raw)


def test_a_dsn_with_500_recipients_gets_a_verdict_per_recipient() -> None:
    d = sent_dispatch(recipient="rcpt0@customer.example")
    blocks = "".join(
        f"Final-Recipient: rfc822; rcpt{i}@customer.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 no such user {i}\r\n\r\n"
        for i in range(500)
    )
    raw = (
        f"From: MAILER-DAEMON@mx.example\r\nTo: {verp(d.token)}\r\nSubject: Undelivered\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
        "--r\r\nContent-Type: text/plain\r\n\r\nfailed\r\n"
        f"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n"
        f"Original-Envelope-Id: {d.token}\r\n\r\n{blocks}--r--\r\n"
    ).encode()
    inbound = _ok(raw)
    assert inbound.state == InboundState.PROCESSED
    assert inbound.verdicts.count() == 500
    # The one recipient we sent to is acted on; the 499 strangers are recorded, tied to nothing.
    assert inbound.verdicts.exclude(dispatch=None).count() == 1


header_text = st.text(alphabet=st.characters(codec="latin-1"), max_size=80)


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    names = ["From", "To", "Subject", "Content-Type", "Message-ID", "In-Reply-To", "Auto-Submitted", "X-Original-To"]
    lines = [
        draw(st.sampled_from(names)).encode() + b": " + draw(header_text).encode("latin-1")
        for _ in range(draw(st.integers(0, 8)))
    ]
    kind = draw(st.sampled_from(["text/plain", "multipart/report; report-type=delivery-status; boundary=x", "x/y"]))
    lines.append(b"Content-Type: " + kind.encode())
    body = draw(st.binary(max_size=2000))
    if kind.startswith("multipart"):
        dsn_fields = draw(st.text(max_size=300)).encode("utf-8", "surrogatepass")
        body = b"--x\r\nContent-Type: message/delivery-status\r\n\r\n" + dsn_fields + b"\r\n--x--\r\n" + body
    sep = draw(st.sampled_from([b"\r\n", b"\n"]))
    return sep.join(lines) + sep + sep + body


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=messages())
def test_fuzz_any_generated_message_is_stored_and_ends_processed_or_failed(raw: bytes) -> None:
    if not raw.strip():
        return
    inbound = ingest(raw=raw, source="upload")
    assert inbound.raw == raw or raw.startswith(b"From ")
    assert inbound.state in VISIBLE
