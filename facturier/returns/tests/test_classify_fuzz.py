"""Property: whatever bytes arrive, classify() returns a Verdict and never raises.

classify() wraps its readers in a last-resort `except`, so testing it alone proves little: the
generated messages go through `pipeline.run`, the readers without that net, so that a reader
which trips over malformed input fails here instead of silently turning mail into "unknown".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facturier.returns.classify import Kind, Verdict, classify, pipeline

SAMPLES = sorted((Path(__file__).parent / "samples").glob("*.eml"))

_NAMES = st.sampled_from(
    [
        "From", "To", "Subject", "Content-Type", "Content-Transfer-Encoding", "Auto-Submitted", "Precedence",
        "X-Failed-Recipients", "In-Reply-To", "References", "Message-ID", "Date", "X-Autoreply", "Return-Path",
        "Content-Disposition", "X-Apple-Unsubscribe",
    ]
)  # fmt: skip
_CTYPES = st.sampled_from(
    [
        "text/plain", "text/html", "multipart/mixed", "multipart/report; report-type=delivery-status",
        "multipart/report; report-type=feedback-report", "multipart/report; report-type=disposition-notification",
        "message/rfc822", "message/delivery-status", "text/rfc822-headers", "message/feedback-report",
        "message/disposition-notification", "application/octet-stream", "multipart/alternative; boundary=",
    ]
)  # fmt: skip
_ENCODINGS = st.sampled_from(["7bit", "8bit", "base64", "quoted-printable", "x-uuencode", ""])
_TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=200)
_FIELDS = st.sampled_from(
    ["Final-Recipient: rfc822; ", "Action: ", "Status: ", "Diagnostic-Code: smtp; ", "Original-Recipient: ",
     "Feedback-Type: ", "Disposition: ", "Original-Rcpt-To: ", "Reporting-MTA: dns; "]
)  # fmt: skip


@st.composite
def parts(draw: st.DrawFn, depth: int = 0) -> bytes:
    ctype = draw(_CTYPES)
    headers = [f"Content-Type: {ctype}", f"Content-Transfer-Encoding: {draw(_ENCODINGS)}"]
    if ctype.startswith("multipart/") and depth < 3:
        boundary = draw(st.sampled_from(["b1", "==x==", "", "b1--", "a" * 80]))
        headers[0] = f'{ctype}; boundary="{boundary}"' if "boundary=" not in ctype else ctype + boundary
        headers[0] = "Content-Type: " + headers[0].removeprefix("Content-Type: ")
        children = draw(st.lists(parts(depth + 1), max_size=4))
        closing = draw(st.booleans())
        body = b"".join(b"--" + boundary.encode() + b"\n" + child + b"\n" for child in children)
        body += (b"--" + boundary.encode() + b"--\n") if closing else b""
    else:
        lines = draw(st.lists(st.one_of(_TEXT, st.tuples(_FIELDS, _TEXT).map("".join)), max_size=8))
        body = "\n".join(lines).encode("utf-8", "surrogatepass")
    return ("\n".join(headers) + "\n\n").encode() + body


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    headers = draw(st.lists(st.tuples(_NAMES, _TEXT), max_size=10))
    head = "".join(f"{name}: {value}\n" for name, value in headers).encode("utf-8", "surrogatepass")
    eol = draw(st.sampled_from([b"\n", b"\r\n", b"\r"]))
    return (head + draw(parts())).replace(b"\n", eol)


@st.composite
def mutated_samples(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(SAMPLES)).read_bytes())
    for _ in range(draw(st.integers(0, 20))):
        at = draw(st.integers(0, max(len(raw) - 1, 0)))
        action = draw(st.sampled_from(["flip", "cut", "dup"]))
        if action == "flip" and raw:
            raw[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del raw[at : at + draw(st.integers(1, 200))]
        else:
            raw[at:at] = raw[at : at + draw(st.integers(1, 200))]
    return bytes(raw)


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
pytestmark = pytest.mark.slow  # a few seconds per property


@FUZZ
@given(st.binary(max_size=4000))
def test_random_bytes_never_raise(raw: bytes) -> None:
    assert isinstance(classify(raw), Verdict)
    if raw.strip():
        assert isinstance(pipeline.run(raw, None), Verdict)


@FUZZ
@given(messages())
def test_generated_mime_structures_never_raise(raw: bytes) -> None:
    v = pipeline.run(raw, None)
    assert isinstance(v, Verdict)
    assert isinstance(v.as_dict(), dict)


@FUZZ
@given(mutated_samples())
def test_damaged_samples_never_raise(raw: bytes) -> None:
    v = pipeline.run(raw, None)
    assert isinstance(v.kind, Kind)
