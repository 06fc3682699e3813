"""Reads for the webhook pages."""

from __future__ import annotations

from django.db.models import QuerySet

from facturier.webhooks.models import WebhookDelivery, WebhookEndpoint

PAGE = 100  # the log shows the latest deliveries; older ones stay in the database


def delivery_log(*, state: str = "") -> QuerySet[WebhookDelivery]:
    rows = WebhookDelivery.objects.select_related("endpoint", "activity__customer").order_by("-id")
    return rows.filter(state=state) if state else rows


def endpoint_list() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.order_by("name", "id")
