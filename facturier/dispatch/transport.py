"""Our own small SMTP transport on smtplib.

Django's mail backend cannot pass the DSN parameters (RET, ENVID, NOTIFY, ORCPT) nor tell at which
step a refusal came, and the exact reply is our evidence. So the transaction is done step by step
(MAIL, RCPT, DATA) on one connection kept open across messages.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from urllib.parse import unquote, urlsplit

from django.conf import settings

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


class SmtpTransport:
    """One SMTP connection reused across sends; reconnects when the server dropped it."""

    def __init__(self, endpoint: SmtpEndpoint, *, timeout: float = 30.0, local_hostname: str | None = None) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self.local_hostname = local_hostname or settings.FACTURIER_MESSAGE_ID_DOMAIN
        self._conn: smtplib.SMTP | None = None

    @classmethod
    def from_settings(cls) -> SmtpTransport:
        return cls(parse_smtp_url(settings.SMTP_URL))

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
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
        """Hand one message to the relay; never raises for SMTP or network trouble."""
        reused = self._conn is not None
        result = self._attempt(envelope_from, recipient, data, envid)
        # A reused connection the server closed while idle fails at MAIL, before anything was
        # handed over: reconnecting once is safe. A drop during DATA is not retried here (the
        # relay may have the message); it comes back as temp_fail for the worker's backoff.
        if reused and result.code is None and result.step in {"connect", "mail"}:
            result = self._attempt(envelope_from, recipient, data, envid)
        return result

    def _attempt(self, envelope_from: str, recipient: str, data: bytes, envid: str) -> SendResult:
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
                code, reply = conn.data(data)
        except smtplib.SMTPResponseException as exc:  # DATA refused before 354, AUTH refused, ...
            code, reply = exc.smtp_code, exc.smtp_error
        except (smtplib.SMTPException, OSError) as exc:  # OSError covers timeouts and refusals
            self._drop()
            return SendResult(Outcome.TEMP_FAIL, None, f"{type(exc).__name__}: {exc}", step, self.endpoint.display, dsn)
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
