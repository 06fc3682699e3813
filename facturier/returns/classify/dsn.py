"""RFC 3464 delivery status notifications: one `DsnRecipient` per per-recipient block.

A DSN is a multipart/report (RFC 6522) whose second part is message/delivery-status: one block of
per-message fields, then one block per recipient (§2.2, §2.3). Many MTAs get details wrong (no
blank line between blocks, Status missing, "smtp;" prefixes with odd spacing), so the blocks are
split by their own field names rather than trusted to be separated by blank lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from facturier.returns.classify import mime

_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$")
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_PER_RECIPIENT_START = ("final-recipient", "original-recipient")
# Bounds for hostile reports; a real one is a few kilobytes for a few recipients.
REPORT_LIMIT = 2_000_000
RECIPIENT_LIMIT = 10_000  # every recipient of any real report; only a hostile one is cut


@dataclass
class DsnRecipient:
    final_recipient: str = ""
    original_recipient: str = ""
    action: str = ""
    status: str = ""
    diagnostic: str = ""
    remote_mta: str = ""

    @property
    def rcpt(self) -> str:
        # Final-Recipient is the address that failed (§2.3.2), but some MTAs write a source route,
        # a local part alone, or a delivery program there; Original-Recipient then says more.
        if plausible(self.final_recipient) or not plausible(self.original_recipient):
            return self.final_recipient or self.original_recipient
        return self.original_recipient


@dataclass
class DsnReport:
    envelope_id: str = ""
    reporting_mta: str = ""
    recipients: list[DsnRecipient] | None = None


def status_field(value: str) -> str:
    match = _STATUS.search(value or "")
    return ".".join(match.groups()) if match else ""


def plausible(addr: str) -> bool:
    local, _at, domain = addr.rpartition("@")
    return bool(local) and "." in domain and "/" not in local and "|" not in local


def _address_field(value: str) -> str:
    # "rfc822; user@example.org" (§2.3.2); some MTAs drop the type or wrap the address in <>.
    value = value.split(";", 1)[1] if ";" in value else value
    value = value.strip().strip("<>")
    if value.startswith("@") and ":" in value:
        value = value.split(":", 1)[1]  # RFC 5321 §4.1.2 source route: "@relay:user@host"
    return mime.first_address(value) or value.lower()


def _typed_text(value: str) -> str:
    # "smtp; 550 5.1.1 ..." (§2.3.6): keep the text after the type.
    head, sep, rest = value.partition(";")
    if sep and head.strip().lower() in ("smtp", "x-unix", "x-postfix", "x-local", "x-notes", "x-exchange"):
        return rest.strip()
    return value.strip()


def _unfold(text: str) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    for line in text.split("\n"):
        if not line.strip():
            fields.append(("", ""))  # block separator
            continue
        if line[0] in " \t" and fields and fields[-1][0]:
            name, value = fields[-1]
            fields[-1] = (name, value + " " + line.strip())
            continue
        match = _FIELD.match(line)
        if match:
            fields.append((match.group(1).lower(), match.group(2).strip()))
    return fields


def delivery_status_text(part: mime.Part) -> str:
    """The text of a message/delivery-status (or feedback-report, disposition-notification) part."""
    return part.text


_INLINE_START = re.compile(
    r"^(?:reporting-mta|original-envelope-id|final-recipient|original-recipient)[ \t]*:", re.M | re.I
)


def inline_report_start(text: str) -> int:
    """Where DSN fields start inside a text body (reports whose MIME structure was lost), or -1."""
    if "recipient" not in text.lower():
        return -1
    match = _INLINE_START.search(text)
    return match.start() if match else -1


def parse_delivery_status(text: str) -> DsnReport:
    report = DsnReport(recipients=[])
    current: DsnRecipient | None = None
    assert report.recipients is not None
    for name, value in _unfold(text[:REPORT_LIMIT]):
        if not name:
            current = None
            continue
        if name in _PER_RECIPIENT_START:
            if current is None or getattr(current, name.replace("-", "_")):
                current = DsnRecipient()
                report.recipients.append(current)
            setattr(current, name.replace("-", "_"), _address_field(value))
            continue
        if name == "original-envelope-id":
            report.envelope_id = value.strip()
        elif name == "reporting-mta":
            report.reporting_mta = _typed_text(value)
        elif current is not None:
            _apply(current, name, value)
        elif name in ("action", "status", "diagnostic-code"):
            # Fields before any recipient line: some MTAs put them first; open a block for them.
            current = DsnRecipient()
            report.recipients.append(current)
            _apply(current, name, value)
    report.recipients = [r for r in report.recipients if r.rcpt or r.status or r.action or r.diagnostic]
    del report.recipients[RECIPIENT_LIMIT:]
    return report


def _apply(current: DsnRecipient, name: str, value: str) -> None:
    if name == "action":
        current.action = value.split()[0].lower() if value.split() else ""
    elif name == "status":
        current.status = status_field(value)
    elif name == "diagnostic-code":
        current.diagnostic = _typed_text(value)
    elif name == "remote-mta":
        current.remote_mta = _typed_text(value)
