"""Users, roles, API tokens and the audit log: admin only (403 for others, checked on the server),
CSRF on every form, an audit entry for every change, the token secret shown once."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from facturier.accounts.models import ApiToken
from facturier.accounts.roles import Role, role_of
from facturier.accounts.tokens import api_token_check, api_token_create
from facturier.core.models import AuditEntry
from facturier.testing.factories import make_user

STRONG = "Correct-Horse-42-battery"


@pytest.fixture
def admin_client(client: Client, admin_user: Any) -> Client:
    client.force_login(admin_user)
    return client


def urls(target: User, token: ApiToken) -> tuple[list[str], list[tuple[str, dict[str, str]]]]:
    gets = ["/admin-users/", "/admin-users/tokens/", "/admin-users/audit/"]
    posts = [
        ("/admin-users/new/", {"username": "x", "password": STRONG, "role": "admin"}),
        (f"/admin-users/{target.pk}/role/", {"role": "admin"}),
        (f"/admin-users/{target.pk}/active/", {"active": "0"}),
        ("/admin-users/tokens/new/", {"name": "sneaky"}),
        (f"/admin-users/tokens/{token.pk}/revoke/", {}),
    ]
    return gets, posts


@pytest.mark.parametrize("role", [None, "viewer", "operator"])
def test_only_admins_reach_the_admin_screens(client: Client, db: None, role: str | None) -> None:
    me = make_user("me", role)
    target = make_user("target", "viewer")
    token, _secret = api_token_create(name="erp")
    client.force_login(me)
    gets, posts = urls(target, token)
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    target.refresh_from_db()
    token.refresh_from_db()
    assert target.is_active and role_of(target) == Role.VIEWER and token.revoked_at is None
    assert not User.objects.filter(username="x").exists() and not ApiToken.objects.filter(name="sneaky").exists()
    assert not AuditEntry.objects.exists()


def test_admin_nav_link_is_for_admins_only(admin_client: Client) -> None:
    assert 'href="/admin-users/"' in admin_client.get("/admin-users/").content.decode()


def test_viewer_has_no_admin_nav_link(client: Client, viewer: Any) -> None:
    client.force_login(viewer)
    assert 'href="/admin-users/"' not in client.get("/invoices/").content.decode()


def test_admin_creates_a_user_who_can_log_in_with_that_role(admin_client: Client) -> None:
    response = admin_client.post("/admin-users/new/", {"username": "claire", "password": STRONG, "role": "operator"})
    assert response.status_code == 302
    claire = User.objects.get(username="claire")
    assert role_of(claire) == Role.OPERATOR and claire.check_password(STRONG)
    entry = AuditEntry.objects.get(action="user.create")
    assert entry.actor == "ada-admin" and entry.detail == {"username": "claire", "role": "operator"}
    assert "claire" in admin_client.get("/admin-users/").content.decode()


def test_weak_password_and_taken_name_are_refused_with_the_reason(admin_client: Client) -> None:
    response = admin_client.post("/admin-users/new/", {"username": "bob", "password": "123", "role": "viewer"})
    assert response.status_code == 400 and not User.objects.filter(username="bob").exists()
    assert "trop court" in response.content.decode()
    response = admin_client.post("/admin-users/new/", {"username": "ADA-admin", "password": STRONG, "role": "viewer"})
    assert response.status_code == 400


def test_admin_changes_a_role_and_deactivates_an_account(admin_client: Client, db: None) -> None:
    vera = make_user("vera", "viewer")
    admin_client.post(f"/admin-users/{vera.pk}/role/", {"role": "operator"})
    vera = User.objects.get(pk=vera.pk)
    assert role_of(vera) == Role.OPERATOR and vera.groups.count() == 1
    admin_client.post(f"/admin-users/{vera.pk}/active/", {"active": "0"})
    vera.refresh_from_db()
    assert not vera.is_active
    login = Client().post("/accounts/login/", {"username": "vera", "password": "pw-for-tests-only"})
    assert login.status_code == 200  # the form again: an inactive account cannot log in
    admin_client.post(f"/admin-users/{vera.pk}/active/", {"active": "1"})
    vera.refresh_from_db()
    assert vera.is_active
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["user.role", "user.deactivate", "user.activate"]


def test_the_last_admin_cannot_lock_everyone_out(admin_client: Client, admin_user: Any) -> None:
    response = admin_client.post(f"/admin-users/{admin_user.pk}/active/", {"active": "0"}, follow=True)
    assert "propre compte" in response.content.decode()
    admin_client.post(f"/admin-users/{admin_user.pk}/role/", {"role": "viewer"})
    admin_user.refresh_from_db()
    assert admin_user.is_active and role_of(User.objects.get(pk=admin_user.pk)) == Role.ADMIN


def test_token_secret_is_shown_once_and_works_until_revoked(admin_client: Client) -> None:
    response = admin_client.post("/admin-users/tokens/new/", {"name": "erp-prod"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(name="erp-prod")
    html = response.content.decode()
    secret = html.split('id="token-secret"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    assert secret.startswith("fct_") and api_token_check(secret) == token
    listing = admin_client.get("/admin-users/tokens/").content.decode()
    assert "erp-prod" in listing and token.prefix in listing and secret not in listing
    admin_client.post(f"/admin-users/tokens/{token.pk}/revoke/")
    assert api_token_check(secret) is None
    assert [e.action for e in AuditEntry.objects.order_by("id")] == ["api_token.create", "api_token.revoke"]
    assert admin_client.post("/admin-users/tokens/new/", {"name": "erp-prod"}).status_code == 400


def test_audit_log_lists_entries_and_filters_by_action(admin_client: Client, admin_user: Any) -> None:
    AuditEntry.objects.create(user=admin_user, actor="ada-admin", action="bulk.resend_now", target_count=42)
    AuditEntry.objects.create(actor="api:erp", action="invoice_cancel", target_count=1, detail={"n": "<b>x</b>"})
    html = admin_client.get("/admin-users/audit/").content.decode()
    assert "bulk.resend_now" in html and "42" in html and "&lt;b&gt;x&lt;/b&gt;" in html
    html = admin_client.get("/admin-users/audit/?action=bulk.").content.decode()
    assert "bulk.resend_now" in html and "invoice_cancel" not in html


def test_admin_forms_need_the_csrf_token(admin_user: Any, db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    target = make_user("target", "viewer")
    assert client.post("/admin-users/new/", {"username": "x", "password": STRONG, "role": "admin"}).status_code == 403
    assert client.post(f"/admin-users/{target.pk}/role/", {"role": "admin"}).status_code == 403
    assert client.post("/admin-users/tokens/new/", {"name": "x"}).status_code == 403
    assert not User.objects.filter(username="x").exists() and not ApiToken.objects.exists()


def test_hostile_user_and_token_names_render_as_text(admin_client: Client, db: None) -> None:
    api_token_create(name="<script>alert(1)</script>")
    html = admin_client.get("/admin-users/tokens/").content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
