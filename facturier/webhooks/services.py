"""Writes on webhook endpoints."""

from __future__ import annotations

import secrets

from django.db import transaction

from facturier.webhooks.models import WebhookEndpoint


@transaction.atomic
def webhook_endpoint_create(*, name: str, url: str, events: list[str] | None = None) -> WebhookEndpoint:
    """Register an endpoint with a fresh secret; the caller shows the secret once."""
    return WebhookEndpoint.objects.create(
        name=name, url=url, events=list(events or []), secret=f"whsec_{secrets.token_urlsafe(32)}"
    )
