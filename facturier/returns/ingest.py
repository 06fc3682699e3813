"""The one way in for every returned e-mail: store the raw bytes first, then process.

IMAP, LMTP/SMTP, the pipe and the sandbox all call `ingest()`. The store is its own committed
transaction, so whatever happens while processing (a classifier bug, a database hiccup, the process
being killed) the raw message is kept and can be processed again (`services.retry_failed`).
"""

from __future__ import annotations

import email.header
import email.parser
import email.policy
import email.utils
import hashlib
import logging
import re
import zlib

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from facturier.returns.models import InboundMessage

log = logging.getLogger(__name__)

# Header fields an MTA sets to the envelope recipient on final delivery (Postfix local/virtual,
# Dovecot LDA/LMTP, Exim, qmail): the VERP address when the message came to our return path.
ENVELOPE_TO_HEADERS = ("X-Original-To", "Delivered-To", "Envelope-To", "X-Envelope-To")


class TemporaryStoreError(Exception):
    """The message could not be stored now (database down, locked, full): the sender must retry."""


def clean_text(value: object, limit: int | None = None) -> str:
    """Text safe for any database column: no NUL (PostgreSQL refuses it), no lone surrogates."""
    text = str(value).replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return text[:limit] if limit else text


def strip_mbox_from_line(raw: bytes) -> bytes:
    # Postfix pipe(8) with the F flag, and aliases, prepend "From sender date": not part of the
    # message, and it would make the same message hash differently by the way it came in.
    if raw.startswith(b"From "):
        _, _, rest = raw.partition(b"\n")
        return rest
    return raw


def _header_text(value: object) -> str:
    try:
        return str(email.header.make_header(email.header.decode_header(str(value))))
    except Exception:
        return str(value)


def parse_headers(raw: bytes) -> email.message.Message:
    # compat32 and headers only: never raises on malformed input and is cheap on a 30 MB message.
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw[:200_000] else raw.split(b"\n\n", 1)[0]
    return email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head[:200_000])


_VERP_CACHE: dict[str, re.Pattern[str]] = {}


def verp_pattern() -> re.Pattern[str]:
    """`bounces+TOKEN@domain` for the configured return path (case-insensitive, exact)."""
    return_path = settings.FACTURIER_RETURN_PATH
    if return_path not in _VERP_CACHE:
        local, _, domain = return_path.rpartition("@")
        _VERP_CACHE[return_path] = re.compile(
            rf"^{re.escape(local)}\+(?P<token>[a-z0-9]+)@{re.escape(domain)}$", re.IGNORECASE
        )
    return _VERP_CACHE[return_path]


def envelope_to_from_headers(raw: bytes) -> str:
    """The envelope recipient as the delivering MTA recorded it; a VERP address wins."""
    try:
        msg = parse_headers(raw)
        found: list[str] = []
        for name in ENVELOPE_TO_HEADERS:
            for value in msg.get_all(name) or []:
                addr = email.utils.parseaddr(_header_text(value))[1].strip()
                if addr:
                    found.append(addr)
    except Exception:
        return ""
    for addr in found:
        if verp_pattern().match(addr):
            return addr
    return found[0] if found else ""


def _summary_fields(raw: bytes) -> dict[str, str]:
    try:
        msg = parse_headers(raw)
        return {
            "from_header": clean_text(_header_text(msg.get("From", "")), 500),
            "subject": clean_text(_header_text(msg.get("Subject", "")), 500),
            "message_id_header": clean_text(str(msg.get("Message-ID", "")).strip(), 500),
        }
    except Exception:
        return {"from_header": "", "subject": "", "message_id_header": ""}


def inbound_store(
    *, raw: bytes, source: str, envelope_from: str = "", envelope_to: str = ""
) -> tuple[InboundMessage, bool]:
    """Store the raw message (committed on return) and say whether it is new.

    The same bytes stored twice are one row (sha256). Raises TemporaryStoreError when the database
    cannot take it, so that the caller makes its sender retry rather than lose the message.
    """
    raw = strip_mbox_from_line(raw)
    digest = hashlib.sha256(raw).hexdigest()
    try:
        existing = InboundMessage.objects.filter(sha256=digest).first()
        if existing is not None:
            return existing, False
        if not envelope_to:
            envelope_to = envelope_to_from_headers(raw)
        fields = _summary_fields(raw)
        try:
            with transaction.atomic():
                inbound = InboundMessage.objects.create(
                    received_at=timezone.now(),
                    source=source[:16],
                    sha256=digest,
                    raw_compressed=zlib.compress(raw, 6),
                    size=len(raw),
                    envelope_from=clean_text(envelope_from, 320),
                    envelope_to=clean_text(envelope_to, 320),
                    **fields,
                )
        except IntegrityError:
            # Another fetcher or delivery stored the same message a moment ago.
            return InboundMessage.objects.get(sha256=digest), False
    except DatabaseError as exc:
        raise TemporaryStoreError(f"cannot store the message now: {exc}") from exc
    log.info("stored inbound %s (%s, %d bytes) from %s", inbound.pk, source, len(raw), envelope_to or "?")
    return inbound, True


def ingest(*, raw: bytes, source: str, envelope_from: str = "", envelope_to: str = "") -> InboundMessage:
    """Store, then process. Processing problems never propagate: they mark the message `failed`."""
    from facturier.returns.services import inbound_process

    inbound, _ = inbound_store(raw=raw, source=source, envelope_from=envelope_from, envelope_to=envelope_to)
    inbound_process(inbound_id=inbound.pk)
    inbound.refresh_from_db()
    return inbound
