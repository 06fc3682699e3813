"""One parsed returned message and the views every reader needs, computed once."""

from __future__ import annotations

import email
import re
from email.message import Message
from functools import cached_property

from facturier.returns.classify import mime

# Lines that start the copy of our own message inside a plain-text bounce (Sendmail, Postfix, qmail,
# Exim, Exchange, Domino, Courier, ...). Anything after them is our text, not the MTA's, and must not
# be searched for recipients or reasons.
_ORIGINAL_MARKER = re.compile(
    r"^\s*(?:-{2,}.*(?:original message|returned message|message header|undelivered message|headers? of"
    r"|copy of (?:the|your) message|below this line|message follows|unsent message|original mail).*"
    r"|-+ ?(?:original|returned|undelivered) (?:message|mail).*"
    r"|(?:original|returned|undelivered|unsent) message (?:follows|headers?|below).*"
    r"|-{3,} ?Below this line is a copy of the message.*"
    r"|-{5,} ?This is a copy of .*"
    r"|.*message header follows.*"
    r"|\*{3,}.*original message.*"
    r"|Content-Type: message/rfc822.*"
    r"|Return-Path: <.*>\s*"
    r"|Received: from .*)$",
    re.I | re.M,
)


class Parsed:
    def __init__(self, raw: bytes) -> None:
        self.msg: Message = mime.parse(raw)

    def header(self, name: str) -> str:
        return mime.header(self.msg, name)

    @cached_property
    def subject(self) -> str:
        return self.header("Subject")

    @cached_property
    def from_addr(self) -> str:
        return mime.first_address(self.header("From"))

    @cached_property
    def from_header(self) -> str:
        return self.header("From")

    @cached_property
    def to_addrs(self) -> tuple[str, ...]:
        return mime.address_list(self.header("To"))

    @cached_property
    def ctype(self) -> str:
        return mime.content_type(self.msg)

    @cached_property
    def report_type(self) -> str:
        try:
            value = self.msg.get_param("report-type")
        except Exception:
            return ""
        return str(value).lower() if isinstance(value, str) else ""

    @cached_property
    def parts(self) -> list[Message]:
        return list(mime.leaves(self.msg))

    def part_of_type(self, *ctypes: str) -> Message | None:
        for part in self.parts:
            if mime.content_type(part) in ctypes:
                return part
        return None

    @cached_property
    def body_text(self) -> str:
        """The human-readable text of the message itself (not of attached messages)."""
        texts: list[str] = []
        html: list[str] = []
        for part in self.parts:
            ctype = mime.content_type(part)
            if ctype.startswith("text/") and ctype not in ("text/html", "text/rfc822-headers"):
                if _is_attachment(part) and texts:
                    continue
                texts.append(mime.part_text(part))
            elif ctype == "text/html":
                html.append(mime.part_text(part))
        if not texts and html:
            texts = [mime.html_to_text(h) for h in html]
        return "\n".join(texts)

    @cached_property
    def bounce_text(self) -> str:
        """body_text cut before the copy of the original message."""
        text = self.body_text
        match = _ORIGINAL_MARKER.search(text)
        if match and match.start() > 0:
            return text[: match.start()]
        return text

    @cached_property
    def original_headers(self) -> Message | None:
        """Headers of the returned message (attached message/rfc822 or text/rfc822-headers)."""
        for part in mime.leaves(self.msg):
            ctype = mime.content_type(part)
            if ctype in ("message/rfc822", "message/global", "message/rfc822-headers"):
                payload = part.get_payload()
                if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                    return payload[0]
                if isinstance(payload, str):
                    return email.message_from_string(payload)
            if ctype in ("text/rfc822-headers", "text/rfc822-header"):
                return email.message_from_string(mime.part_text(part).lstrip())
        return None

    @cached_property
    def original_message_id(self) -> str:
        orig = self.original_headers
        if orig is not None:
            ids = mime.message_ids(mime.header(orig, "Message-ID"))
            if ids:
                return ids[0]
        match = _INLINE_MSGID.search(self.body_text[len(self.bounce_text) :]) or _INLINE_MSGID.search(self.body_text)
        return match.group(1) if match else ""

    @cached_property
    def original_to(self) -> tuple[str, ...]:
        orig = self.original_headers
        if orig is not None:
            return mime.address_list(mime.header(orig, "To"))
        tail = self.body_text[len(self.bounce_text) :]
        match = _INLINE_TO.search(tail)
        return mime.address_list(match.group(1)) if match else ()

    @cached_property
    def original_from(self) -> str:
        orig = self.original_headers
        if orig is not None:
            return mime.first_address(mime.header(orig, "From"))
        match = _INLINE_FROM.search(self.body_text[len(self.bounce_text) :])
        return mime.first_address(match.group(1)) if match else ""


_INLINE_MSGID = re.compile(r"^\s*Message-Id:\s*(<[^<>\s]+>)", re.I | re.M)
_INLINE_TO = re.compile(r"^\s*To:\s*(.+)$", re.I | re.M)
_INLINE_FROM = re.compile(r"^\s*From:\s*(.+)$", re.I | re.M)


def _is_attachment(part: Message) -> bool:
    try:
        return (part.get("Content-Disposition") or "").lower().startswith("attachment")
    except Exception:
        return False
