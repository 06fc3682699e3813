"""Builders for the returns tests: dispatches in the state a return finds them, and returned messages
shaped like those real MTAs send (Postfix's DSN layout, RFC 3834 auto-replies, replies)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

from django.conf import settings
from django.utils import timezone

from facturier.dispatch.models import Dispatch
from facturier.dispatch.services import new_token
from facturier.dispatch.states import State
from facturier.invoices.models import Invoice
from facturier.returns.sandbox_returns import _dsn
from facturier.testing.factories import make_customer, make_invoice


def verp(token: str) -> str:
    local, _, domain = settings.FACTURIER_RETURN_PATH.rpartition("@")
    return f"{local}+{token}@{domain}"


def sent_dispatch(
    *,
    recipient: str = "",
    invoice: Invoice | None = None,
    state: str = State.ACCEPTED,
    accepted_at: dt.datetime | None = None,
    **fields: Any,
) -> Dispatch:
    """A dispatch the relay accepted (as the worker leaves it), with its customer address on file."""
    if invoice is None:
        customer = make_customer(emails=[recipient] if recipient else None)
        recipient = recipient or customer.emails.first().address  # type: ignore[union-attr]
        invoice = make_invoice(customer=customer)
    now = timezone.now()
    token = new_token()
    defaults: dict[str, Any] = {
        "invoice": invoice,
        "recipient": recipient,
        "state": state,
        "scheduled_at": now - dt.timedelta(hours=1),
        "due_at": now - dt.timedelta(hours=1),
        "token": token,
        "message_id": f"<{token}@{settings.FACTURIER_MESSAGE_ID_DOMAIN}>",
        "accepted_at": accepted_at or now - dt.timedelta(minutes=30),
    }
    defaults.update(fields)
    return Dispatch.objects.create(**defaults)


def original_message(dispatch: Dispatch) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = settings.FACTURIER_FROM
    msg["To"] = dispatch.recipient
    msg["Subject"] = f"Facture {dispatch.invoice.number}"
    msg["Message-ID"] = dispatch.message_id or "<none@example.test>"
    msg.set_content("Veuillez trouver votre facture.")
    return msg.as_bytes()


def dsn(
    dispatch: Dispatch,
    *,
    action: str = "failed",
    status: str = "5.1.1",
    diagnostic: str = "550 5.1.1 User unknown",
    to: str | None = None,
    envid: str | None = None,
    rcpt: str | None = None,
) -> bytes:
    """An RFC 3464 DSN about the dispatch, addressed to its VERP return path (or `to`)."""
    return _dsn(
        return_path=verp(dispatch.token) if to is None else to,
        rcpt=rcpt or dispatch.recipient,
        envid=dispatch.token if envid is None else envid,
        original=original_message(dispatch),
        action=action,
        status=status,
        diagnostic=diagnostic if action != "delivered" else "",
    )


def personal(
    *,
    sender: str,
    to: str = "factures@invoices.example.com",
    subject: str = "Re: Facture",
    body: str = "Bonjour, merci.",
    in_reply_to: str = "",
    references: str = "",
    headers: dict[str, str] | None = None,
) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{new_token()}@customer.example>"
    msg["Date"] = "Mon, 23 Nov 2026 10:00:00 +0100"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


class Completions:
    """Counts calls of a wrapped function that have finished, so a test can wait for background
    work (listener, sandbox threads) without polling the database meanwhile: the test database,
    SQLite in shared-cache memory, answers "table is locked" to a reader while another thread writes."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.count = 0

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def inner(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                with self._cond:
                    self.count += 1
                    self._cond.notify_all()

        return inner

    def wait(self, n: int, *, timeout: float = 30, why: Callable[[], str] = lambda: "") -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: self.count >= n, timeout):
                raise AssertionError(f"only {self.count} of {n} background steps finished in {timeout}s {why()}")
