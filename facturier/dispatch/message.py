"""Build the e-mail for one dispatch: templates per language, the PDF attached, our own envelope.

Everything that ends up in a header passes through `header_safe` first: customer names and
invoice numbers come from an ERP, and a CR/LF in them must never start a new header. The email
package refuses such values too (policy.default raises); sanitising first means a dirty name
degrades to a space instead of stopping the send.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses

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
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = _address(settings.FACTURIER_FROM)
    msg["To"] = _address(dispatch.recipient, display_name=customer.name)
    if settings.FACTURIER_REPLY_TO:
        msg["Reply-To"] = _address(settings.FACTURIER_REPLY_TO)
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = message_id
    # Correlation even when a bounce lost the VERP address (some MTAs bounce to From:).
    msg["X-Facturier-Dispatch"] = dispatch.token
    # No "Auto-Submitted: auto-generated": RFC 3834 responders would then stay silent, and an
    # out-of-office reply is evidence we want (the mailbox exists and is read).
    msg.set_content(text, cte="quoted-printable")
    msg.add_alternative(html, subtype="html", cte="quoted-printable")
    # The policy encodes a non-ASCII filename as RFC 2231 (filename*=utf-8''...).
    msg.add_attachment(b"", maintype="application", subtype="pdf", filename=attachment_filename(invoice.number))
    return OutboundMessage(
        data=_with_pdf(msg, pdf, marker=f"@@facturier-pdf-{dispatch.token}@@"),
        envelope_from=verp_address(dispatch.token),
        recipient=_address(dispatch.recipient).addr_spec,
        message_id=message_id,
        token=dispatch.token,
        subject=subject,
    )
