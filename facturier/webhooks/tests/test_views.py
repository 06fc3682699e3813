from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from facturier.crm.activities import customer_activity_record
from facturier.testing.factories import make_customer
from facturier.webhooks.models import DeliveryState, WebhookDelivery
from facturier.webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_delivery() -> WebhookDelivery:
    webhook_endpoint_create(name="Acme CRM", url="http://127.0.0.1:9/hook")
    customer_activity_record(customer=make_customer(name="Dupont SARL"), kind="address_invalid", summary="x")
    row = WebhookDelivery.objects.get()
    row.state, row.attempts, row.last_status, row.last_error = DeliveryState.FAILED, 10, 500, "HTTP 500 boom"
    row.save()
    return row


def test_the_log_shows_deliveries_and_their_last_answer(
    client: Client, viewer: Any, failed_delivery: WebhookDelivery
) -> None:
    client.force_login(viewer)
    page = client.get(reverse("webhooks:delivery-list")).content.decode()
    assert "Acme CRM" in page and "Dupont SARL" in page and "HTTP 500 boom" in page
    assert reverse("webhooks:redeliver", args=[failed_delivery.pk]) not in page  # viewers see no action


def test_the_log_is_in_french_by_default(client: Client, operator: Any, failed_delivery: WebhookDelivery) -> None:
    client.force_login(operator)
    page = client.get(reverse("webhooks:delivery-list")).content.decode()
    assert "<h2>Journal des envois</h2>" in page and "<h2>Points de terminaison</h2>" in page
    assert "<td>échec</td>" in page and "Prochaine tentative" in page and "Renvoyer" in page
    assert '<a href="?">tous</a>' in page and '<a href="?state=pending">en attente</a>' in page
    assert "<td>toutes</td>" in page  # the endpoint takes every event type
    assert "Delivery log" not in page


def test_the_log_speaks_english_on_request(client: Client, viewer: Any, failed_delivery: WebhookDelivery) -> None:
    client.force_login(viewer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("webhooks:delivery-list")).content.decode()
    assert "<h2>Delivery log</h2>" in page and "<td>failed</td>" in page


def test_a_viewer_cannot_redeliver(client: Client, viewer: Any, failed_delivery: WebhookDelivery) -> None:
    client.force_login(viewer)
    response = client.post(reverse("webhooks:redeliver", args=[failed_delivery.pk]))
    assert response.status_code == 403
    failed_delivery.refresh_from_db()
    assert failed_delivery.state == DeliveryState.FAILED


def test_an_operator_redelivers_a_failed_delivery(
    client: Client, operator: Any, failed_delivery: WebhookDelivery
) -> None:
    client.force_login(operator)
    response = client.post(reverse("webhooks:redeliver", args=[failed_delivery.pk]), follow=True)
    assert response.redirect_chain[0][1] == 302
    failed_delivery.refresh_from_db()
    assert failed_delivery.state == DeliveryState.PENDING
    assert f"Envoi {failed_delivery.pk} remis en file" in response.content.decode()


def test_redeliver_needs_post(client: Client, operator: Any, failed_delivery: WebhookDelivery) -> None:
    client.force_login(operator)
    assert client.get(reverse("webhooks:redeliver", args=[failed_delivery.pk])).status_code == 405


def test_the_webhook_add_command_prints_the_secret_once(capsys: Any) -> None:
    from django.core.management import call_command

    from facturier.webhooks.models import WebhookEndpoint

    call_command("webhook-add", "Acme CRM", "https://crm.example.com/hooks", "--event", "address_invalid")
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["address_invalid"]
    assert f"secret (shown once): {endpoint.secret}" in capsys.readouterr().out
