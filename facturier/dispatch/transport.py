"""Our own small SMTP transport on smtplib.

Django's mail backend cannot pass the DSN parameters (RET, ENVID, NOTIFY, ORCPT) nor tell at which
step a refusal came, and the exact reply is our evidence. So the transaction is done step by step
(MAIL, RCPT, DATA) on one connection kept open across messages.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from urllib.parse import unquote, urlsplit

from django.conf import settings

_LEADING_DOT = re.compile(rb"(?m)^\.")
SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class SmtpUrlError(ValueError):
    """SMTP_URL is not something we can connect to."""


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    TEMP_FAIL = "temp_fail"  # 4xx, connection error, timeout: try again later
    PERM_FAIL = "perm_fail"  # 5xx: the relay refused for good


@dataclass(frozen=True)
class SmtpEndpoint:
    scheme: str
    host: str
    port: int
    username: str = ""
    password: str = ""

    @property
    def display(self) -> str:
        """Where we send, without the credentials (goes into the evidence)."""
        return f"{self.scheme}://{self.host}:{self.port}"


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    code: int | None  # None when no SMTP reply came (connection refused, timeout, ...)
    reply: str  # the server's reply text, or the error
    step: str  # connect, mail, rcpt, data: where it ended
    server: str
    dsn_requested: bool = False


def parse_smtp_url(url: str) -> SmtpEndpoint:
    """smtp://user:pass@host:port, smtp+starttls://..., smtps://... (user and port optional)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise SmtpUrlError(f"SMTP_URL scheme {parts.scheme!r} not supported; use one of {', '.join(SCHEMES)}")
    if not parts.hostname:
        raise SmtpUrlError(f"SMTP_URL {url!r} has no host")
    try:
        port = parts.port or SCHEMES[scheme]
    except ValueError:
        raise SmtpUrlError(f"SMTP_URL {url!r} has an invalid port") from None
    return SmtpEndpoint(
        scheme=scheme,
        host=parts.hostname,
        port=port,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


def xtext(value: str) -> str:
    """RFC 3461 xtext: '+', '=' and anything outside printable ASCII become +XX."""
    return "".join(c if 33 <= ord(c) <= 126 and c not in "+=" else f"+{ord(c):02X}" for c in value)


def outcome_for(code: int) -> Outcome:
    if 200 <= code < 300:
        return Outcome.ACCEPTED
    return Outcome.PERM_FAIL if 500 <= code < 600 else Outcome.TEMP_FAIL


class PendingSend:
    """A message handed to the relay whose final answer may still be on its way."""

    def __init__(self, transport: SmtpTransport, *, done: SendResult | None = None, dsn: bool = False) -> None:
        self._transport = transport
        self.done = done
        self.dsn = dsn

    def result(self) -> SendResult:
        if self.done is None:
            self.done = self._transport._finish(self)
        return self.done


class SmtpTransport:
    """One SMTP connection reused across sends; reconnects when the server dropped it."""

    def __init__(self, endpoint: SmtpEndpoint, *, timeout: float = 30.0, local_hostname: str | None = None) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self.local_hostname = local_hostname or settings.FACTURIER_MESSAGE_ID_DOMAIN
        self._conn: smtplib.SMTP | None = None
        self._pending: PendingSend | None = None

    @classmethod
    def from_settings(cls) -> SmtpTransport:
        return cls(parse_smtp_url(settings.SMTP_URL))

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._pending is not None:
            self._pending.result()  # the answer is evidence: read it before hanging up
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()

    def _connect(self) -> smtplib.SMTP:
        ep = self.endpoint
        context = ssl.create_default_context()
        conn: smtplib.SMTP
        if ep.scheme == "smtps":
            conn = smtplib.SMTP_SSL(ep.host, ep.port, self.local_hostname, timeout=self.timeout, context=context)
        else:
            conn = smtplib.SMTP(ep.host, ep.port, self.local_hostname, timeout=self.timeout)
        try:
            conn.ehlo()
            if ep.scheme == "smtp+starttls":
                conn.starttls(context=context)
                conn.ehlo()
            if ep.username:
                conn.login(ep.username, ep.password)
        except BaseException:
            conn.close()
            raise
        return conn

    def send(self, *, envelope_from: str, recipient: str, data: bytes, envid: str) -> SendResult:
        """Hand one message to the relay and wait for its answer; never raises for SMTP or network trouble."""
        return self.begin(envelope_from=envelope_from, recipient=recipient, data=data, envid=envid).result()

    def begin(self, *, envelope_from: str, recipient: str, data: bytes, envid: str) -> PendingSend:
        """Hand one message over (MAIL, RCPT, DATA and the content) without waiting for the final reply.

        The relay's work on the content (a large part of each send) then overlaps with the caller's
        own work, such as recording the previous answer. Only one message is in flight per
        connection: a new begin() first reads the answer still owed.
        """
        if self._pending is not None:
            self._pending.result()
        reused = self._conn is not None
        pending = self._start(envelope_from, recipient, data, envid)
        # A reused connection the server closed while idle fails at MAIL, before anything was
        # handed over: reconnecting once is safe. A drop during DATA is not retried here (the
        # relay may have the message); it comes back as temp_fail for the worker's backoff.
        done = pending.done
        if reused and done is not None and done.code is None and done.step in {"connect", "mail"}:
            pending = self._start(envelope_from, recipient, data, envid)
        self._pending = None if pending.done else pending
        return pending

    def _start(self, envelope_from: str, recipient: str, data: bytes, envid: str) -> PendingSend:
        step = "connect"
        dsn = False
        try:
            if self._conn is None:
                self._conn = self._connect()
            conn = self._conn
            dsn = conn.has_extn("dsn")
            mail_opts = ["RET=HDRS", f"ENVID={xtext(envid)}"] if dsn else []
            rcpt_opts = ["NOTIFY=SUCCESS,FAILURE,DELAY", f"ORCPT=rfc822;{xtext(recipient)}"] if dsn else []
            step = "mail"
            code, reply = conn.mail(envelope_from, mail_opts)
            if code == 250:
                step = "rcpt"
                code, reply = conn.rcpt(recipient, rcpt_opts)
            if code in (250, 251):
                step = "data"
                code, reply = conn.docmd("data")
                if code == 354:
                    # What smtplib.data() does, minus waiting for the reply: dot-stuffing and the
                    # terminating "." line (data already has CRLF line ends, see message.py).
                    # The regex pass costs ~0.8 ms on an 82 KiB message; base64 and most
                    # quoted-printable text have no line starting with a dot, so look first.
                    needs_stuffing = data.startswith(b".") or b"\n." in data
                    body = _LEADING_DOT.sub(b"..", data) if needs_stuffing else data
                    conn.send(body + (b"" if body.endswith(b"\r\n") else b"\r\n") + b".\r\n")
                    return PendingSend(self, dsn=dsn)
        except smtplib.SMTPResponseException as exc:  # AUTH refused, ...
            code, reply = exc.smtp_code, exc.smtp_error
        except (smtplib.SMTPException, OSError) as exc:  # OSError covers timeouts and refusals
            return PendingSend(self, done=self._broken(exc, step, dsn))
        return PendingSend(self, done=self._conclude(code, reply, step, dsn))

    def _finish(self, pending: PendingSend) -> SendResult:
        if self._pending is pending:
            self._pending = None
        try:
            assert self._conn is not None
            code, reply = self._conn.getreply()
        except (smtplib.SMTPException, OSError) as exc:
            return self._broken(exc, "data", pending.dsn)
        return self._conclude(code, reply, "data", pending.dsn)

    def _broken(self, exc: BaseException, step: str, dsn: bool) -> SendResult:
        self._drop()
        return SendResult(Outcome.TEMP_FAIL, None, f"{type(exc).__name__}: {exc}", step, self.endpoint.display, dsn)

    def _conclude(self, code: int, reply: bytes | str, step: str, dsn: bool) -> SendResult:
        outcome = outcome_for(code)
        if step == "connect":
            # A refusal while connecting (greeting, STARTTLS, AUTH) says nothing about this
            # message: it is our configuration or the relay's state, so it is retried.
            outcome = Outcome.TEMP_FAIL
            self._drop()
        elif outcome is not Outcome.ACCEPTED:
            self._reset()
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        return SendResult(outcome, code, text, step, self.endpoint.display, dsn)

    def _reset(self) -> None:
        # After a refusal the server still holds the half-open transaction: RSET before the next one.
        if self._conn is None:
            return
        try:
            self._conn.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
