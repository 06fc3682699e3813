from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_french_by_default_even_when_the_browser_asks_for_english(client: Client, viewer: Any) -> None:
    client.force_login(viewer)
    response = client.get("/invoices/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "fr"
    assert "Factures" in response.content.decode()


def test_the_language_switch_is_remembered(client: Client, viewer: Any) -> None:
    client.force_login(viewer)
    client.post("/i18n/setlang/", {"language": "en", "next": "/invoices/"})
    response = client.get("/invoices/", HTTP_ACCEPT_LANGUAGE="fr-FR")
    assert response["Content-Language"] == "en"
    assert "Invoices" in response.content.decode()
