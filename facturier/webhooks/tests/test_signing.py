from __future__ import annotations

from facturier.webhooks.signing import signature, signature_valid

SECRET = "whsec_test"
BODY = b'{"id":"evt_1","type":"address_invalid"}'


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert signature(secret=SECRET, timestamp=1700000000, body=BODY) == f"sha256={expected}"


def test_a_receiver_accepts_a_fresh_signed_body() -> None:
    header = signature(secret=SECRET, timestamp=1000, body=BODY)
    assert signature_valid(secret=SECRET, timestamp=1000, body=BODY, header=header, now=1100)


def test_a_tampered_body_or_wrong_secret_is_refused() -> None:
    header = signature(secret=SECRET, timestamp=1000, body=BODY)
    assert not signature_valid(secret=SECRET, timestamp=1000, body=BODY + b" ", header=header, now=1000)
    assert not signature_valid(secret="other", timestamp=1000, body=BODY, header=header, now=1000)


def test_a_replayed_old_request_is_refused() -> None:
    header = signature(secret=SECRET, timestamp=1000, body=BODY)
    assert not signature_valid(secret=SECRET, timestamp=1000, body=BODY, header=header, now=1000 + 301)
