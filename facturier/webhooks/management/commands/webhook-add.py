"""`facturier webhook-add NAME URL [--event TYPE ...]`: register a CRM endpoint; prints its secret once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from facturier.webhooks.events import EVENT_TYPES
from facturier.webhooks.services import WebhookEndpointError, webhook_endpoint_create


class Command(BaseCommand):
    help = "Add a webhook endpoint; the signing secret is printed once, keep it on the receiver's side."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("url")
        parser.add_argument(
            "--event",
            action="append",
            default=[],
            choices=sorted(EVENT_TYPES),
            help="event type to send (repeat); default: all",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            endpoint = webhook_endpoint_create(name=options["name"], url=options["url"], events=options["event"])
        except WebhookEndpointError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from None
        self.stdout.write(f"endpoint {endpoint.pk} {endpoint.name} -> {endpoint.url}")
        self.stdout.write(f"secret (shown once): {endpoint.secret}")
