"""Parsing of POST /bulk/start/ into the arguments of bulk_job_start (errors name the field)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from facturier.bulk.actions import NEEDS_SEND_AT, available_actions
from facturier.bulk.labels import ACTION_LABELS, label

# A send time a few minutes old is a clerk typing slowly, not a mistake; older ones are refused.
PAST_TOLERANCE = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class StartRequest:
    action: str
    params: dict[str, Any]
    invoice_ids: list[int] | None
    filter_query: str | None


class BulkStartForm(forms.Form):
    action = forms.ChoiceField(choices=())
    # A datetime-local input, read in the current time zone and made aware; an hour that does not
    # exist or exists twice (DST change) is refused by Django's field with a message.
    send_at = forms.DateTimeField(required=False)
    filter_query = forms.CharField(required=False, max_length=2000)

    def __init__(self, data: QueryDict) -> None:
        super().__init__(data)
        self.fields["action"].choices = [(a, label(ACTION_LABELS, a)) for a in available_actions()]
        self._raw_ids = [v.strip() for v in data.getlist("invoice_ids") if v.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        send_at = data.get("send_at")
        if data.get("action") in NEEDS_SEND_AT and not send_at:
            self.add_error("send_at", _("required for this action"))
        if send_at and send_at < timezone.now() - PAST_TOLERANCE:
            self.add_error("send_at", _("is in the past"))
        ids: list[int] = []
        for raw in self._raw_ids:
            if not raw.isdigit():
                self.add_error(None, "invoice_ids: " + _("%(value)s is not an invoice id") % {"value": raw[:20]})
                break
            ids.append(int(raw))
        data["invoice_ids"] = ids
        has_filter = bool((data.get("filter_query") or "").strip())
        if bool(ids) == has_filter:
            self.add_error(None, "invoice_ids or filter_query: " + _("give exactly one of them"))
        return data

    def start_request(self) -> StartRequest:
        data = self.cleaned_data
        send_at: dt.datetime | None = data.get("send_at")
        return StartRequest(
            action=data["action"],
            params={"send_at": send_at.isoformat()} if send_at else {},
            invoice_ids=data["invoice_ids"] or None,
            filter_query=(data.get("filter_query") or "").strip() or None,
        )

    def error_lines(self) -> list[str]:
        """ "field: message" lines, so an API-like caller sees which input was wrong."""
        lines = []
        for field, errors in self.errors.items():
            for message in errors:
                lines.append(message if field == "__all__" else f"{field}: {message}")
        return lines
