"""The REST API: endpoints under /api/v1/, OpenAPI docs at /api/docs. Every call needs a bearer token
(`facturier create-api-token NAME`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import HttpBearer

from facturier.accounts.tokens import api_token_check
from facturier.api.address import router as address_router
from facturier.api.customers import router as customers_router
from facturier.api.dispatches import router as dispatches_router
from facturier.api.errors import install_error_handlers
from facturier.api.invoices import router as invoices_router


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
    description="Invoices from the ERP in, delivery evidence out. Errors: "
    '{"detail": [{"field": "...", "message": "..."}]} for every 4xx.',
    urls_namespace="api",
    auth=BearerToken(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)
api.add_router("/v1/customers", customers_router)
api.add_router("/v1/customers", address_router)  # letters issue: email-correction
api.add_router("/v1/invoices", invoices_router)
api.add_router("/v1/dispatches", dispatches_router)
