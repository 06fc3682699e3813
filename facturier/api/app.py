"""The REST API under /api/v1/, OpenAPI docs at /api/docs. Every call needs a bearer token."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import HttpBearer

from facturier.accounts.tokens import api_token_check


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = api_token_check(token)
        if found is None:
            return None
        request.api_token = found  # type: ignore[attr-defined]
        return found


api = NinjaAPI(
    title="facturier API",
    version="1",
    urls_namespace="api",
    auth=BearerToken(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
