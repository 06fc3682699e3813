"""Read receipts: RFC 8098 message disposition notifications and the older subject-only forms."""

from __future__ import annotations

import re

from facturier.returns.classify import dsn, mime
from facturier.returns.classify.parsed import Parsed

_MDN_TYPES = ("message/disposition-notification",)

# Outlook, Exchange, Thunderbird and webmails without MDN support send a plain message whose
# subject starts with the word for "read" in the user's language.
_READ_SUBJECT = re.compile(
    r"^(?:read|lu|gelesen|leído|leido|letto|gelezen|lido|läst|læst|luettu|přečteno|odczytana|olvasott)\s*:",
    re.I,
)
_NOT_READ_SUBJECT = re.compile(
    r"^(?:not read|non lu|ungelesen|no leído|no leido|non letto|niet gelezen|não lido)\s*:", re.I
)
_RECEIPT_SUBJECT = re.compile(r"^(?:return receipt|read receipt|lesebestätigung|accusé de lecture)\b", re.I)


def is_mdn(p: Parsed) -> bool:
    return p.report_type == "disposition-notification" or p.part_of_type(*_MDN_TYPES) is not None


def is_old_receipt(p: Parsed) -> bool:
    return bool(
        _READ_SUBJECT.match(p.subject) or _NOT_READ_SUBJECT.match(p.subject) or _RECEIPT_SUBJECT.match(p.subject)
    )


def read(p: Parsed) -> tuple[str, str, str]:
    """(disposition, recipient, original message-id) from the RFC 8098 §3.2 fields."""
    part = p.part_of_type(*_MDN_TYPES)
    fields: dict[str, str] = {}
    if part is not None:
        for line in dsn.delivery_status_text(part).split("\n"):
            name, sep, value = line.partition(":")
            if sep and name.strip():
                fields.setdefault(name.strip().lower(), value.strip())
    elif _NOT_READ_SUBJECT.match(p.subject):
        fields["disposition"] = "deleted"
    # "manual-action/MDN-sent-manually; displayed" (§3.2.6): the disposition type follows the ";".
    disposition = fields.get("disposition", "displayed").rpartition(";")[2].strip().split("/")[0].lower()
    rcpt_field = fields.get("final-recipient", "") or fields.get("original-recipient", "")
    rcpt = mime.first_address(rcpt_field.partition(";")[2] or rcpt_field) or p.from_addr
    ids = mime.message_ids(fields.get("original-message-id", ""))
    return disposition or "displayed", rcpt, ids[0] if ids else ""
