"""Webhook signatures. Pure: no Django import.

X-Facturier-Signature: sha256=HEX, where HEX = HMAC-SHA256(secret, f"{timestamp}.{body}"). The
timestamp is signed too so that a captured request cannot be replayed later with a fresh header;
receivers should reject timestamps older than a few minutes.
"""

from __future__ import annotations

import hashlib
import hmac


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def signature_valid(*, secret: str, timestamp: int, body: bytes, header: str, now: int, tolerance: int = 300) -> bool:
    """What a receiver does: constant-time compare, and refuse stale timestamps (replays)."""
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret=secret, timestamp=timestamp, body=body), header)
