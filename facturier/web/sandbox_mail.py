"""What the bundled sandbox relay received, read for the Outbox page (a mail catcher).

The relay (facturier.dispatch.sandbox) owns the files: `<FACTURIER_SANDBOX_DIR>/<name>.eml` with the
message as received and `<name>.json` with the envelope; this module only reads them.
"""

from __future__ import annotations

import email
import email.policy
import json
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from django.conf import settings

from facturier.dispatch import sandbox

# Enough to read any invoice mail; a huge message is cut (the page says so) rather than
# blowing up the page.
TEXT_LIMIT = 200_000


def outbox_messages(limit: int = 100) -> list[dict[str, Any]]:
    """The newest `limit` messages, newest first (see the relay for the keys)."""
    return sandbox.sandbox_messages(limit=limit)


def outbox_envelope(name: str) -> dict[str, Any]:
    """The relay's sidecar for one message; empty when missing or unreadable."""
    if not sandbox.NAME_RE.match(name):
        return {}
    try:
        data = json.loads((Path(settings.FACTURIER_SANDBOX_DIR) / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def outbox_raw(name: str) -> bytes | None:
    """The message as received, or None when there is no such message (the relay checks the name)."""
    try:
        return sandbox.sandbox_message_raw(name)
    except OSError:
        return None


@dataclass
class Attachment:
    filename: str
    content_type: str
    size: int


@dataclass
class ParsedMessage:
    headers: list[tuple[str, str]]
    text: str
    text_truncated: bool
    has_html: bool
    attachments: list[Attachment] = field(default_factory=list)
    source: str = ""
    source_truncated: bool = False


def parse_message(raw: bytes) -> ParsedMessage:
    """Headers, the plain-text body and the attachments' names: shown as text, never as HTML."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    headers = [(k, str(v)) for k, v in msg.items()]
    body = msg.get_body(preferencelist=("plain",))
    text = ""
    if body is not None:
        try:
            text = str(body.get_content())
        except (LookupError, ValueError):  # unknown charset, broken encoding: show what we can
            text = body.get_payload(decode=True).decode("utf-8", "replace")  # type: ignore[union-attr]
    attachments = []
    for part in msg.iter_attachments():
        payload = part.get_payload(decode=True) or b""
        attachments.append(
            Attachment(
                filename=part.get_filename() or "",
                content_type=part.get_content_type(),
                size=len(payload) if isinstance(payload, bytes) else 0,
            )
        )
    source = raw[:TEXT_LIMIT].decode("utf-8", "replace")
    return ParsedMessage(
        headers=headers,
        text=text[:TEXT_LIMIT],
        text_truncated=len(text) > TEXT_LIMIT,
        has_html=msg.get_body(preferencelist=("html",)) is not None,
        attachments=attachments,
        source=source,
        source_truncated=len(raw) > TEXT_LIMIT,
    )
