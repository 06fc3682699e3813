"""Parsing helpers that never raise: line ends, headers, text parts, addresses.

compat32 is used rather than `policy.default`: returned mail is often broken (bare 8-bit headers,
unterminated encoded words, bogus multipart boundaries) and the modern policy raises on access
where compat32 keeps the raw string. It is also about twice as fast, which matters for the bench.
"""

from __future__ import annotations

import email
import email.header
import email.message
import email.utils
import re
from collections.abc import Iterator
from email.message import Message

_CRLF = re.compile(rb"\r\n?")


def normalise(raw: bytes) -> bytes:
    """CRLF and CR-only line ends become LF, so the three forms of one message classify alike."""
    if b"\r" not in raw:
        return raw
    return _CRLF.sub(b"\n", raw)


def parse(raw: bytes) -> Message:
    return email.message_from_bytes(normalise(raw))


def header(msg: Message, name: str) -> str:
    """One header, RFC 2047-decoded and unfolded; "" when absent or undecodable."""
    try:
        value = msg.get(name)
    except Exception:
        return ""
    if value is None:
        return ""
    return decode_words(str(value))


def decode_words(value: str) -> str:
    if "=?" not in value:
        return " ".join(value.split())
    try:
        decoded = str(email.header.make_header(email.header.decode_header(value)))
    except Exception:
        decoded = value
    return " ".join(decoded.split())


def content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "text/plain"


def part_text(part: Message) -> str:
    """The decoded text of a leaf part; charset errors are replaced, never raised."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if payload is None:
        raw = part.get_payload()
        if isinstance(raw, str):
            return raw
        if isinstance(raw, list):
            return "\n".join(p.as_string() if isinstance(p, Message) else str(p) for p in raw)
        return ""
    if not isinstance(payload, bytes):
        return str(payload)
    charset = "utf-8"
    try:
        charset = part.get_content_charset() or "utf-8"
    except Exception:
        charset = "utf-8"
    return decode_bytes(payload, charset)


def decode_bytes(payload: bytes, charset: str = "utf-8") -> str:
    try:
        return payload.decode(charset)
    except (LookupError, UnicodeDecodeError):
        pass
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("latin-1")


def leaves(msg: Message, *, into_rfc822: bool = False) -> Iterator[Message]:
    """Leaf parts in order; attached messages (message/rfc822) are skipped unless asked for."""
    stack: list[Message] = [msg]
    count = 0
    while stack and count < 200:  # bounded: hostile nesting must not cost more than this
        part = stack.pop(0)
        count += 1
        ctype = content_type(part)
        payload = part.get_payload()
        if part.is_multipart() and isinstance(payload, list):
            if ctype in ("message/rfc822", "message/global") and not into_rfc822:
                yield part
                continue
            if ctype == "message/delivery-status" or ctype == "message/global-delivery-status":
                yield part
                continue
            stack[0:0] = [p for p in payload if isinstance(p, Message)]
            continue
        yield part


_HTML_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S | re.I)
_ENTITIES = {"&nbsp;": " ", "&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"', "&#39;": "'"}


def html_to_text(html: str) -> str:
    text = re.sub(r"<br\s*/?>|</p>|</div>|</tr>|</li>", "\n", html, flags=re.I)
    text = _HTML_TAG.sub(" ", text)
    for entity, char in _ENTITIES.items():
        text = text.replace(entity, char)
    return re.sub(r"[ \t]+", " ", text)


_ADDR = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")


def addresses(text: str) -> list[str]:
    """Every address-looking string in text, lower-cased, in order, without duplicates."""
    seen: dict[str, None] = {}
    for match in _ADDR.finditer(text):
        addr = match.group(0).strip(".-'").lower()
        if "@" in addr and addr not in seen:
            seen[addr] = None
    return list(seen)


def first_address(value: str) -> str:
    if not value:
        return ""
    try:
        _name, addr = email.utils.parseaddr(value)
    except Exception:
        addr = ""
    if "@" not in addr:
        found = addresses(value)
        return found[0] if found else ""
    return addr.strip("<> ").lower()


def address_list(value: str) -> tuple[str, ...]:
    if not value:
        return ()
    try:
        pairs = email.utils.getaddresses([value])
    except Exception:
        return tuple(addresses(value))
    return tuple(a.lower() for _n, a in pairs if "@" in a)


_MSGID = re.compile(r"<[^<>\s]+@[^<>\s]+>|<[^<>\s]+>")


def message_ids(value: str) -> tuple[str, ...]:
    return tuple(_MSGID.findall(value or ""))
