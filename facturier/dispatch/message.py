"""Build the e-mail for one dispatch: templates per language, the PDF attached, our own envelope.

Everything that ends up in a header passes through `header_safe` first: customer names and
invoice numbers come from an ERP, and a CR/LF in them must never start a new header. The email
package refuses such values too (policy.default raises); sanitising first means a dirty name
degrades to a space instead of stopping the send.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import encode_rfc2231, format_datetime, formataddr, getaddresses

from django.conf import settings
from django.template.loader import select_template
from django.utils import timezone, translation

from facturier.dispatch.models import Dispatch

LANGUAGES = ("fr", "en", "de")
FALLBACK_LANGUAGE = "fr"
# Control characters (CR, LF, NUL, ...) and the Unicode line/paragraph separators.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]+")
_FILENAME_UNSAFE = re.compile(r"[\\/:*?\"<>|\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class OutboundMessage:
    """One rendered message and its envelope: what the transport needs, and nothing else."""

    data: bytes  # the message as it goes on the wire: CRLF line ends, 7-bit
    envelope_from: str  # VERP address bounces+TOKEN@domain
    recipient: str
    message_id: str
    token: str
    subject: str


def header_safe(value: str) -> str:
    """Fold every control character (CR/LF included) into one space, so no value adds a header."""
    return _UNSAFE.sub(" ", value).strip()


def verp_address(token: str) -> str:
    """bounces@domain + token -> bounces+token@domain: a bounce names its dispatch."""
    local, _, domain = settings.FACTURIER_RETURN_PATH.rpartition("@")
    return f"{local}+{token}@{domain}"


def message_id_for(token: str) -> str:
    """A Message-ID under our domain, derived from the token so every retry carries the same one."""
    return f"<{token}@{settings.FACTURIER_MESSAGE_ID_DOMAIN}>"


def attachment_filename(number: str) -> str:
    return _FILENAME_UNSAFE.sub("_", header_safe(number)) + ".pdf"


def _render(name: str, language: str, context: dict[str, object]) -> str:
    lang = language if language in LANGUAGES else FALLBACK_LANGUAGE
    template = select_template(
        [f"dispatch/email/invoice.{lang}.{name}", f"dispatch/email/invoice.{FALLBACK_LANGUAGE}.{name}"]
    )
    with translation.override(lang):
        return template.render(context)


def check_sender_settings() -> None:
    """Raise ValueError when FACTURIER_FROM, _REPLY_TO or _RETURN_PATH cannot be used (checked at start)."""
    _address(settings.FACTURIER_FROM)
    if settings.FACTURIER_REPLY_TO:
        _address(settings.FACTURIER_REPLY_TO)
    local, _, domain = settings.FACTURIER_RETURN_PATH.rpartition("@")
    if not local or not domain or "+" in local:
        raise ValueError(f"FACTURIER_RETURN_PATH={settings.FACTURIER_RETURN_PATH!r}: expected bounces@domain")


def _address(value: str, *, display_name: str = "") -> Address:
    """Parse 'Name <a@b>' (or a bare address) into an Address whose parts are header-safe."""
    found = getaddresses([header_safe(value)])
    if len(found) != 1 or "@" not in found[0][1]:
        raise ValueError(f"not one e-mail address: {value!r}")
    [(name, addr)] = found
    return Address(display_name=header_safe(display_name or name), addr_spec=addr)


def _with_pdf(msg: EmailMessage, pdf: bytes, *, marker: str) -> bytes:
    """Serialise msg with the PDF as the body of its (empty) attachment part.

    The email package base64-encodes and writes a body line by line in Python: for a 60 KB PDF
    that was most of the build time. Here the package still lays out every header and boundary;
    only the body bytes are produced by binascii (same 76-character lines) and put in place of a
    marker that cannot occur elsewhere (it holds the dispatch's random token).
    """
    attachment = next(msg.iter_attachments())
    attachment.set_payload(marker)
    head = msg.as_bytes(policy=SMTP)
    body = base64.encodebytes(pdf).rstrip(b"\n").replace(b"\n", b"\r\n")
    before, found, after = head.partition(marker.encode())
    if not found or marker.encode() in after:
        raise ValueError("attachment marker not found exactly once")
    return before + body + after


def build_message(dispatch: Dispatch, *, pdf: bytes | None = None) -> OutboundMessage:
    """Render the invoice e-mail for a dispatch (invoice and customer loaded with it)."""
    invoice = dispatch.invoice
    customer = invoice.customer
    company = settings.FACTURIER_COMPANY_NAME
    context: dict[str, object] = {"invoice": invoice, "customer": customer, "company": company}
    subject = header_safe(_render("subject.txt", customer.language, context))
    text = _render("txt", customer.language, context)
    html = _render("html", customer.language, context)
    if pdf is None:
        with invoice.pdf.open("rb") as f:
            pdf = f.read()
    message_id = dispatch.message_id or message_id_for(dispatch.token)
    parts = _Parts(
        subject=subject,
        sender=_address(settings.FACTURIER_FROM),
        to=_address(dispatch.recipient, display_name=customer.name),
        reply_to=_address(settings.FACTURIER_REPLY_TO) if settings.FACTURIER_REPLY_TO else None,
        message_id=message_id,
        token=dispatch.token,
        text=text,
        html=html,
        filename=attachment_filename(invoice.number),
    )
    data = _write_direct(parts, pdf)
    if data is None:  # something the direct writer does not handle: the email package does it all
        data = _write_with_email_package(parts, pdf)
    return OutboundMessage(
        data=data,
        envelope_from=verp_address(dispatch.token),
        recipient=parts.to.addr_spec,
        message_id=message_id,
        token=dispatch.token,
        subject=subject,
    )


@dataclass(frozen=True)
class _Parts:
    subject: str
    sender: Address
    to: Address
    reply_to: Address | None
    message_id: str
    token: str
    text: str
    html: str
    filename: str


def _write_with_email_package(p: _Parts, pdf: bytes) -> bytes:
    msg = EmailMessage()
    msg["Subject"] = p.subject
    msg["From"] = p.sender
    msg["To"] = p.to
    if p.reply_to is not None:
        msg["Reply-To"] = p.reply_to
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = p.message_id
    # Correlation even when a bounce lost the VERP address (some MTAs bounce to From:).
    msg["X-Facturier-Dispatch"] = p.token
    # No "Auto-Submitted: auto-generated": RFC 3834 responders would then stay silent, and an
    # out-of-office reply is evidence we want (the mailbox exists and is read).
    msg.set_content(p.text, cte="quoted-printable")
    msg.add_alternative(p.html, subtype="html", cte="quoted-printable")
    # The policy encodes a non-ASCII filename as RFC 2231 (filename*=utf-8''...).
    msg.add_attachment(b"", maintype="application", subtype="pdf", filename=p.filename)
    return _with_pdf(msg, pdf, marker=f"@@facturier-pdf-{p.token}@@")


# --- Direct writer --------------------------------------------------------------------------------
# The email package parses back every header it is given and refolds it on output: for our fixed
# structure that was ~85 % of the build time (~8 ms a message). The message always has the same
# shape, so it is written directly: the same headers, the same MIME tree (mixed: alternative
# (plain, html), pdf), quoted-printable bodies, 76-character base64 lines, CRLF. Encoding is left
# to the standard library (email.header for RFC 2047 words, formataddr, encode_rfc2231,
# binascii for QP and base64); anything unusual (a non-ASCII address, an over-long filename)
# goes to the email package instead. test_message.py parses both outputs back.

_MAX_LINE = 998  # RFC 5322: a line longer than this is refused by relays


def _header(name: str, value: str) -> str:
    """An unstructured header (Subject): ASCII as is when it fits, else RFC 2047 words, folded."""
    if value.isascii() and len(name) + 2 + len(value) <= 78:
        return f"{name}: {value}"
    charset = "us-ascii" if value.isascii() else "utf-8"
    return f"{name}: " + Header(value, charset, header_name=name).encode(linesep="\r\n")


def _addr(name: str, address: Address) -> str | None:
    addr = address.addr_spec
    if not addr.isascii():
        return None  # SMTPUTF8 or IDNA questions: the email package decides
    display = address.display_name
    if not display or display.isascii():
        return f"{name}: {formataddr((display, addr))}"
    words = Header(display, "utf-8", header_name=name).encode(linesep="\r\n")
    return f"{name}: {words} <{addr}>"


def _qp(text: str) -> bytes:
    body = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    return binascii.b2a_qp(body, istext=True).replace(b"\n", b"\r\n")


def _base64_lines(data: bytes) -> bytes:
    """base64 in 76-character lines joined by CRLF (as encodebytes, in one C call plus slicing)."""
    encoded = base64.b64encode(data)
    return b"\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))


def _write_direct(p: _Parts, pdf: bytes) -> bytes | None:
    if p.filename.isascii():
        disposition = f'attachment; filename="{p.filename}"'
    else:
        disposition = f"attachment; filename*={encode_rfc2231(p.filename, 'utf-8')}"
    addresses = [_addr("From", p.sender), _addr("To", p.to)]
    if p.reply_to is not None:
        addresses.append(_addr("Reply-To", p.reply_to))
    if None in addresses or len(disposition) > 900:
        return None
    # "=_" cannot occur in quoted-printable or base64 text, and the token makes it unique.
    outer, inner = f"=_fx_{p.token}_m", f"=_fx_{p.token}_a"
    head = [
        _header("Subject", p.subject),
        *[a for a in addresses if a is not None],
        f"Date: {format_datetime(timezone.now())}",
        f"Message-ID: {p.message_id}",
        f"X-Facturier-Dispatch: {p.token}",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/mixed; boundary="{outer}"',
        "",
        f"--{outer}",
        f'Content-Type: multipart/alternative; boundary="{inner}"',
        "",
        f"--{inner}",
        'Content-Type: text/plain; charset="utf-8"',
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "",
    ]
    if any(len(line) > _MAX_LINE for h in head for line in h.split("\r\n")):
        return None
    middle = "\r\n".join(
        [
            "",
            f"--{inner}",
            'Content-Type: text/html; charset="utf-8"',
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "",
        ]
    )
    tail = "\r\n".join(
        [
            "",
            f"--{inner}--",
            "",
            f"--{outer}",
            "Content-Type: application/pdf",
            "Content-Transfer-Encoding: base64",
            f"Content-Disposition: {disposition}",
            "",
            "",
        ]
    )
    return b"".join(
        [
            "\r\n".join(head).encode("ascii"),
            _qp(p.text),
            middle.encode("ascii"),
            _qp(p.html),
            tail.encode("ascii"),
            _base64_lines(pdf),
            f"\r\n--{outer}--\r\n".encode("ascii"),
        ]
    )
