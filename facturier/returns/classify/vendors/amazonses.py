"""Amazon SES notifications delivered by e-mail through SNS: a JSON document in a text body.

The document's `notificationType` is Bounce, Complaint or Delivery; recipients and SMTP details
are in `bounce.bouncedRecipients`, `complaint.complainedRecipients` or `delivery.recipients`
(docs.aws.amazon.com/ses/latest/dg/notification-contents.html).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from facturier.returns.classify.parsed import Parsed

# Some relays cut the one-line JSON at 998 characters (RFC 5322 §2.1.1) by inserting "!\n ".
_LINE_CUT = re.compile(r"!\n ")


@dataclass
class SesNotification:
    kind: str  # "bounce", "complaint", "delivery"
    bounce_type: str = ""  # Permanent, Transient, Undetermined
    bounce_subtype: str = ""
    feedback_type: str = ""
    message_id: str = ""
    recipients: list[dict[str, str]] = field(default_factory=list)


def looks_like_ses(p: Parsed) -> bool:
    head = p.body_text[:400].lstrip()
    return head.startswith("{") and "notificationType" in p.body_text[:3000]


def read(p: Parsed) -> SesNotification | None:
    text = p.body_text
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        doc = json.loads(_LINE_CUT.sub("", text[start : end + 1]))
    except ValueError:
        return None
    if isinstance(doc, dict) and "notificationType" not in doc and isinstance(doc.get("Message"), str):
        # The raw SNS envelope: the SES notification is a JSON string inside it.
        try:
            doc = json.loads(doc["Message"])
        except ValueError:
            return None
    if not isinstance(doc, dict):
        return None
    kind = str(doc.get("notificationType", "")).lower()
    note = SesNotification(kind=kind, message_id=_message_id(doc.get("mail")))
    if kind == "bounce":
        bounce = _dict(doc.get("bounce"))
        note.bounce_type = str(bounce.get("bounceType", ""))
        note.bounce_subtype = str(bounce.get("bounceSubType", ""))
        note.recipients = [_recipient(r) for r in _list(bounce.get("bouncedRecipients"))]
    elif kind == "complaint":
        complaint = _dict(doc.get("complaint"))
        note.feedback_type = str(complaint.get("complaintFeedbackType", "abuse"))
        note.recipients = [_recipient(r) for r in _list(complaint.get("complainedRecipients"))]
    elif kind == "delivery":
        delivery = _dict(doc.get("delivery"))
        response = str(delivery.get("smtpResponse", ""))
        note.recipients = [{"rcpt": str(r).lower(), "diagnostic": response} for r in _list(delivery.get("recipients"))]
    else:
        return None
    return note


def _recipient(value: Any) -> dict[str, str]:
    r = _dict(value)
    return {
        "rcpt": str(r.get("emailAddress", "")).lower(),
        "status": str(r.get("status", "")),
        "diagnostic": str(r.get("diagnosticCode", "")),
        "action": str(r.get("action", "")),
    }


def _message_id(mail: Any) -> str:
    for h in _list(_dict(mail).get("headers")):
        h = _dict(h)
        if str(h.get("name", "")).lower() == "message-id":
            return str(h.get("value", ""))
    return ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
