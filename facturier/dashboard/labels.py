"""Translated labels for the codes the dashboard shows (return kinds, work item kinds)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

RETURN_KIND_LABELS: dict[str, Promise] = {
    "hard_bounce": _("Hard bounce"),
    "soft_bounce": _("Soft bounce"),
    "delayed": _("Delayed"),
    "auto_reply": _("Auto-reply"),
    "complaint": _("Complaint"),
    "read_receipt": _("Read receipt"),
    "reply": _("Reply"),
    "unknown": _("Unclassified"),
}

WORK_ITEM_KIND_LABELS: dict[str, Promise] = {
    "invalid_address": _("Invalid address"),
    "soft_bounce_exhausted": _("Soft bounce, retries exhausted"),
    "complaint": _("Complaint"),
    "human_reply": _("Human reply"),
    "challenge": _("Challenge to answer"),
    "unmatched_return": _("Unmatched return"),
    "uncertain_dispatch": _("Uncertain dispatch"),
    "send_failed": _("Sending failed"),
    "bad_pdf": _("Unusable invoice PDF"),
    "no_postal_address": _("No postal address"),
    "auto_reply": _("Auto-reply"),
}


def label(table: dict[str, Promise], code: str) -> str:
    return str(table.get(code, code))
