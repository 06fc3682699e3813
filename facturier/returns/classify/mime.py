"""A small, tolerant MIME reader, and helpers for headers, text and addresses. Never raises.

Why not `email.message_from_bytes`: the standard parser spent most of the classifier's time in
its feed parser (about 1.5 ms for a typical bounce), building objects the classifier never uses.
Returned mail needs much less: headers, the multipart tree, and the decoded text of a few parts.
This reader splits on boundaries with bytes operations and decodes lazily; RFC 2047 words are
still decoded by `email.header`. It follows RFC 2045/2046 where real bounces do, and is lenient
where they do not (no closing boundary, LF or CRLF, broken base64, unknown charsets).
"""

from __future__ import annotations

import binascii
import email.header
import re
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")


class lazy(Generic[T]):
    """functools.cached_property without its per-access lock (Python 3.11 takes an RLock on every
    first access): computed once, then found in the instance dict, which a non-data descriptor
    lets win. A Parsed message lives in one thread."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__

    @overload
    def __get__(self, obj: None, cls: type | None = None) -> lazy[T]: ...
    @overload
    def __get__(self, obj: object, cls: type | None = None) -> T: ...
    def __get__(self, obj: object | None, cls: type | None = None) -> T | lazy[T]:
        if obj is None:
            return self
        value = self.func(obj)
        obj.__dict__[self.name] = value
        return value


_CRLF = re.compile(rb"\r\n?")
_PARAM = re.compile(r';\s*([\w.*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))')
MAX_DEPTH = 12  # hostile nesting costs at most this deep
MAX_PARTS = 200


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def lower_ascii(text: str) -> str:
    """Lower-cased with every index kept, so positions found in the lowered text can cut the
    original. Patterns matched against it are compiled without re.I (faster).

    str.lower() is used when it keeps the length (nearly always: it is much faster than translate
    on non-ASCII text); a few characters lower to two ("İ"), and then only A-Z are lowered."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)


def normalise(raw: bytes) -> bytes:
    """CRLF and CR-only line ends become LF, so the three forms of one message classify alike."""
    if b"\r" not in raw:
        return raw
    return _CRLF.sub(b"\n", raw)


class Part:
    """One MIME entity: its headers, its raw body, and its children when multipart or message/*."""

    __slots__ = ("__dict__", "body", "children", "headers")

    def __init__(self, headers: list[tuple[str, str]], body: bytes) -> None:
        self.headers = headers
        self.body = body
        self.children: list[Part] = []

    def get(self, name: str) -> str | None:
        """The first header of that name (lower-case names are the fast path)."""
        return self._index.get(name) or self._index.get(name.lower())

    @lazy
    def _index(self) -> dict[str, str]:
        index: dict[str, str] = {}
        for key, value in self.headers:
            index.setdefault(key, value)
        return index

    @lazy
    def ctype(self) -> str:
        main = (self.get("content-type") or "").split(";", 1)[0].strip().lower()
        return main if "/" in main else "text/plain"  # RFC 2045 §5.2 default, also for garbage

    @lazy
    def _params(self) -> dict[str, str]:
        value = self.get("content-type") or ""
        return {
            m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3) for m in _PARAM.finditer(value)
        }

    def param(self, name: str) -> str:
        return self._params.get(name, "")

    @property
    def is_attachment(self) -> bool:
        return (self.get("content-disposition") or "").lower().startswith("attachment")

    @lazy
    def text(self) -> str:
        """The decoded body of a leaf; charset and transfer-encoding errors are replaced."""
        return decode_bytes(self.decoded, self.param("charset") or "utf-8")

    @property
    def decoded(self) -> bytes:
        encoding = (self.get("content-transfer-encoding") or "").strip().lower()
        if encoding == "base64":
            return _b64(self.body)
        if encoding == "quoted-printable":
            try:
                return binascii.a2b_qp(self.body)
            except (binascii.Error, ValueError):
                return self.body
        return self.body


def _b64(data: bytes) -> bytes:
    cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    cleaned = cleaned[: len(cleaned) // 4 * 4 + (4 if len(cleaned) % 4 > 1 else 0)]
    cleaned += b"=" * (-len(cleaned) % 4)
    try:
        return binascii.a2b_base64(cleaned)
    except (binascii.Error, ValueError):
        return b""


def parse(raw: bytes) -> Part:
    counter = [0]
    return _parse(normalise(raw), 0, counter)


def _parse(data: bytes, depth: int, counter: list[int]) -> Part:
    counter[0] += 1
    headers, body = _split_headers(data)
    part = Part(headers, body)
    if depth >= MAX_DEPTH or counter[0] > MAX_PARTS:
        return part
    ctype = part.ctype
    if ctype.startswith("multipart/"):
        chunks = _split_multipart(body, part.param("boundary")) if part.param("boundary") else []
        if not chunks:
            # The declared boundary is missing or never used (anonymised samples, broken folding
            # of the Content-Type header): take the delimiter the body itself repeats.
            found = _guess_boundary(body)
            chunks = _split_multipart(body, found) if found else []
        part.children = [_parse(chunk, depth + 1, counter) for chunk in chunks]
    elif ctype in ("message/rfc822", "message/global") and body.strip():
        encoding = (part.get("content-transfer-encoding") or "").strip().lower()
        inner = part.decoded if encoding in ("base64", "quoted-printable") else body
        # Our own returned message: only its headers are ever read (Message-ID, To, From), so its
        # body is kept raw instead of being split into parts.
        headers, inner_body = _split_headers(inner.lstrip(b"\n"))
        part.children = [Part(headers, inner_body)]
    return part


_FOLD = re.compile(r"\n(?![ \t])")  # a newline that does not continue a folded header


def _split_headers(data: bytes) -> tuple[list[tuple[str, str]], bytes]:
    if data.startswith(b"From ") and b"\n" in data:
        data = data.split(b"\n", 1)[1]  # an mbox envelope line, not a header
    end = data.find(b"\n\n")
    block, body = (data, b"") if end < 0 else (data[:end], data[end + 2 :])
    headers: list[tuple[str, str]] = []
    # One unit per logical header (a line and its folded continuation lines, RFC 5322 §2.2.3):
    # splitting at unfolded newlines keeps the Python loop to one turn per header.
    units = _FOLD.split(_text(block))
    for index, unit in enumerate(units):
        name, sep, value = unit.partition(":")
        name = name.rstrip()  # obsolete syntax allows blanks before the colon (RFC 5322 §4.5)
        if not sep or not name or " " in name or "\t" in name or "\n" in name:
            # Not a header: the header block ended without a blank line (RFC 5322 §2.1 is broken
            # by some MTAs); what follows is body, as the standard parser also decides.
            rest = "\n".join(units[index:]).encode("utf-8", "surrogateescape")
            body = rest + (b"\n\n" + body if end >= 0 else b"")
            break
        headers.append((name.lower(), value.strip()))
    return headers, body


def _text(line: bytes) -> str:
    # surrogateescape: undecodable 8-bit header bytes survive a round trip back to bytes.
    return line.decode("utf-8", "surrogateescape")


def _split_multipart(body: bytes, boundary: str) -> list[bytes]:
    delimiter = b"\n--" + boundary.encode("utf-8", "replace")
    chunks = (b"\n" + body).split(delimiter)
    parts: list[bytes] = []
    for chunk in chunks[1:]:
        newline = chunk.find(b"\n")
        rest_of_line = chunk[:newline] if newline >= 0 else chunk
        if rest_of_line.strip() and not rest_of_line.startswith(b"--"):
            # Not a delimiter (RFC 2046 §5.1.1): a line that merely starts with ours, such as a
            # longer boundary of a nested part. It belongs to the part being read.
            if parts:
                parts[-1] += delimiter + chunk
            continue
        if rest_of_line.startswith(b"--"):
            break  # close delimiter: the epilogue follows
        if newline >= 0:
            parts.append(chunk[newline + 1 :])
    return parts


_DELIMITER = re.compile(rb"^--([^\s]{6,200}?)(?:--)?[ \t]*$", re.M)


def _guess_boundary(body: bytes) -> str:
    seen: set[bytes] = set()
    for match in _DELIMITER.finditer(body, 0, 200_000):
        candidate = match.group(1)
        if candidate in seen:
            return candidate.decode("utf-8", "replace")
        seen.add(candidate)
    return ""


def leaves(msg: Part) -> Iterator[Part]:
    """Leaf parts in order; an attached message (message/rfc822) is yielded whole, not entered."""
    stack: list[Part] = [msg]
    while stack:
        part = stack.pop(0)
        if part.children:
            if part.ctype.startswith("message/"):
                yield part
                continue
            stack[0:0] = part.children
            continue
        yield part


def header(msg: Part, name: str) -> str:
    """One header, RFC 2047-decoded and unfolded; "" when absent."""
    value = msg.get(name)
    return decode_words(value) if value else ""


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")


def decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded, whitespace collapsed.

    A direct decoder: `email.header.make_header` costs about 100 µs a header, which mattered with
    Japanese and French subjects. Adjacent words in one charset are joined before decoding (§6.2),
    because a multi-byte character or an ISO-2022-JP escape sequence may span two words."""
    if "=?" not in value:
        return " ".join(value.split())
    try:
        decoded = _decode_encoded_words(value)
    except Exception:
        try:
            decoded = str(email.header.make_header(email.header.decode_header(value)))
        except Exception:
            decoded = value
    return " ".join(decoded.split())


def _decode_encoded_words(value: str) -> str:
    out: list[str] = []
    run_charset, run = "", bytearray()
    pos = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[pos : match.start()]
        if between.strip() or not run:
            # Text between encoded words is kept unless it is only whitespace (§6.2).
            if run:
                out.append(decode_bytes(bytes(run), run_charset))
                run = bytearray()
            out.append(between)
        charset, encoding, text = match.groups()
        charset = charset.split("*", 1)[0].lower()  # RFC 2231 language suffix
        data = text.encode("ascii", "replace")
        chunk = _b64(data) if encoding in "bB" else binascii.a2b_qp(data, header=True)
        if run and charset != run_charset:
            out.append(decode_bytes(bytes(run), run_charset))
            run = bytearray()
        run_charset = charset
        run += chunk
        pos = match.end()
    if run:
        out.append(decode_bytes(bytes(run), run_charset))
    out.append(value[pos:])
    return "".join(out)


def decode_bytes(payload: bytes, charset: str = "utf-8") -> str:
    try:
        return payload.decode(charset)
    except (LookupError, UnicodeError, ValueError):
        pass  # unknown or malformed charset names ("\x80s-ascii", NULs) as well as bad bytes
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("latin-1")


_HTML_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S | re.I)
_HTML_BREAK = re.compile(r"<br\s*/?>|</p>|</div>|</tr>|</li>", re.I)
_ENTITIES = {"&nbsp;": " ", "&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"', "&#39;": "'"}


def html_to_text(html: str) -> str:
    text = _HTML_TAG.sub(" ", _HTML_BREAK.sub("\n", html))
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


_ANGLE = re.compile(r"<([^<>@\s]+@[^<>\s]+)>")


def first_address(value: str) -> str:
    """The address in a From-like value: the <bracketed> one if any, else the first one seen."""
    if not value:
        return ""
    match = _ANGLE.search(value)
    if match:
        return match.group(1).strip().lower()
    found = addresses(value)
    return found[0] if found else ""


def address_list(value: str) -> tuple[str, ...]:
    """Addresses of a To-like value, in order. Display names may hold commas, so the <bracketed>
    form is preferred, as `email.utils.getaddresses` does."""
    if not value:
        return ()
    bracketed = [m.lower() for m in _ANGLE.findall(value)]
    rest = _ANGLE.sub(" ", value)
    quoted_names_removed = re.sub(r'"[^"]*"', " ", rest)
    return tuple(dict.fromkeys(bracketed + addresses(quoted_names_removed)))


_MSGID = re.compile(r"<[^<>\s]+@[^<>\s]+>|<[^<>\s]+>")


def message_ids(value: str) -> tuple[str, ...]:
    return tuple(_MSGID.findall(value or ""))
