from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_create_api_token_prints_a_working_token_as_its_last_line(client: Client) -> None:
    out = io.StringIO()
    call_command("create-api-token", "erp-prod", stdout=out, stderr=io.StringIO())
    secret = out.getvalue().strip().splitlines()[-1]
    response = client.get("/api/v1/dispatches", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200


def test_a_second_token_with_the_same_name_is_refused() -> None:
    call_command("create-api-token", "erp-prod", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="already exists"):
        call_command("create-api-token", "erp-prod", stdout=io.StringIO(), stderr=io.StringIO())
