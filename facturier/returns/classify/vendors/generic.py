"""The shared reader for plain-text bounces (qmail, Exim, Postfix without DSN, Sendmail, Exchange
NDRs, Domino, Courier, Yahoo, Gmail, ...).

They all say, in their own words: "delivery to these addresses failed: <address> <why>". The reader
finds the failed addresses in the notice text (never in the copy of our own message), and for each
one the stretch of text that follows it, which holds the remote server's reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from facturier.returns.classify import autoreply, dsn, mime
from facturier.returns.classify.parsed import Parsed

_BOUNCE_FROM = re.compile(
    r"mailer-daemon|post_?master|mail ?delivery|mail ?administrator|mailadmin|mdaemon|bounce|notification"
    r"|mail ?system|system administrator|returned|nobody@|noreply|no-reply|root@|daemon@|smtp|exchange",
    re.I,
)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery (?:status|failure|failed|notification|problem|report)|failure notice"
    r"|returned mail|mail delivery|delivery has failed|could not be delivered|non[- ]?delivery|nicht zustellbar"
    r"|unzustellbar|non remis|non distribuable|échec de (?:la )?(?:remise|distribution)|no se puede entregar"
    r"|mancato recapito|onbestelbaar|mail system error|message not delivered"
    r"|delivery notification|warning: could not|failed delivery|mail failure|error sending|returned to sender"
    r"|permanent error|delivery error|undeliverable|delayed mail|delivery delayed|unable to deliver"
    r"|nondeliverable|notice of delivery|failed mail|sending failed|mail could not|problem delivering",
    re.I,
)
# Words a person may also put in a subject ("Re: error on invoice 12"): they count only when the
# sender is a mail system.
_WEAK_SUBJECT = re.compile(
    r"bounce|rejected|error|fail|return|unsuccessful|not delivered|message status|delivery (?:notice|report)",
    re.I,
)
# Addresses that belong to the notice machinery, never the failed recipient.
_SYSTEM_LOCAL = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|bounces?|noreply|no-reply|root|abuse)$", re.I)
_FAILURE = re.compile(
    r"(?:could not|couldn't|cannot|can't|unable to|was not|wasn't|has not been|have not been|not be) (?:be )?"
    r"deliver|delivery (?:to the following|has failed|failed|to these|problem|of your message)|undeliverable"
    r"|permanent(?:ly)? (?:error|fatal|failure)|fatal error|failed recipient|rejected|returned to you"
    r"|not delivered|user unknown|does not exist|error|failure|fehler|échec|impossible de|no se pudo"
    r"|did not reach|unknown recipient|invalid (?:user|recipient|address)|no such (?:user|mailbox)",
)
# Only failure classes: a transcript also quotes the "250 2.1.0 Ok" replies that went well.
_STATUS_IN_TEXT = re.compile(r"(?<![\d.])([45])\.(\d{1,3})\.(\d{1,3})(?![\d.])")


@dataclass
class TextRecipient:
    rcpt: str
    status: str
    diagnostic: str


def looks_like_bounce(p: Parsed) -> bool:
    if p.header("X-Failed-Recipients"):
        return True
    """A notice from a mail system about a failed delivery, as opposed to a person's message."""
    if p.header("X-Failed-Recipients"):
        return True
    from_header = p.from_header
    sender_is_system = bool(_BOUNCE_FROM.search(from_header)) or not from_header
    strong_subject = bool(_BOUNCE_SUBJECT.search(p.subject))
    # RFC 5321 §4.5.5: notifications are sent with a null reverse-path.
    null_sender = p.header("Return-Path").replace(" ", "") == "<>"
    # RFC 3834 responders also send from a null reverse-path; their subject repeats ours, which may
    # hold a weak word ("Automatic reply: Returned goods").
    responder = autoreply.has_responder_subject(p)
    weak_subject = bool(_WEAK_SUBJECT.search(p.subject)) and not responder
    if (sender_is_system or null_sender) and (strong_subject or weak_subject):
        return True
    if not (sender_is_system or strong_subject) and (responder or not null_sender):
        return False
    return bool(_FAILURE.search(p.body_lower[: min(len(p.bounce_text), 6000)]))


# Warnings that a delivery is late, sent while the MTA keeps retrying (Exim "Warning: message ...
# delayed 24 hours", Sendmail "Warning: could not send message for past 4 hours", Postfix "Delayed
# Mail (still being retried)", Exchange "Delivery Status Notification (Delay)").
_DELAY_SUBJECT = re.compile(
    r"delayed|\(delay\)|still being retried|warning: could not send|will (?:keep|continue) trying|verzögert|retardé",
    re.I,
)
_DELAY_TEXT = re.compile(
    r"this is a warning only|will (?:continue|keep) (?:trying|to try)|attempts will continue|will be retried"
    r"|not yet been delivered|no action is required on your part|still being retried|will retry"
)


def is_delay_warning(p: Parsed) -> bool:
    text = p.body_lower[: min(len(p.bounce_text), 6000)]
    return bool(_DELAY_SUBJECT.search(p.subject) and _DELAY_TEXT.search(text))


# Bounds for hostile or absurd notices: a real one is a few kilobytes and names a few recipients.
NOTICE_LIMIT = 50_000
RECIPIENT_LIMIT = 100


def read(p: Parsed) -> list[TextRecipient]:
    text = p.bounce_text[:NOTICE_LIMIT]
    exclude = _own_addresses(p)
    failed = [a.lower() for a in mime.address_list(p.header("X-Failed-Recipients"))]
    rcpts = (failed or _candidates(text, exclude))[:RECIPIENT_LIMIT]
    if not rcpts:
        rcpts = [a for a in p.original_to if not _is_system(a)][:1]
    if not rcpts:
        return [TextRecipient("", _status(text), _clip(text))]
    found_stretches = stretches(text, rcpts)
    return [TextRecipient(r, _status(found_stretches[r]) or _status(text), _clip(found_stretches[r])) for r in rcpts]


def stretches(text: str, rcpts: list[str]) -> dict[str, str]:
    """For each address, the notice text from its first mention to the next address's mention.

    That stretch holds the remote server's reply for that address in every plain-text format
    seen so far; when an address line carries nothing else (a list of addresses followed by one
    shared reason), the rest of the notice is used.
    """
    lowered = text.lower()
    positions = sorted((pos, r) for r in rcpts if (pos := lowered.find(r)) >= 0)
    out = {r: text for r in rcpts}
    for index, (pos, rcpt) in enumerate(positions):
        end = len(text)
        for later, _other in positions[index + 1 :]:
            if later > pos:
                end = later
                break
        # Start one line early: transcripts name the command (">>> RCPT To:<...>") on that line.
        start = text.rfind("\n", 0, max(text.rfind("\n", 0, pos), 0)) + 1
        stretch = text[start:end]
        if len(stretch.strip()) < len(rcpt) + 12:
            stretch = text[pos:]
        out[rcpt] = stretch
    return out


# An address alone at the start of a line, or followed by ":" or "..." — where qmail ("<a@b>:"),
# Postfix ("<a@b>: host ... said"), Sendmail ("<a@b>... User unknown"), Exim (indented "  a@b")
# and most others put the failed recipient.
_LEADING = re.compile(
    r"^[ \t*>-]*<?([A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)>?"
    r"(?=[ \t]*(?::|\.\.\.|$|\(|\[|,| on | because| - |<))",
    re.M,
)
# Lines that name an address for another purpose: the notice's own header lines quoted back,
# a help desk to write to.
_NOT_RCPT_LINE = re.compile(
    r"^[ \t>]*(?:from|to|cc|reply-to|sender|return-path|subject|date|sent|message-id|delivered-to)[ \t]*:"
    r"|contact|assistance|questions|help|postmaster@[^ ]+ (?:if|for)",
    re.I | re.M,
)


def _candidates(text: str, exclude: set[str]) -> list[str]:
    """Failed recipients named in the notice text, best first."""
    lines = [line for line in text.split("\n") if "@" in line]
    usable = [line for line in lines if not _NOT_RCPT_LINE.search(line)]
    block = "\n".join(usable)
    leading = [m.group(1).lower() for m in _LEADING.finditer(block)]
    anywhere = mime.addresses(block)
    leading = list(dict.fromkeys(leading))
    # An address in the recipient position wins even when it equals the bounce's own To or our
    # sender (a test message sent to oneself, or anonymised samples); elsewhere in the text such
    # an address is us, not the recipient.
    best = [a for a in leading if a not in exclude and not _is_system(a)]
    best += [a for a in leading if a in exclude and not _is_system(a)]
    best += [a for a in anywhere if a not in exclude and not _is_system(a) and a not in best]
    if best:
        return best
    # Nothing else: a system address the notice names as the recipient (postmaster@ is a valid
    # target), then the addresses of quoted header lines ("To: ...").
    leading_system = [a for a in leading if a not in exclude]
    if leading_system:
        return leading_system
    quoted = [a for a in mime.addresses("\n".join(lines)) if a not in exclude and not _is_system(a)]
    return quoted or [a for a in anywhere if a not in exclude]


def _own_addresses(p: Parsed) -> set[str]:
    own = set(p.to_addrs)
    if p.from_addr:
        own.add(p.from_addr)
    if p.original_from:
        own.add(p.original_from)
    return own


def _is_system(addr: str) -> bool:
    return bool(_SYSTEM_LOCAL.match(addr.split("@", 1)[0]))


def status_in(text: str) -> str:
    return _status(text)


def _status(text: str) -> str:
    match = _STATUS_IN_TEXT.search(text)
    if match:
        return ".".join(match.groups())
    return dsn.status_field(text)


def _clip(text: str) -> str:
    return " ".join(text.split())[:1000]
