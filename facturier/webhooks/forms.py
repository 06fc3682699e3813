"""The admin screen's form for a new webhook endpoint (the secret is generated, never typed)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from facturier.webhooks.events import EVENT_TYPES
from facturier.webhooks.services import URL_MAX_LENGTH, WebhookEndpointError, webhook_url_check


class EndpointCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("who receives it, e.g. CRM production"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    # A CharField, not a URLField: URLField would accept ftp:// and quietly prepend a scheme to
    # "crm.example.com"; the service's check is the one rule, here and in `webhook-add`.
    url = forms.CharField(
        label=_("URL"),
        max_length=URL_MAX_LENGTH,
        help_text=_("http:// or https://; receives a signed POST per event"),
        widget=forms.URLInput(attrs={"autocomplete": "off", "placeholder": "https://crm.example.com/hooks/facturier"}),
    )
    events = forms.MultipleChoiceField(
        label=_("Event types"),
        choices=list(EVENT_TYPES.items()),
        required=False,
        help_text=_("none ticked: every event type, including ones added later"),
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_url(self) -> str:
        try:
            return webhook_url_check(self.cleaned_data["url"])
        except WebhookEndpointError as exc:
            raise forms.ValidationError(exc.message) from None
