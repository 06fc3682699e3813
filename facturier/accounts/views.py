"""Users, roles, API tokens and the audit log: admin only, every request checked on the server."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from facturier.accounts.forms import RoleForm, TokenCreateForm, UserCreateForm
from facturier.accounts.models import ApiToken
from facturier.accounts.roles import Role
from facturier.accounts.services import (
    AccountError,
    api_token_issue,
    api_token_revoke,
    user_create,
    user_set_active,
    user_set_role,
)
from facturier.core.models import AuditEntry
from facturier.web.access import admin_required

AUDIT_PAGE_SIZE = 100


def _users() -> list[tuple[User, Role | None]]:
    from django.contrib.auth.models import Group

    users = User.objects.order_by("-is_active", "username").prefetch_related(
        Prefetch("groups", queryset=Group.objects.only("id", "name"))
    )
    rows = []
    for user in users:
        names = {g.name for g in user.groups.all()}
        role = Role.ADMIN if user.is_superuser else next((r for r in reversed(Role) if r.value in names), None)
        rows.append((user, role))
    return rows


def _users_page(request: HttpRequest, form: UserCreateForm | None = None, status: int = 200) -> HttpResponse:
    context = {"rows": _users(), "form": form or UserCreateForm(), "role_form": RoleForm(), "roles": list(Role)}
    return render(request, "accounts/users.html", context, status=status)


@require_GET
@admin_required
def users(request: HttpRequest) -> HttpResponse:
    return _users_page(request)


@require_POST
@admin_required
def user_new(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST)
    if form.is_valid():
        try:
            user = user_create(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                role=Role(form.cleaned_data["role"]),
                by=request.user,
            )
        except AccountError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("Account %(name)s created.") % {"name": user.get_username()})
            return redirect("accounts:users")
    return _users_page(request, form, status=400)


@require_POST
@admin_required
def user_role(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown role."))
        return redirect("accounts:users")
    try:
        user_set_role(user=user, role=Role(form.cleaned_data["role"]), by=request.user)
    except AccountError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Role of %(name)s changed.") % {"name": user.get_username()})
    return redirect("accounts:users")


@require_POST
@admin_required
def user_active(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        user_set_active(user=user, active=active, by=request.user)
    except AccountError as exc:
        messages.error(request, exc.message)
    else:
        text = _("Account %(name)s reactivated.") if active else _("Account %(name)s deactivated.")
        messages.success(request, text % {"name": user.get_username()})
    return redirect("accounts:users")


def _tokens_page(request: HttpRequest, form: TokenCreateForm | None = None, status: int = 200) -> HttpResponse:
    tokens = ApiToken.objects.order_by("revoked_at", "-created_at")
    context = {"tokens": tokens, "form": form or TokenCreateForm()}
    return render(request, "accounts/tokens.html", context, status=status)


@require_GET
@admin_required
def tokens(request: HttpRequest) -> HttpResponse:
    return _tokens_page(request)


@never_cache  # the answer holds the secret: no cache may keep it
@require_POST
@admin_required
def token_new(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            token, secret = api_token_issue(name=form.cleaned_data["name"].strip(), by=request.user)
        except AccountError as exc:
            form.add_error(exc.field, exc.message)
        else:
            # Shown on this answer only (no redirect: the secret is in no URL, no session, no log).
            return render(request, "accounts/token_created.html", {"token": token, "secret": secret})
    return _tokens_page(request, form, status=400)


@require_POST
@admin_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk)
    api_token_revoke(token=token, by=request.user)
    messages.success(request, _("Token %(name)s revoked.") % {"name": token.name})
    return redirect("accounts:tokens")


@require_GET
@admin_required
def audit(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.order_by("-at", "-id")
    action = request.GET.get("action", "").strip()[:64]
    if action:
        entries = entries.filter(action__startswith=action)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/audit.html", {"page": page, "action": action})
