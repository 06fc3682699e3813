"""The event types an endpoint can subscribe to: the CustomerActivity kinds recorded through
crm.activities.customer_activity_record, which is what enqueues webhooks.

A test walks the source for customer_activity_record(kind="...") calls, so a new kind that is not
listed here fails the suite instead of being impossible to choose in the UI.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

EVENT_TYPES: dict[str, Promise] = {
    "address_invalid": _("e-mail address found invalid (hard bounce)"),
    "address_corrected": _("e-mail address corrected"),
    "address_verified": _("e-mail address marked verified"),
    "resent": _("invoice sent again after a correction"),
    "letter_printed": _("invoice printed for posting"),
    "letter_withdrawn": _("letter withdrawn before printing (invoice sent again by e-mail)"),
}


def unknown_event_types(events: list[str]) -> list[str]:
    return [e for e in events if e not in EVENT_TYPES]
