"""One parsed returned message and the views every reader needs, computed once."""

from __future__ import annotations

import re

from facturier.returns.classify import mime
from facturier.returns.classify.mime import lazy

# Lines that start the copy of our own message inside a plain-text bounce (Sendmail, Postfix, qmail,
# Exim, Exchange, Domino, Courier, ...). Anything after them is our text, not the MTA's, and must not
# be searched for recipients or reasons.
_ORIGINAL_MARKER = re.compile(
    r"^\s*(?:-{2,}.*(?:original message|returned message|message header|undelivered message|headers? of"
    r"|copy of (?:the|your) message|below this line|message follows|unsent message|original mail).*"
    r"|-+ ?(?:original|returned|undelivered) (?:message|mail).*"
    r"|(?:original|returned|undelivered|unsent) message (?:follows|headers?|below).*"
    r"|-{3,} ?below this line is a copy of the message.*"
    r"|-{5,} ?this is a copy of .*"
    r"|.*(?:message )?headers? follows?\.?"
    r"|\*{3,}.*original message.*"
    r"|content-type: message/rfc822.*"
    r"|return-path: <.*>\s*"
    r"|received: from .*)$",
    re.M,
)


_MARKER_HINT = re.compile(
    r"-{2,}|\*{3,}|original|returned message|undelivered message|unsent message|copy of|below this line"
    r"|follow|content-type: message/rfc822|return-path: <|received: from"
)


_MARKER_SCAN = 30_000


class Parsed:
    """A message and its derived texts. Each view is computed on first use and kept, because several
    readers ask for the same ones (the pipeline stops at the first reader that recognises it)."""

    def __init__(self, raw: bytes) -> None:
        self.msg: mime.Part = mime.parse(raw)

    def header(self, name: str) -> str:
        return mime.header(self.msg, name)

    @lazy
    def subject(self) -> str:
        return self.header("Subject")

    @lazy
    def from_addr(self) -> str:
        return mime.first_address(self.header("From"))

    @lazy
    def from_header(self) -> str:
        return self.header("From")

    @lazy
    def to_addrs(self) -> tuple[str, ...]:
        return mime.address_list(self.header("To"))

    @lazy
    def ctype(self) -> str:
        return self.msg.ctype

    @lazy
    def report_type(self) -> str:
        return self.msg.param("report-type").lower()

    @lazy
    def parts(self) -> list[mime.Part]:
        return list(mime.leaves(self.msg))

    def part_of_type(self, *ctypes: str) -> mime.Part | None:
        for part in self.parts:
            if part.ctype in ctypes:
                return part
        return None

    @lazy
    def body_text(self) -> str:
        """The human-readable text of the message itself (not of attached messages)."""
        texts: list[str] = []
        html: list[str] = []
        for part in self.parts:
            ctype = part.ctype
            if ctype.startswith("multipart/"):
                ctype = "text/plain"  # a multipart whose boundary was never found: read it as text
            if ctype.startswith("text/") and ctype not in ("text/html", "text/rfc822-headers"):
                if part.is_attachment and texts:
                    continue
                texts.append(part.text)
            elif ctype == "text/html":
                html.append(part.text)
        if not texts and html:
            texts = [mime.html_to_text(h) for h in html]
        return "\n".join(texts)

    @lazy
    def body_lower(self) -> str:
        """The start of body_text, A-Z lowered (indexes match body_text): all the searches need."""
        return mime.lower_ascii(self.body_text[:_MARKER_SCAN])

    @lazy
    def bounce_text(self) -> str:
        """body_text cut before the copy of the original message."""
        text = self.body_text
        lowered = self.body_lower
        # A cheap scan for the words first, then the full line test on the lines that have them,
        # each line once. Notices are short: the marker, if any, is in the first _MARKER_SCAN chars.
        checked_to = -1
        for hint in _MARKER_HINT.finditer(lowered, 0, _MARKER_SCAN):
            start = lowered.rfind("\n", 0, hint.start()) + 1
            if start <= checked_to:
                continue
            end = lowered.find("\n", hint.end())
            end = end if end >= 0 else len(lowered)
            checked_to = end
            line = lowered[start:end]
            if start > 0 and line.strip(" -_=*\t") and _ORIGINAL_MARKER.match(line):
                return text[:start]
        return text

    @lazy
    def original_headers(self) -> mime.Part | None:
        """Headers of the returned message (attached message/rfc822 or text/rfc822-headers)."""
        for part in self.parts:
            ctype = part.ctype
            if part.children and ctype.startswith("message/"):
                return part.children[0]
            if ctype in ("text/rfc822-headers", "text/rfc822-header", "message/rfc822-headers"):
                return mime.parse(part.decoded.lstrip())
        return None

    @lazy
    def original_message_id(self) -> str:
        orig = self.original_headers
        if orig is not None:
            ids = mime.message_ids(mime.header(orig, "Message-ID"))
            if ids:
                return ids[0]
        match = _INLINE_MSGID.search(self.body_text[len(self.bounce_text) :]) or _INLINE_MSGID.search(self.body_text)
        return match.group(1) if match else ""

    @lazy
    def original_to(self) -> tuple[str, ...]:
        orig = self.original_headers
        if orig is not None:
            return mime.address_list(mime.header(orig, "To"))
        tail = self.body_text[len(self.bounce_text) :]
        match = _INLINE_TO.search(tail)
        return mime.address_list(match.group(1)) if match else ()

    @lazy
    def original_from(self) -> str:
        orig = self.original_headers
        if orig is not None:
            return mime.first_address(mime.header(orig, "From"))
        match = _INLINE_FROM.search(self.body_text[len(self.bounce_text) :])
        return mime.first_address(match.group(1)) if match else ""


_INLINE_MSGID = re.compile(r"^\s*[Mm]essage-[Ii][Dd]:\s*(<[^<>\s]+>)", re.M)
_INLINE_TO = re.compile(r"^\s*T[Oo]:\s*(.+)$", re.M)
_INLINE_FROM = re.compile(r"^\s*F[Rr][Oo][Mm]:\s*(.+)$", re.M)
