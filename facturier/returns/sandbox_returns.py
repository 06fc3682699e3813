"""Returns the sandbox relay makes up for reserved test domains, so the whole return path can be
tried without a real MTA. They go through the same ingestion as real mail (source="sandbox").

| recipient domain     | what comes back                                                   |
|----------------------|-------------------------------------------------------------------|
| bounce.sandbox.test  | DSN failed 5.1.1 (user unknown): hard bounce                      |
| full.sandbox.test    | DSN failed 5.2.2 (mailbox full): soft bounce                      |
| ooo.sandbox.test     | RFC 3834 out-of-office, in French, English or German (local part  |
|                      | starting with fr/en/de, else the customer's language)             |
| delay.sandbox.test   | DSN delayed 4.4.1, then DSN delivered                             |
| reply.sandbox.test   | a person's reply (In-Reply-To our Message-ID)                     |
| anything else        | DSN delivered, when NOTIFY asked for SUCCESS                      |

DSNs follow RFC 3464 (multipart/report, message/delivery-status with Original-Envelope-Id from the
ENVID, text/rfc822-headers) and go to the VERP return path, as a real MTA's would.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

DOMAINS = ("bounce.sandbox.test", "full.sandbox.test", "ooo.sandbox.test", "delay.sandbox.test", "reply.sandbox.test")
# Seconds before a made-up return is ingested: after the worker has recorded "accepted", as with a real MTA.
DELAY_SECONDS = 1.0
REPORTING_MTA = "sandbox.facturier.test"
RETRIES = 5
REPLY_TEXT = (
    "Bonjour,\r\n\r\nMerci pour la facture. Pouvez-vous indiquer notre numéro de commande ?\r\n\r\nCordialement"
)


@dataclass(frozen=True)
class MadeUpReturn:
    raw: bytes
    envelope_to: str
    after: float  # seconds after the original was received


def _xtext_decode(value: str) -> str:
    """RFC 3461 xtext: "+HH" stands for the byte HH."""
    return re.sub(r"\+([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), value)


def _option(options: list[str], name: str) -> str:
    for opt in options:
        key, _, value = str(opt).partition("=")
        if key.upper() == name:
            return value
    return ""


def _original_headers(raw: bytes) -> bytes:
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    return head.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _header(raw: bytes, name: str) -> str:
    from email.parser import BytesHeaderParser
    from email.policy import default

    return str(BytesHeaderParser(policy=default).parsebytes(raw).get(name, "") or "")


def _dsn(
    *, return_path: str, rcpt: str, envid: str, original: bytes, action: str, status: str, diagnostic: str
) -> bytes:
    boundary = f"sandbox-{secrets.token_hex(8)}"
    now = email.utils.format_datetime(dt.datetime.now(dt.UTC))
    subject = {
        "failed": "Undelivered Mail Returned to Sender",
        "delayed": "Delayed Mail (still being retried)",
        "delivered": "Successful Mail Delivery Report",
    }[action]
    explanation = {
        "failed": f"Your message could not be delivered to <{rcpt}>.\r\n\r\n{diagnostic}",
        "delayed": f"Your message to <{rcpt}> has not been delivered yet; the system will keep trying.",
        "delivered": f"Your message was delivered to <{rcpt}>.",
    }[action]
    per_message = f"Reporting-MTA: dns; {REPORTING_MTA}\r\n" + (f"Original-Envelope-Id: {envid}\r\n" if envid else "")
    per_rcpt = (
        f"Final-Recipient: rfc822; {rcpt}\r\nOriginal-Recipient: rfc822;{rcpt}\r\n"
        f"Action: {action}\r\nStatus: {status}\r\n"
        + (
            f"Remote-MTA: dns; mx.{rcpt.rpartition('@')[2]}\r\nDiagnostic-Code: smtp; {diagnostic}\r\n"
            if diagnostic
            else ""
        )
        + (
            f"Will-Retry-Until: {email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(days=5))}\r\n"
            if action == "delayed"
            else ""
        )
    )
    text = (
        f"From: Mail Delivery System <MAILER-DAEMON@{REPORTING_MTA}>\r\n"
        f"To: {return_path}\r\nSubject: {subject}\r\nDate: {now}\r\n"
        f"Message-ID: <{secrets.token_hex(12)}@{REPORTING_MTA}>\r\n"
        "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n\r\n'
        f"This is a MIME-encapsulated message.\r\n\r\n--{boundary}\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        f"This is the mail system at host {REPORTING_MTA}.\r\n\r\n{explanation}\r\n\r\n"
        f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n{per_message}\r\n{per_rcpt}\r\n"
        f"--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n"
    )
    return text.encode() + _original_headers(original) + f"\r\n\r\n--{boundary}--\r\n".encode()


_OOO = {
    "fr": (
        "Absence du bureau",
        "Bonjour,\r\n\r\nJe suis absent(e) jusqu'au {d:%d/%m/%Y} inclus et n'ai pas accès à mes e-mails.\r\n"
        "Je vous répondrai dès mon retour le {back:%d/%m/%Y}.\r\n\r\nCordialement",
    ),
    "en": (
        "Out of office",
        "Hello,\r\n\r\nI am out of the office until {d:%d %B %Y} with no access to e-mail.\r\n"
        "I will be back on {back:%Y-%m-%d} and will answer then.\r\n\r\nBest regards",
    ),
    "de": (
        "Abwesenheitsnotiz",
        "Guten Tag,\r\n\r\nich bin bis einschließlich {d:%d.%m.%Y} nicht im Büro.\r\n"
        "Ab dem {back:%d.%m.%Y} bin ich wieder erreichbar.\r\n\r\nMit freundlichen Grüßen",
    ),
}


def _language(rcpt: str, return_path: str) -> str:
    local = rcpt.partition("@")[0].lower()
    for lang in _OOO:
        if local.startswith(lang):
            return lang
    try:  # the customer's language, when the VERP token names a dispatch
        from facturier.dispatch.models import Dispatch
        from facturier.returns.correlate import verp_token

        token = verp_token([return_path])
        dispatch = Dispatch.objects.select_related("invoice__customer").filter(token=token).first() if token else None
        if dispatch is not None and dispatch.invoice.customer.language in _OOO:
            return str(dispatch.invoice.customer.language)
    except Exception:
        log.debug("sandbox: no customer language", exc_info=True)
    return "fr"


def _personal(*, rcpt: str, to: str, original: bytes, subject: str, body: str, auto: bool) -> bytes:
    from email.message import EmailMessage
    from email.policy import SMTP

    msg = EmailMessage(policy=SMTP)
    msg["From"] = rcpt
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(dt.datetime.now(dt.UTC))
    msg["Message-ID"] = email.utils.make_msgid(domain=rcpt.rpartition("@")[2] or "sandbox.test")
    original_id = _header(original, "Message-ID")
    if original_id:
        msg["In-Reply-To"] = original_id
        msg["References"] = original_id
    if auto:
        msg["Auto-Submitted"] = "auto-replied"  # RFC 3834
        msg["X-Autoreply"] = "yes"
    msg.set_content(body)
    return msg.as_bytes()


def made_up_returns(meta: dict[str, Any], raw: bytes, *, today: dt.date | None = None) -> Iterator[MadeUpReturn]:
    """What the reserved domains send back for one message the sandbox received (pure but for the
    customer's language lookup)."""
    return_path = str(meta.get("mail_from") or "")
    if not return_path:
        return  # a null sender: nothing may ever be returned to it (RFC 5321 §4.5.5)
    envid = _xtext_decode(_option(list(meta.get("mail_options") or []), "ENVID"))
    notify = _option(list(meta.get("rcpt_options") or []), "NOTIFY").upper()
    subject = _header(raw, "Subject")
    today = today or dt.datetime.now(dt.UTC).date()
    for rcpt in meta.get("rcpt_tos") or []:
        domain = str(rcpt).rpartition("@")[2].lower()
        dsn = {"return_path": return_path, "rcpt": rcpt, "envid": envid, "original": raw}
        if domain == "bounce.sandbox.test":
            diag = f"550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table"
            yield MadeUpReturn(
                _dsn(**dsn, action="failed", status="5.1.1", diagnostic=diag), return_path, DELAY_SECONDS
            )
        elif domain == "full.sandbox.test":
            diag = f"552 5.2.2 <{rcpt}>: Mailbox full, quota exceeded"
            yield MadeUpReturn(
                _dsn(**dsn, action="failed", status="5.2.2", diagnostic=diag), return_path, DELAY_SECONDS
            )
        elif domain == "ooo.sandbox.test":
            lang = _language(rcpt, return_path)
            title, body = _OOO[lang]
            until = today + dt.timedelta(days=6)
            text = body.format(d=until, back=until + dt.timedelta(days=1))
            to = _header(raw, "Reply-To") or _header(raw, "From") or return_path
            data = _personal(rcpt=rcpt, to=to, original=raw, subject=f"{title}: {subject}", body=text, auto=True)
            yield MadeUpReturn(data, return_path, DELAY_SECONDS)
        elif domain == "delay.sandbox.test":
            diag = f"421 4.4.1 <{rcpt}>: connection timed out"
            yield MadeUpReturn(
                _dsn(**dsn, action="delayed", status="4.4.1", diagnostic=diag), return_path, DELAY_SECONDS
            )
            yield MadeUpReturn(
                _dsn(**dsn, action="delivered", status="2.0.0", diagnostic=""), return_path, 3 * DELAY_SECONDS
            )
        elif domain == "reply.sandbox.test":
            to = _header(raw, "Reply-To") or _header(raw, "From") or return_path
            body = REPLY_TEXT
            data = _personal(rcpt=rcpt, to=to, original=raw, subject=f"Re: {subject}", body=body, auto=False)
            yield MadeUpReturn(data, return_path, DELAY_SECONDS)
        elif "SUCCESS" in notify:
            yield MadeUpReturn(
                _dsn(**dsn, action="delivered", status="2.0.0", diagnostic=""), return_path, DELAY_SECONDS
            )


def _deliver_all(meta: dict[str, Any], raw: bytes) -> None:
    from django.db import close_old_connections

    start = time.monotonic()
    close_old_connections()
    try:
        for made in sorted(made_up_returns(meta, raw), key=lambda m: m.after):
            time.sleep(max(0.0, start + made.after - time.monotonic()))
            _ingest_with_retries(made)
    finally:
        close_old_connections()


def _ingest_with_retries(made: MadeUpReturn) -> None:
    from facturier.returns.ingest import TemporaryStoreError, ingest

    # As an MTA would: a temporary failure (database busy) is retried, not dropped.
    for attempt in range(RETRIES):
        try:
            ingest(raw=made.raw, source="sandbox", envelope_to=made.envelope_to)
            return
        except TemporaryStoreError:
            time.sleep(0.5 * (attempt + 1))
        except Exception:
            log.exception("sandbox return could not be ingested")
            return
    log.error("sandbox return dropped after %d tries (database unavailable)", RETRIES)


def sandbox_hook(meta: dict[str, Any], raw: bytes) -> None:
    """SANDBOX_HOOKS entry. Runs in the relay's event loop, so the work goes to a thread (Django
    refuses ORM calls from async code, and a return should come after the 250 anyway)."""
    threading.Thread(target=_deliver_all, args=(meta, raw), name="sandbox-returns", daemon=True).start()


def install() -> None:
    """Register the hook with the sandbox relay (idempotent)."""
    from facturier.dispatch.sandbox import SANDBOX_HOOKS

    if sandbox_hook not in SANDBOX_HOOKS:
        SANDBOX_HOOKS.append(sandbox_hook)
