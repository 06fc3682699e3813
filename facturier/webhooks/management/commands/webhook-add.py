"""`facturier webhook-add NAME URL [--event TYPE ...]`: register a CRM endpoint; prints its secret once."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import URLValidator

from facturier.webhooks.services import webhook_endpoint_create


class Command(BaseCommand):
    help = "Add a webhook endpoint; the signing secret is printed once, keep it on the receiver's side."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("url")
        parser.add_argument("--event", action="append", default=[], help="event type to send (repeat); default: all")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            URLValidator(schemes=["http", "https"])(options["url"])
        except ValidationError:
            raise CommandError(f"{options['url']!r} is not an http(s) URL") from None
        endpoint = webhook_endpoint_create(name=options["name"], url=options["url"], events=options["event"])
        self.stdout.write(f"endpoint {endpoint.pk} {endpoint.name} -> {endpoint.url}")
        self.stdout.write(f"secret (shown once): {endpoint.secret}")
