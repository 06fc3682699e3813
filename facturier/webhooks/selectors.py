"""Reads for the webhook pages."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from facturier.webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint

PAGE = 100  # the log shows the latest deliveries; older ones stay in the database


def delivery_log(*, state: str = "") -> QuerySet[WebhookDelivery]:
    rows = WebhookDelivery.objects.select_related("endpoint", "activity__customer").order_by("-id")
    return rows.filter(state=state) if state else rows


def endpoint_list() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.order_by("name", "id")


def endpoint_overview() -> QuerySet[WebhookEndpoint]:
    """Endpoints for the admin screen, each with its delivery figures, in one query: how many
    deliveries, how many failed for good, and the state and time of the latest one."""
    latest = WebhookDelivery.objects.filter(endpoint=OuterRef("pk")).order_by("-id")
    return endpoint_list().annotate(
        delivery_count=Count("deliveries"),
        failed_count=Count("deliveries", filter=Q(deliveries__state=DeliveryState.FAILED)),
        last_state=Subquery(latest.values("state")[:1]),
        last_created_at=Subquery(latest.values("created_at")[:1]),
    )
