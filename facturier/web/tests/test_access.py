from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from facturier.testing.factories import make_invoice, make_user


def page_urls() -> list[str]:
    invoice = make_invoice(number="F-ACCESS-1")
    return [
        "/",
        "/invoices/",
        f"/invoices/{invoice.number}/",
        f"/invoices/{invoice.number}/pdf/",
        "/outbox/",
        "/outbox/x/",
        "/customers/",
        f"/customers/{invoice.customer.external_ref}/",
        "/returns/1/",
        "/admin-users/",
        "/admin-users/tokens/",
        "/admin-users/audit/",
        "/webhooks/",
        "/webhooks/endpoints/",
    ]


@pytest.mark.django_db
def test_every_page_sends_anonymous_users_to_the_login_page(client: Client) -> None:
    for url in page_urls():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url


@pytest.mark.django_db
def test_an_account_without_a_role_sees_nothing(client: Client) -> None:
    client.force_login(make_user("no-role", None))
    for url in page_urls():
        assert client.get(url).status_code == 403, url


@pytest.mark.django_db
def test_views_check_login_themselves_even_without_the_middleware(client: Client, settings: Any) -> None:
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "LoginRequiredEverywhere" not in m]
    for url in page_urls():
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_login_page_renders_and_logs_in(client: Client, viewer: Any) -> None:
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert b'name="csrfmiddlewaretoken"' in page.content
    response = client.post("/accounts/login/", {"username": "vera-viewer", "password": "pw-for-tests-only"})
    assert response.status_code == 302
    assert response["Location"] == "/invoices/"


@pytest.mark.django_db
def test_logout_is_a_post_form(viewer_client: Client) -> None:
    page = viewer_client.get("/invoices/").content.decode()
    assert 'action="/accounts/logout/" method="post"' in page
    assert viewer_client.post("/accounts/logout/").status_code == 302
    assert viewer_client.get("/invoices/").status_code == 302
