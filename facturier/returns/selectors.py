"""Reads on returned messages, for the worklist and the operator screens."""

from __future__ import annotations

import email
import email.message
import email.policy
from dataclasses import dataclass, field

from django.db.models import QuerySet

from facturier.returns.ingest import clean_text
from facturier.returns.models import InboundMessage, InboundState

# What the detail page shows of a message: enough to judge, small enough for any browser.
TEXT_LIMIT = 100_000


@dataclass
class InboundView:
    """A returned message as plain text pieces: the template escapes them; nothing is rendered as HTML."""

    inbound: InboundMessage
    headers: list[tuple[str, str]] = field(default_factory=list)
    text: str = ""
    dsn_blocks: list[list[tuple[str, str]]] = field(default_factory=list)
    returned_headers: str = ""
    parse_error: str = ""


def inbound_list(*, state: str | None = None) -> QuerySet[InboundMessage]:
    qs = InboundMessage.objects.defer("raw_compressed")
    return qs.filter(state=state) if state else qs


def inbound_failed() -> QuerySet[InboundMessage]:
    return inbound_list(state=InboundState.FAILED)


def _text_of(part: email.message.Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload())
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except LookupError:  # an unknown charset name: show what can be read
        return payload.decode("latin-1")


def _fill(view: InboundView, msg: email.message.Message) -> None:
    view.headers = [(k, clean_text(v, 2000)) for k, v in msg.items()]
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            blocks = part.get_payload()
            if isinstance(blocks, list):
                view.dsn_blocks = [[(k, clean_text(v, 2000)) for k, v in b.items()] for b in blocks]
        elif ctype == "text/rfc822-headers" and not view.returned_headers:
            view.returned_headers = clean_text(_text_of(part), TEXT_LIMIT)
        elif ctype == "text/plain" and not view.text and part.get_content_disposition() != "attachment":
            view.text = clean_text(_text_of(part), TEXT_LIMIT)
    if not view.text:
        # Only HTML (or nothing readable): show the source as text, never render it.
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                view.text = clean_text(_text_of(part), TEXT_LIMIT)
                break


def inbound_view(*, inbound: InboundMessage) -> InboundView:
    view = InboundView(inbound=inbound)
    try:
        _fill(view, email.message_from_bytes(inbound.raw, policy=email.policy.compat32))
    except Exception as exc:
        view.parse_error = clean_text(f"{type(exc).__name__}: {exc}", 500)
    return view
