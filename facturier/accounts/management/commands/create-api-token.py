"""facturier create-api-token NAME: a new bearer token for the API, printed once as the last line.

The file name has a dash because Django names commands after their module, and the command's
documented name is `create-api-token` (import_module loads such a module; only `import` cannot)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from facturier.accounts.models import ApiToken
from facturier.accounts.tokens import api_token_create


class Command(BaseCommand):
    help = "Create an API token; the secret is printed once, as the last line, and never stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="what the token is for, e.g. erp-prod (unique)")

    def handle(self, *args: Any, name: str, **options: Any) -> None:
        name = name.strip()
        if not name or len(name) > 100:
            raise CommandError("name: give 1 to 100 characters")
        if ApiToken.objects.filter(name=name).exists():
            raise CommandError(f"name: a token named {name!r} already exists")
        token, secret = api_token_create(name=name)
        self.stderr.write(f"Token {token.name!r} created. Keep the secret below: it is not shown again.")
        self.stdout.write(secret)
