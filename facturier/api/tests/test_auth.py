from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from facturier.accounts.models import ApiToken
from facturier.api.tests.helpers import fields_of

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("get", "/api/v1/invoices/F-1"),
    ("post", "/api/v1/invoices"),
    ("post", "/api/v1/customers"),
    ("get", "/api/v1/dispatches"),
    ("post", "/api/v1/invoices/resend"),
    ("post", "/api/v1/invoices/F-1/cancel"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_refuses_a_call_without_token(client: Client, method: str, path: str) -> None:
    response = getattr(client, method)(path, content_type="application/json")
    assert response.status_code == 401
    assert fields_of(response) == ["Authorization"]
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_wrong_token_is_refused(client: Client, token: str) -> None:
    response = client.get("/api/v1/dispatches", HTTP_AUTHORIZATION=f"Bearer {token}x")
    assert response.status_code == 401


def test_a_revoked_token_is_refused(client: Client, token: str) -> None:
    ApiToken.objects.update(revoked_at=timezone.now())
    response = client.get("/api/v1/dispatches", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401


def test_a_valid_token_is_accepted_and_its_use_recorded(client: Client, token: str) -> None:
    response = client.get("/api/v1/dispatches", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


def test_openapi_docs_are_at_api_docs_and_list_v1_endpoints(client: Client) -> None:
    assert client.get("/api/docs").status_code == 200
    schema = client.get("/api/openapi.json").json()
    assert {"/api/v1/invoices", "/api/v1/customers", "/api/v1/dispatches", "/api/v1/invoices/{number}"} <= set(
        schema["paths"]
    )
    content = schema["paths"]["/api/v1/invoices"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(content)
