"""Translated labels for values stored as plain codes (dispatch states, event kinds, roles).

The codes stay English in the database and the API; only the UI translates them. An unknown code is
shown as is, so a new state or event kind never breaks a page.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from facturier.dispatch.states import State

# Order of the state filter: the lifecycle, then the roll-up-only values.
STATE_LABELS: dict[str, Promise] = {
    "new": pgettext_lazy("delivery state", "New"),
    State.SCHEDULED.value: pgettext_lazy("delivery state", "Scheduled"),
    State.SENDING.value: pgettext_lazy("delivery state", "Sending"),
    State.ACCEPTED.value: pgettext_lazy("delivery state", "Accepted"),
    State.DELIVERED.value: pgettext_lazy("delivery state", "Delivered"),
    State.DELAYED.value: pgettext_lazy("delivery state", "Delayed"),
    State.BOUNCED_SOFT.value: pgettext_lazy("delivery state", "Soft bounce"),
    State.BOUNCED_HARD.value: pgettext_lazy("delivery state", "Invalid address"),
    State.AUTO_REPLIED.value: pgettext_lazy("delivery state", "Auto-reply"),
    State.COMPLAINED.value: pgettext_lazy("delivery state", "Spam complaint"),
    State.READ.value: pgettext_lazy("delivery state", "Read"),
    State.REPLIED.value: pgettext_lazy("delivery state", "Replied"),
    State.FAILED.value: pgettext_lazy("delivery state", "Failed"),
    State.CANCELLED.value: pgettext_lazy("delivery state", "Cancelled"),
    State.UNCERTAIN.value: pgettext_lazy("delivery state", "Uncertain"),
    "partial": pgettext_lazy("delivery state", "Partial"),
}

EVENT_KIND_LABELS: dict[str, Promise] = {
    "created": _("created"),
    "scheduled": _("scheduled"),
    "rescheduled": _("rescheduled"),
    "sending": _("sending"),
    "smtp_accepted": _("accepted by the relay"),
    "smtp_temp_fail": _("temporary SMTP failure"),
    "smtp_rejected": _("rejected by the relay"),
    "uncertain": _("cut off mid-send"),
    "dsn": _("delivery report"),
    "bounce": _("bounce"),
    "auto_reply": _("auto-reply"),
    "complaint": _("spam complaint"),
    "read_receipt": _("read receipt"),
    "reply": _("reply"),
    "address_invalid": _("address invalid"),
    "resend": _("resend"),
    "cancelled": _("cancelled"),
}

ROLE_LABELS: dict[str, Promise] = {
    "viewer": _("viewer"),
    "operator": _("operator"),
    "admin": _("administrator"),
}

EMAIL_STATUS_LABELS: dict[str, Promise] = {
    "unverified": _("unverified"),
    "verified": _("verified"),
    "invalid": _("invalid"),
}


# Resolved labels per (table, language, code): a lazy string is translated again on every str(),
# and a 50-row list asks for a few hundred labels. The catalogs do not change while a process runs.
_resolved: dict[tuple[int, str, str], str] = {}


def label(table: dict[str, Promise], code: str | None) -> str:
    if not code:
        return ""
    key = (id(table), get_language() or "", code)
    text = _resolved.get(key)
    if text is None:
        text = _resolved[key] = str(table.get(code, code))
    return text


# invoice_resend's refusal reasons (English sentences from the service), for the UI's messages.
RESEND_REASON_LABELS: dict[str, Promise] = {
    "a dispatch is still scheduled or sending": _("a dispatch is still scheduled or sending"),
    "the customer has no valid e-mail address": _("the customer has no valid e-mail address"),
    "unknown invoice number": _("unknown invoice number"),
}


def resend_reason(code: str) -> str:
    return label(RESEND_REASON_LABELS, code) or code
