from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client

from facturier.accounts.tokens import api_token_create
from facturier.testing.factories import make_pdf


@pytest.fixture
def token(db: None) -> str:
    _, secret = api_token_create(name="erp-test")
    return secret


@pytest.fixture
def api(token: str) -> Client:
    """A test client that sends the bearer token on every call."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def invoice_payload(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "number": "F-2026-0001",
        "customer_ref": "C-ACME",
        "issue_date": "2026-11-23",
        "due_date": "2026-12-23",
        "total": "1200.50",
        "currency": "EUR",
        "pdf_base64": base64.b64encode(make_pdf()).decode(),
        "send_at": "2026-11-24T09:00:00+01:00",
    }
    body.update(overrides)
    return body


def fields_of(response: Any) -> list[str]:
    """The field names of a uniform error body (and checks the shape on the way)."""
    body = response.json()
    assert set(body) == {"detail"}, body
    assert all(set(item) == {"field", "message"} for item in body["detail"]), body
    return [item["field"] for item in body["detail"]]
