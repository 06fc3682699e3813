from __future__ import annotations

import pytest
from django.test import Client

from facturier.accounts.tokens import api_token_create


@pytest.fixture
def token(db: None) -> str:
    _, secret = api_token_create(name="erp-test")
    return secret


@pytest.fixture
def api(token: str) -> Client:
    """A test client that sends the bearer token on every call."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")
