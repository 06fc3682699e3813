"""Endpoint services: the one URL rule, known event types only, an audit entry per change."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from facturier.core.models import AuditEntry
from facturier.webhooks.events import EVENT_TYPES
from facturier.webhooks.services import (
    WebhookEndpointError,
    webhook_endpoint_create,
    webhook_endpoint_set_active,
)

pytestmark = pytest.mark.django_db

SOURCE = Path(__file__).resolve().parents[2]  # the facturier package


def recorded_activity_kinds() -> set[str]:
    """Every kind="..." literal passed to customer_activity_record outside the tests."""
    kinds = set()
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "customer_activity_record":
                for keyword in node.keywords:
                    if keyword.arg == "kind" and isinstance(keyword.value, ast.Constant):
                        kinds.add(keyword.value.value)
    return kinds


def test_every_activity_that_sends_a_webhook_can_be_chosen() -> None:
    kinds = recorded_activity_kinds()
    assert {"address_invalid", "address_corrected", "resent"} <= kinds  # the walk finds the calls
    assert kinds == set(EVENT_TYPES)


def test_the_command_records_who_added_the_endpoint_without_the_secret() -> None:
    call_command("webhook-add", "Acme CRM", "https://crm.example.com/hooks")
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.user) == ("webhook_endpoint.create", "system", None)
    assert "whsec_" not in str(entry.detail)


@pytest.mark.parametrize("url", ["ftp://crm.example.com/", "not a url", "file:///etc/passwd"])
def test_the_command_refuses_a_url_that_is_not_http(url: str) -> None:
    with pytest.raises(CommandError, match="url"):
        call_command("webhook-add", "x", url)
    assert not AuditEntry.objects.exists()


def test_the_command_refuses_an_unknown_event_type() -> None:
    with pytest.raises(CommandError):
        call_command("webhook-add", "x", "https://crm.example.com/", "--event", "invoice_paid")


def test_the_service_refuses_unknown_event_types_with_the_field() -> None:
    with pytest.raises(WebhookEndpointError) as caught:
        webhook_endpoint_create(name="x", url="https://crm.example.com/", events=["address_invalid", "nope"])
    assert caught.value.field == "events" and "nope" in caught.value.message


def test_the_url_is_stored_stripped_and_events_without_duplicates() -> None:
    endpoint = webhook_endpoint_create(name=" CRM ", url=" https://crm.example.com/h ", events=["resent", "resent"])
    assert (endpoint.name, endpoint.url, endpoint.events) == ("CRM", "https://crm.example.com/h", ["resent"])


def test_setting_the_same_state_again_records_nothing() -> None:
    endpoint = webhook_endpoint_create(name="x", url="https://crm.example.com/")
    webhook_endpoint_set_active(endpoint=endpoint, active=True, by=None)
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["webhook_endpoint.create"]
