"""The admin's endpoint screen (/webhooks/endpoints/): admin only (403 for others, checked on the
server), CSRF on every form, the secret shown once, bad input answered with the field's error."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from facturier.core.models import AuditEntry
from facturier.crm.activities import customer_activity_record
from facturier.testing.factories import make_customer, make_user
from facturier.webhooks.models import WebhookDelivery, WebhookEndpoint
from facturier.webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db

LIST = "/webhooks/endpoints/"
NEW = {"name": "Acme CRM", "url": "https://crm.example.com/hooks", "events": ["address_invalid", "resent"]}


@pytest.fixture
def admin_client(client: Client, admin_user: Any) -> Client:
    client.force_login(admin_user)
    return client


@pytest.fixture
def endpoint() -> WebhookEndpoint:
    return webhook_endpoint_create(name="Existing CRM", url="https://old.example.com/hooks")


def secret_on(html: str) -> str:
    return html.split('id="webhook-secret"', 1)[1].split('value="', 1)[1].split('"', 1)[0]


def with_a_delivery(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    customer_activity_record(customer=make_customer(), kind="address_invalid", summary="bounced")
    assert WebhookDelivery.objects.filter(endpoint=endpoint).exists()
    return endpoint


def mutating_posts(endpoint: WebhookEndpoint) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("/webhooks/endpoints/new/", NEW),
        (f"/webhooks/endpoints/{endpoint.pk}/active/", {"active": "0"}),
        (f"/webhooks/endpoints/{endpoint.pk}/rotate-secret/", {}),
        (f"/webhooks/endpoints/{endpoint.pk}/delete/", {}),
    ]


@pytest.mark.parametrize("role", [None, "viewer", "operator"])
def test_only_admins_reach_the_endpoint_screen_and_its_actions(
    client: Client, endpoint: WebhookEndpoint, role: str | None
) -> None:
    client.force_login(make_user("me", role))
    secret = endpoint.secret
    assert client.get(LIST).status_code == 403
    for url, data in mutating_posts(endpoint):
        assert client.post(url, data).status_code == 403, url
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.secret) == (True, secret)
    assert list(WebhookEndpoint.objects.all()) == [endpoint]
    assert list(AuditEntry.objects.values_list("actor", "action")) == [("system", "webhook_endpoint.create")]


def test_anonymous_users_are_sent_to_the_login_page(client: Client, endpoint: WebhookEndpoint) -> None:
    for url, data in [(LIST, None), *mutating_posts(endpoint)]:
        response = client.get(url) if data is None else client.post(url, data)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    assert WebhookEndpoint.objects.count() == 1


def test_the_actions_need_post(admin_client: Client, endpoint: WebhookEndpoint) -> None:
    for url, _data in mutating_posts(endpoint):
        assert admin_client.get(url).status_code == 405, url


def test_every_form_needs_the_csrf_token(admin_user: Any, endpoint: WebhookEndpoint) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    page = client.get(LIST).content.decode()
    assert page.count('name="csrfmiddlewaretoken"') >= 4  # language switch, logout, new, and per row
    for url, data in mutating_posts(endpoint):
        assert client.post(url, data).status_code == 403, url
    assert list(WebhookEndpoint.objects.all()) == [endpoint] and endpoint.active


def test_admin_adds_an_endpoint_and_sees_its_secret_once(admin_client: Client, admin_user: Any) -> None:
    response = admin_client.post("/webhooks/endpoints/new/", NEW)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    created = WebhookEndpoint.objects.get()
    assert (created.name, created.url, created.events) == (NEW["name"], NEW["url"], NEW["events"])
    secret = secret_on(response.content.decode())
    assert secret == created.secret and secret.startswith("whsec_") and len(secret) > 40
    for page in (LIST, "/webhooks/"):
        html = admin_client.get(page).content.decode()
        assert "Acme CRM" in html and secret not in html, page
    entry = AuditEntry.objects.get(action="webhook_endpoint.create")
    assert entry.user == admin_user and entry.actor == "ada-admin" and entry.target_count == 1
    assert entry.detail == {"endpoint": created.pk, "name": "Acme CRM", "url": NEW["url"], "events": NEW["events"]}
    assert secret not in str(entry.detail)


def test_two_endpoints_never_share_a_secret(admin_client: Client) -> None:
    first = secret_on(admin_client.post("/webhooks/endpoints/new/", NEW).content.decode())
    second = secret_on(admin_client.post("/webhooks/endpoints/new/", {**NEW, "name": "B"}).content.decode())
    assert first != second


def test_no_event_ticked_means_every_event(admin_client: Client) -> None:
    admin_client.post("/webhooks/endpoints/new/", {"name": "all", "url": "http://127.0.0.1:8080/hook"})
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == [] and endpoint.wants("letter_printed")
    assert "toutes" in admin_client.get(LIST).content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "ftp://crm.example.com/hooks",
        "javascript:alert(1)",
        "crm.example.com/hooks",
        "https://",
        "",
        "https://crm.example.com/" + "a" * 500,
    ],
)
def test_a_bad_url_is_refused_with_the_field_named(admin_client: Client, url: str) -> None:
    response = admin_client.post("/webhooks/endpoints/new/", {**NEW, "url": url})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["url"]
    html = response.content.decode()
    assert 'id="id_url_error"' in html and "URL" in html
    assert not WebhookEndpoint.objects.exists() and not AuditEntry.objects.exists()


def test_an_unknown_event_type_is_refused_with_the_field_named(admin_client: Client) -> None:
    response = admin_client.post("/webhooks/endpoints/new/", {**NEW, "events": ["invoice_paid"]})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["events"]
    assert 'id="id_events_error"' in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_a_missing_name_is_refused(admin_client: Client) -> None:
    response = admin_client.post("/webhooks/endpoints/new/", {**NEW, "name": "   "})
    assert response.status_code == 400 and list(response.context["form"].errors) == ["name"]


def test_admin_deactivates_and_reactivates_an_endpoint(admin_client: Client, endpoint: WebhookEndpoint) -> None:
    assert admin_client.post(f"/webhooks/endpoints/{endpoint.pk}/active/", {"active": "0"}).status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.active
    customer_activity_record(customer=make_customer(), kind="address_invalid", summary="bounced")
    assert not WebhookDelivery.objects.exists()  # nothing is queued for an inactive endpoint
    html = admin_client.get(LIST).content.decode()
    assert "désactivé" in html and "Réactiver" in html
    admin_client.post(f"/webhooks/endpoints/{endpoint.pk}/active/", {"active": "1"})
    endpoint.refresh_from_db()
    assert endpoint.active
    actions = list(AuditEntry.objects.filter(actor="ada-admin").order_by("id").values_list("action", flat=True))
    assert actions == ["webhook_endpoint.deactivate", "webhook_endpoint.activate"]


def test_a_rotated_secret_is_shown_once_and_signs_from_now_on(admin_client: Client, endpoint: WebhookEndpoint) -> None:
    old = endpoint.secret
    response = admin_client.post(f"/webhooks/endpoints/{endpoint.pk}/rotate-secret/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    secret = secret_on(response.content.decode())
    endpoint.refresh_from_db()
    assert secret == endpoint.secret != old and secret.startswith("whsec_")
    html = admin_client.get(LIST).content.decode()
    assert secret not in html and old not in html
    entry = AuditEntry.objects.get(action="webhook_endpoint.rotate_secret")
    assert secret not in str(entry.detail) and old not in str(entry.detail)


def test_an_endpoint_without_deliveries_can_be_deleted(admin_client: Client, endpoint: WebhookEndpoint) -> None:
    assert f"/webhooks/endpoints/{endpoint.pk}/delete/" in admin_client.get(LIST).content.decode()
    response = admin_client.post(f"/webhooks/endpoints/{endpoint.pk}/delete/", follow=True)
    assert response.status_code == 200
    assert not WebhookEndpoint.objects.exists()
    entry = AuditEntry.objects.get(action="webhook_endpoint.delete")
    assert entry.detail["name"] == "Existing CRM"


def test_an_endpoint_with_deliveries_is_not_deleted(admin_client: Client, endpoint: WebhookEndpoint) -> None:
    with_a_delivery(endpoint)
    html = admin_client.get(LIST).content.decode()
    assert f"/webhooks/endpoints/{endpoint.pk}/delete/" not in html  # no button offered
    response = admin_client.post(f"/webhooks/endpoints/{endpoint.pk}/delete/", follow=True)
    assert response.status_code == 200
    assert "désactivez-le" in response.content.decode()
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists() and WebhookDelivery.objects.count() == 1
    assert not AuditEntry.objects.filter(action="webhook_endpoint.delete").exists()


def test_the_list_shows_the_last_delivery_and_the_failures(admin_client: Client, endpoint: WebhookEndpoint) -> None:
    with_a_delivery(endpoint)
    with_a_delivery(endpoint)
    WebhookDelivery.objects.filter(pk=WebhookDelivery.objects.order_by("id").first().pk).update(state="failed")  # type: ignore[union-attr]
    html = admin_client.get(LIST).content.decode()
    row = html.split("Existing CRM", 1)[1].split("</tr>", 1)[0]
    assert "en attente" in row  # the latest one is pending
    assert '<td class="num">1 <span class="muted small">/ 2</span></td>' in row


def test_the_list_takes_the_same_queries_for_many_endpoints(admin_client: Client) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(LIST).status_code == 200
        return len(captured)

    endpoint = webhook_endpoint_create(name="one", url="https://one.example.com/")
    with_a_delivery(endpoint)
    few = queries()
    for n in range(5):
        with_a_delivery(webhook_endpoint_create(name=f"more {n}", url=f"https://{n}.example.com/"))
    assert queries() == few


def test_hostile_names_and_urls_render_as_text(admin_client: Client) -> None:
    hostile = 'https://crm.example.com/"><script>alert(1)</script>'
    response = admin_client.post("/webhooks/endpoints/new/", {"name": "<img src=x onerror=alert(2)>", "url": hostile})
    assert response.status_code == 200, response.content
    for html in (response.content.decode(), admin_client.get(LIST).content.decode()):
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(2)&gt;" in html


def test_a_refused_hostile_url_is_escaped_in_the_form_again(admin_client: Client) -> None:
    response = admin_client.post("/webhooks/endpoints/new/", {**NEW, "url": '"><script>alert(3)</script>'})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<script>alert(3)" not in html and "&quot;&gt;&lt;script&gt;alert(3)" in html


def test_the_nav_and_the_delivery_log_link_to_the_screen_for_admins_only(admin_client: Client, operator: Any) -> None:
    html = admin_client.get("/webhooks/").content.decode()
    assert f'href="{LIST}"' in html and "Gérer les points de terminaison" in html
    assert f'href="{LIST}" aria-current="page"' in admin_client.get(LIST).content.decode()
    client = Client()
    client.force_login(operator)
    for page in ("/webhooks/", "/invoices/"):
        assert f'href="{LIST}"' not in client.get(page).content.decode(), page


def test_the_screen_is_in_english_when_asked(admin_client: Client, endpoint: WebhookEndpoint) -> None:
    admin_client.post("/i18n/setlang/", {"language": "en", "next": LIST})
    html = admin_client.get(LIST).content.decode()
    assert "Webhook endpoints" in html and "New secret" in html and "Deactivate" in html
