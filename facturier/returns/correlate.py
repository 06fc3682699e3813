"""Tie a returned message (one recipient of it) to the dispatch it is about.

Rules, strongest first; the first that finds a dispatch wins and is recorded as `matched_by`:

1. verp         the VERP token in the address it came to (bounces+TOKEN@domain): envelope
                recipient, Delivered-To, X-Original-To, To
2. envid        the DSN's Original-Envelope-Id (we send ENVID=TOKEN)
3. message_id   our Message-ID quoted in the returned headers
4. in_reply_to  In-Reply-To, then References (replies and auto-replies)
5. rcpt_window  the latest accepted dispatch to that recipient within
                FACTURIER_CORRELATION_WINDOW_DAYS (weakest: a guess a person can see)
"""

from __future__ import annotations

import datetime as dt
import email.message
import email.utils
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings

from facturier.dispatch.models import Channel, Dispatch
from facturier.returns.classify import RecipientVerdict, Verdict
from facturier.returns.ingest import ENVELOPE_TO_HEADERS, verp_pattern


@dataclass(frozen=True)
class Match:
    dispatch: Dispatch | None
    matched_by: str = ""


NO_MATCH = Match(None, "")


def candidate_addresses(*, envelope_to: str, headers: email.message.Message) -> list[str]:
    """Addresses the message was delivered to, the envelope first (the MTA's word beats a header)."""
    found = [envelope_to] if envelope_to else []
    for name in (*ENVELOPE_TO_HEADERS, "To"):
        for value in headers.get_all(name) or []:
            found.extend(addr for _, addr in email.utils.getaddresses([str(value)]) if addr)
    return found


def verp_token(addresses: Iterable[str]) -> str:
    pattern = verp_pattern()
    for addr in addresses:
        m = pattern.match(addr.strip())
        if m:
            return m.group("token").lower()
    return ""


def _by_token(token: str) -> Dispatch | None:
    return Dispatch.objects.filter(token=token.strip().lower()).select_related("invoice").first() if token else None


def _by_message_id(message_id: str) -> Dispatch | None:
    bare = message_id.strip().strip("<>").strip()
    if not bare:
        return None
    return Dispatch.objects.filter(message_id__in=[bare, f"<{bare}>"]).select_related("invoice").first()


def _by_rcpt_window(rcpt: str, *, now: dt.datetime) -> Dispatch | None:
    if not rcpt:
        return None
    since = now - dt.timedelta(days=settings.FACTURIER_CORRELATION_WINDOW_DAYS)
    return (
        Dispatch.objects.filter(channel=Channel.EMAIL, recipient__iexact=rcpt, accepted_at__gte=since)
        .select_related("invoice")
        .order_by("-accepted_at", "-id")
        .first()
    )


def _first_rule(*, addresses: list[str], verdict: Verdict) -> Match:
    rules: list[tuple[str, list[str], Callable[[str], Dispatch | None]]] = [
        ("verp", [verp_token(addresses)], _by_token),
        ("envid", [verdict.envelope_id], _by_token),
        ("message_id", [verdict.message_id], _by_message_id),
        # The newest reference is the message answered; older ones may be other invoices.
        ("in_reply_to", [verdict.in_reply_to, *reversed(verdict.references)], _by_message_id),
    ]
    for name, keys, lookup in rules:
        for key in keys:
            dispatch = lookup(key) if key else None
            if dispatch is not None:
                return Match(dispatch, name)
    return NO_MATCH


def correlate(
    *,
    verdict: Verdict,
    recipient: RecipientVerdict | None,
    addresses: list[str],
    now: dt.datetime,
) -> Match:
    """The dispatch this verdict (for one recipient, or the whole message) is about, and by which rule."""
    rcpt = (recipient.rcpt if recipient else "") or verdict.rcpt or verdict.from_addr
    match = _first_rule(addresses=addresses, verdict=verdict)
    if match.dispatch is not None:
        if len(verdict.recipients) > 1 and rcpt and match.dispatch.recipient.lower() != rcpt.lower():
            # A DSN that names several recipients: the token names the message, the recipient
            # names which of the invoice's dispatches this part is about.
            sibling = (
                Dispatch.objects.filter(invoice_id=match.dispatch.invoice_id, recipient__iexact=rcpt)
                .order_by("-id")
                .first()
            )
            if sibling is not None:
                return Match(sibling, match.matched_by)
        else:
            return match
    # Nothing names the message: the recipient and the time are all that is left.
    dispatch = _by_rcpt_window(rcpt, now=now)
    return Match(dispatch, "rcpt_window") if dispatch else NO_MATCH
