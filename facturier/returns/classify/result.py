"""The classifier's vocabulary: what a returned message is, why, and for which recipient.

Pure values only (no Django): the ingestion service copies them into `ReturnVerdict` rows.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """What the message (or one recipient of a DSN) tells us about our dispatch."""

    HARD_BOUNCE = "hard_bounce"  # the address itself is invalid: stop using it
    SOFT_BOUNCE = "soft_bounce"  # delivery failed for a reason that may go away
    DELAYED = "delayed"  # DSN Action: delayed (RFC 3464 §2.3.3): still being retried
    DELIVERED = "delivered"  # DSN Action: delivered / relayed / expanded
    AUTO_REPLY = "auto_reply"  # out-of-office, challenge-response, ticket robots (RFC 3834)
    COMPLAINT = "complaint"  # ARF feedback report (RFC 5965): the recipient clicked "spam"
    READ_RECEIPT = "read_receipt"  # MDN (RFC 8098) or the older vendor forms
    REPLY = "reply"  # a person wrote back
    UNKNOWN = "unknown"  # none of the above could be established


class Reason(StrEnum):
    """Why: our own vocabulary, coarser than Sisimai's and stable for the database.

    Hard (see `HARD_REASONS`): the address is wrong and will stay wrong.
    """

    # -- hard: the address is invalid
    USER_UNKNOWN = "user_unknown"  # no such mailbox (5.1.1, "User unknown", "No such user")
    HOST_UNKNOWN = "host_unknown"  # the domain does not exist or has no mail host (5.1.2, 5.4.4)
    HAS_MOVED = "has_moved"  # the mailbox has moved, new address given (5.1.6)
    NOT_ACCEPTED = "not_accepted"  # the domain accepts no mail at all (null MX, RFC 7505)
    # -- soft: the address may be fine, this delivery failed
    MAILBOX_FULL = "mailbox_full"  # over quota (5.2.2 / 4.2.2)
    MESSAGE_TOO_LARGE = "message_too_large"  # 5.3.4 / 5.2.3 size limits
    EXCEED_LIMIT = "exceed_limit"  # the recipient's own size / count limit (5.2.3)
    REJECTED_AS_SPAM = "rejected_as_spam"  # content judged as spam (5.7.1 + "spam")
    VIRUS = "virus"  # content judged as carrying malware
    CONTENT_REJECTED = "content_rejected"  # content not accepted (5.6.x, header syntax, RFC 5322)
    POLICY = "policy"  # a local policy refused it (5.7.x without a more precise cause)
    BLOCKED = "blocked"  # our sending IP / host is refused (blacklists, reputation, no PTR)
    AUTH_FAILURE = "auth_failure"  # SPF / DKIM / DMARC failure (5.7.26, 5.7.1 "SPF")
    SECURITY = "security"  # TLS or authentication required by the receiver
    SENDER_REJECTED = "sender_rejected"  # our envelope sender is refused (5.1.7, 5.1.8)
    FILTERED = "filtered"  # the recipient's own filter refused it (5.2.0, 5.2.1)
    SUSPENDED = "suspended"  # the mailbox exists but is disabled (5.2.1 "disabled")
    RELAY_DENIED = "relay_denied"  # the server does not relay for that domain (5.7.1 "relay")
    RATE_LIMITED = "rate_limited"  # too many messages / connections: slow down
    EXPIRED = "expired"  # gave up after retrying (4.4.7, "retry timeout exceeded")
    NETWORK = "network"  # connection / DNS / routing problem (4.4.x)
    MAILER_ERROR = "mailer_error"  # local delivery program failed (5.3.0, pipe/procmail)
    SYSTEM_ERROR = "system_error"  # the remote system failed (5.3.x, 4.3.x)
    ON_HOLD = "on_hold"  # the MTA says it failed but not why
    SYNTAX_ERROR = "syntax_error"  # SMTP protocol / command error (5.5.x)
    UNDEFINED = "undefined"  # a failure whose cause we could not read
    # -- not failures
    DELAYED = "delayed"  # still retrying
    DELIVERED = "delivered"  # a success DSN
    VACATION = "vacation"  # out-of-office or any other automatic reply
    CHALLENGE = "challenge"  # challenge-response: prove you are human
    FEEDBACK = "feedback"  # ARF complaint
    READ = "read"  # read receipt (displayed / deleted / ... see `disposition`)
    REPLY = "reply"  # a human reply
    NONE = ""  # nothing to say (unknown messages)


HARD_REASONS = frozenset({Reason.USER_UNKNOWN, Reason.HOST_UNKNOWN, Reason.HAS_MOVED, Reason.NOT_ACCEPTED})


@dataclass(frozen=True)
class RecipientVerdict:
    rcpt: str = ""  # lower-cased address, "" when the message does not say
    kind: Kind = Kind.UNKNOWN
    reason: Reason = Reason.NONE
    status: str = ""  # enhanced status code (RFC 3463), e.g. "5.1.1"
    action: str = ""  # DSN Action field, lower-cased ("failed", "delayed", ...) or ""
    diagnostic: str = ""  # the remote MTA's own words (Diagnostic-Code or the bounce text)
    remote_mta: str = ""  # Remote-MTA field or the host named in the bounce text

    def as_dict(self) -> dict[str, Any]:
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}


@dataclass(frozen=True)
class Verdict:
    kind: Kind = Kind.UNKNOWN
    reason: Reason = Reason.NONE
    status: str = ""
    rcpt: str = ""
    diagnostic: str = ""
    message_id: str = ""  # Message-ID of OUR message, as found in the returned headers
    envelope_id: str = ""  # DSN Original-Envelope-Id (RFC 3464 §2.2.1), our ENVID
    return_date: date | None = None  # auto-replies that say when the person is back
    recipients: tuple[RecipientVerdict, ...] = ()
    subject: str = ""
    from_addr: str = ""
    to_addrs: tuple[str, ...] = ()
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    challenge: bool = False  # challenge-response robot: a person must prove they are human
    feedback_type: str = ""  # ARF Feedback-Type (abuse, fraud, ...)
    disposition: str = ""  # MDN Disposition (displayed, deleted, ...)
    format: str = ""  # which reader recognised it (dsn, arf, mdn, rfc3834, qmail, exim, ...)
    text: str = ""  # human-readable text of replies and auto-replies, at most TEXT_LIMIT characters

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "recipients":
                out[f.name] = [r.as_dict() for r in value]
            else:
                out[f.name] = _jsonable(value)
        return out


TEXT_LIMIT = 10_000


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value  # StrEnum members serialise as their string value
