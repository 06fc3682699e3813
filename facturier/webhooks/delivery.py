"""Outbound webhooks: enqueue rows with the activity, POST them from the worker with retries.

deliver_due is a worker step (core/jobs.py). It claims each row with a conditional UPDATE
(pending -> sending), which is safe on SQLite and PostgreSQL with several workers; a row left in
"sending" by a dead worker goes back to pending after LEASE. A receiver may therefore see an
event twice in that rare case: it dedupes on the payload's id (documented in README.md).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from facturier.crm.models import CustomerActivity
from facturier.webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from facturier.webhooks.payload import activity_payload, payload_body
from facturier.webhooks.signing import signature

log = logging.getLogger(__name__)

# Small batches: each POST may wait up to TIMEOUT, and the worker has other steps to run.
BATCH = 20
TIMEOUT_SECONDS = 10
LEASE = dt.timedelta(minutes=5)
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 3600
# 30 s doubling to 6 h: ten tries span about a day and a half, enough for a CRM's maintenance window.
MAX_ATTEMPTS = 10
USER_AGENT = "facturier-webhooks/1"


def backoff(attempts: int) -> dt.timedelta:
    """Delay before the next try after `attempts` failed ones: 30 s, 1 min, 2 min, ... capped at 6 h."""
    return dt.timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


def max_attempts() -> int:
    return int(getattr(settings, "FACTURIER_WEBHOOK_MAX_ATTEMPTS", MAX_ATTEMPTS))


def deliveries_enqueue(*, activity: CustomerActivity) -> list[WebhookDelivery]:
    """One pending delivery per active endpoint that wants this event (call inside the activity's
    transaction, so the outbox row exists exactly when the activity does)."""
    rows = []
    for endpoint in WebhookEndpoint.objects.filter(active=True):
        if not endpoint.wants(activity.kind):
            continue
        payload = activity_payload(activity)
        rows.append(
            WebhookDelivery(
                endpoint=endpoint,
                activity=activity,
                event_id=payload["id"],
                event_type=activity.kind,
                body=payload_body(payload),
                next_attempt_at=activity.at,
            )
        )
    return WebhookDelivery.objects.bulk_create(rows)


def deliver_due(*, now: dt.datetime) -> int:
    """Worker step: POST the deliveries that are due; returns how many were tried."""
    WebhookDelivery.objects.filter(state=DeliveryState.SENDING, sending_since__lt=now - LEASE).update(
        state=DeliveryState.PENDING
    )
    due = list(
        WebhookDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:BATCH]
    )
    tried = 0
    for delivery_id in due:
        claimed = WebhookDelivery.objects.filter(
            pk=delivery_id, state=DeliveryState.PENDING, next_attempt_at__lte=now
        ).update(state=DeliveryState.SENDING, sending_since=now)
        if claimed:
            deliver_one(delivery_id=delivery_id, now=now)
            tried += 1
    return tried


@dataclass(frozen=True)
class PostResult:
    status: int | None
    response: str
    error: str

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect is reported as a failure, never followed: following it would send the signed
    # body to wherever the receiver (or someone who took over its DNS) points.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def http_post(*, url: str, body: bytes, headers: dict[str, str]) -> PostResult:
    if not url.startswith(("http://", "https://")):
        return PostResult(None, "", f"refused URL scheme: {url[:80]}")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return PostResult(response.status, response.read(500).decode("utf-8", "replace"), "")
    except urllib.error.HTTPError as exc:
        excerpt = exc.read(500).decode("utf-8", "replace") if exc.fp else ""
        return PostResult(exc.code, excerpt, f"HTTP {exc.code} {exc.reason}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return PostResult(None, "", f"{type(exc).__name__}: {exc}"[:500])


def request_headers(*, delivery: WebhookDelivery, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Facturier-Event": delivery.event_type,
        "X-Facturier-Delivery": str(delivery.event_id),
        "X-Facturier-Timestamp": str(timestamp),
        "X-Facturier-Signature": signature(secret=delivery.endpoint.secret, timestamp=timestamp, body=body),
    }


def deliver_one(*, delivery_id: int, now: dt.datetime) -> WebhookDelivery:
    """POST one claimed delivery and record the outcome (outside any transaction: the HTTP call
    must not hold a database lock)."""
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    body = delivery.body.encode()
    # The signed timestamp is the real clock, not the worker's `now` (which tests move forward):
    # the receiver checks it against its own clock.
    result = http_post(
        url=delivery.endpoint.url,
        body=body,
        headers=request_headers(delivery=delivery, body=body, timestamp=int(time.time())),
    )
    _record(delivery=delivery, result=result, now=now)
    return delivery


@transaction.atomic
def _record(*, delivery: WebhookDelivery, result: PostResult, now: dt.datetime) -> None:
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status = result.status
    delivery.last_response = result.response[:500]
    delivery.last_error = result.error[:500]
    if result.ok:
        delivery.state = DeliveryState.DELIVERED
        delivery.delivered_at = now
    elif delivery.attempts >= max_attempts():
        delivery.state = DeliveryState.FAILED
        log.warning("webhook %s to %s failed for good: %s", delivery.pk, delivery.endpoint.url, result.error)
    else:
        delivery.state = DeliveryState.PENDING
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    delivery.save()


def delivery_redeliver(*, delivery: WebhookDelivery, now: dt.datetime | None = None) -> WebhookDelivery:
    """Operator action: send the same event (same id, same body) again at the next worker pass."""
    delivery.state = DeliveryState.PENDING
    delivery.next_attempt_at = now or timezone.now()
    delivery.save(update_fields=["state", "next_attempt_at"])
    return delivery
