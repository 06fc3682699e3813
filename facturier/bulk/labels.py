"""Translated labels for bulk job codes (actions, states, skip reasons). Unknown codes show as is."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

ACTION_LABELS: dict[str, Promise] = {
    "resend_now": _("Resend now"),
    "resend_at": _("Resend at a given time"),
    "reschedule": _("Reschedule"),
    "cancel": _("Cancel sending"),
    "print_now": _("Print now"),
}

JOB_STATE_LABELS: dict[str, Promise] = {
    "queued": pgettext_lazy("bulk job state", "Queued"),
    "running": pgettext_lazy("bulk job state", "Running"),
    "done": pgettext_lazy("bulk job state", "Done"),
    "failed": pgettext_lazy("bulk job state", "Failed"),
}

# Reasons come from the services as short English sentences; the common ones are translated here.
SKIP_REASON_LABELS: dict[str, Promise] = {
    "no scheduled dispatch": _("nothing scheduled to change"),
    "no_longer_matches": _("no longer matches the filter"),
    "not_found": _("invoice deleted since the selection"),
    "a dispatch is still scheduled or sending": _("a dispatch is still scheduled or sending"),
    "the customer has no valid e-mail address": _("the customer has no valid e-mail address"),
    "unknown invoice number": _("unknown invoice number"),
}


def label(table: dict[str, Promise], code: str) -> str:
    return str(table.get(code, code))
