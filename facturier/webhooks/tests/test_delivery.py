from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.utils import timezone

from facturier.crm.activities import customer_activity_record
from facturier.testing.factories import make_invoice
from facturier.webhooks.delivery import backoff, deliver_due
from facturier.webhooks.models import DeliveryState, WebhookDelivery
from facturier.webhooks.services import webhook_endpoint_create
from facturier.webhooks.signing import signature_valid
from facturier.webhooks.tests.receiver import webhook_receiver

pytestmark = pytest.mark.django_db


def _activity(kind: str = "address_invalid") -> object:
    invoice = make_invoice()
    return customer_activity_record(
        customer=invoice.customer, invoice=invoice, kind=kind, summary="bounced", data={"address": "a@example.com"}
    )


def test_an_activity_queues_one_delivery_per_active_endpoint_that_wants_it() -> None:
    wants_all = webhook_endpoint_create(name="crm", url="http://127.0.0.1:9/a")
    webhook_endpoint_create(name="only-printed", url="http://127.0.0.1:9/b", events=["letter_printed"])
    inactive = webhook_endpoint_create(name="off", url="http://127.0.0.1:9/c")
    inactive.active = False
    inactive.save()
    _activity("address_invalid")
    rows = list(WebhookDelivery.objects.all())
    assert [r.endpoint_id for r in rows] == [wants_all.pk]
    assert rows[0].state == DeliveryState.PENDING


def test_the_receiver_gets_the_activity_with_a_valid_signature() -> None:
    with webhook_receiver() as receiver:
        endpoint = webhook_endpoint_create(name="crm", url=receiver.url)
        activity = _activity()
        assert deliver_due(now=timezone.now()) == 1
    assert len(receiver.requests) == 1
    got = receiver.requests[0]
    timestamp = int(got.headers["X-Facturier-Timestamp"])
    assert signature_valid(
        secret=endpoint.secret,
        timestamp=timestamp,
        body=got.body,
        header=got.headers["X-Facturier-Signature"],
        now=int(time.time()),
    )
    payload = json.loads(got.body)
    assert payload["type"] == "address_invalid" == got.headers["X-Facturier-Event"]
    assert payload["id"] == got.headers["X-Facturier-Delivery"]
    assert payload["customer"] == {"external_ref": activity.customer.external_ref, "name": activity.customer.name}
    assert payload["invoice"] == {"number": activity.invoice.number}
    assert payload["data"] == {"address": "a@example.com"}
    assert WebhookDelivery.objects.get().state == DeliveryState.DELIVERED


def test_a_receiver_failing_twice_gets_the_event_exactly_once_after_retries() -> None:
    with webhook_receiver(script=[500, 500]) as receiver:
        webhook_endpoint_create(name="crm", url=receiver.url)
        _activity()
        t0 = timezone.now()
        assert deliver_due(now=t0) == 1  # 500
        row = WebhookDelivery.objects.get()
        assert (row.state, row.attempts, row.last_status) == (DeliveryState.PENDING, 1, 500)
        assert row.next_attempt_at == t0 + backoff(1)
        assert deliver_due(now=t0 + dt.timedelta(seconds=10)) == 0  # not due yet
        assert deliver_due(now=t0 + backoff(1)) == 1  # 500 again
        t2 = t0 + backoff(1)
        assert deliver_due(now=t2 + backoff(2) - dt.timedelta(seconds=1)) == 0
        assert deliver_due(now=t2 + backoff(2)) == 1  # 200
        assert deliver_due(now=t2 + dt.timedelta(days=2)) == 0  # nothing left
    statuses = [WebhookDelivery.objects.get().attempts, len(receiver.requests)]
    assert statuses == [3, 3]
    ids = {r.headers["X-Facturier-Delivery"] for r in receiver.requests}
    assert len(ids) == 1, "retries resend the same event id, so the receiver can dedupe"
    row = WebhookDelivery.objects.get()
    assert row.state == DeliveryState.DELIVERED and row.last_status == 200


def test_after_the_last_attempt_the_delivery_is_failed(settings: object) -> None:
    settings.FACTURIER_WEBHOOK_MAX_ATTEMPTS = 2  # type: ignore[attr-defined]
    with webhook_receiver(script=[503, 503, 503]) as receiver:
        webhook_endpoint_create(name="crm", url=receiver.url)
        _activity()
        now = timezone.now()
        deliver_due(now=now)
        deliver_due(now=now + dt.timedelta(days=1))
        assert deliver_due(now=now + dt.timedelta(days=2)) == 0
    row = WebhookDelivery.objects.get()
    assert (row.state, row.attempts, len(receiver.requests)) == (DeliveryState.FAILED, 2, 2)
    assert "503" in row.last_error


def test_a_redirect_is_not_followed() -> None:
    with webhook_receiver() as elsewhere, webhook_receiver(redirect_to=elsewhere.url) as receiver:
        webhook_endpoint_create(name="crm", url=receiver.url)
        _activity()
        deliver_due(now=timezone.now())
    assert len(receiver.requests) == 1 and elsewhere.requests == []
    row = WebhookDelivery.objects.get()
    assert row.state == DeliveryState.PENDING and row.last_status == 307


def test_a_connection_refused_is_retried_later() -> None:
    from facturier.testing.ports import free_port

    webhook_endpoint_create(name="crm", url=f"http://127.0.0.1:{free_port()}/nobody")
    _activity()
    now = timezone.now()
    deliver_due(now=now)
    row = WebhookDelivery.objects.get()
    assert row.state == DeliveryState.PENDING and row.last_status is None and row.last_error
    assert row.next_attempt_at == now + backoff(1)


def test_a_row_claimed_by_another_worker_is_skipped_until_its_lease_expires() -> None:
    with webhook_receiver() as receiver:
        webhook_endpoint_create(name="crm", url=receiver.url)
        _activity()
        now = timezone.now()
        WebhookDelivery.objects.update(state=DeliveryState.SENDING, sending_since=now)
        assert deliver_due(now=now + dt.timedelta(minutes=1)) == 0
        assert receiver.requests == []
        assert deliver_due(now=now + dt.timedelta(minutes=6)) == 1
    assert WebhookDelivery.objects.get().state == DeliveryState.DELIVERED
