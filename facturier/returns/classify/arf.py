"""RFC 5965 Abuse Reporting Format: a recipient's "this is spam" click, relayed by their provider."""

from __future__ import annotations

from facturier.returns.classify import dsn, mime
from facturier.returns.classify.parsed import Parsed

FEEDBACK_TYPES = ("message/feedback-report",)


def is_arf(p: Parsed) -> bool:
    return p.report_type == "feedback-report" or p.part_of_type(*FEEDBACK_TYPES) is not None


def read(p: Parsed) -> tuple[str, str]:
    """(feedback type, complaining recipient) from the machine-readable part (RFC 5965 §3.1)."""
    part = p.part_of_type(*FEEDBACK_TYPES)
    fields: dict[str, str] = {}
    if part is not None:
        for block in dsn.delivery_status_text(part).split("\n"):
            name, sep, value = block.partition(":")
            if sep and name.strip():
                fields.setdefault(name.strip().lower(), value.strip())
    feedback = fields.get("feedback-type", "abuse").split()[0].lower() if fields.get("feedback-type") else "abuse"
    # Original-Rcpt-To (§3.2) names the complaining address; older reports only have the
    # returned message's To, or Removal-Recipient (Yahoo, AOL).
    rcpt = (
        mime.first_address(fields.get("original-rcpt-to", ""))
        or mime.first_address(fields.get("removal-recipient", ""))
        or (p.original_to[0] if p.original_to else "")
    )
    return feedback, rcpt


def is_legacy_complaint(p: Parsed) -> bool:
    """Complaints that predate or ignore RFC 5965: Microsoft's JMRP (the complained-about message
    attached, with X-HmXmrOriginalRecipient) and Apple Mail's unsubscribe requests."""
    if p.header("X-Apple-Unsubscribe").lower() == "true":
        return True
    orig = p.original_headers
    return orig is not None and orig.get("x-hmxmroriginalrecipient") is not None


def read_legacy(p: Parsed) -> tuple[str, str]:
    if p.header("X-Apple-Unsubscribe").lower() == "true":
        return "opt-out", p.from_addr
    orig = p.original_headers
    rcpt = mime.first_address(orig.get("x-hmxmroriginalrecipient") or "") if orig is not None else ""
    return "abuse", rcpt or (p.original_to[0] if p.original_to else "")
