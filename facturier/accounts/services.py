"""Writes on accounts and API tokens, done by an administrator; each one leaves an audit entry."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from facturier.accounts.models import ApiToken
from facturier.accounts.roles import Role, role_of
from facturier.accounts.tokens import api_token_create
from facturier.core.models import AuditEntry


class AccountError(ValueError):
    """A change refused for a reason the admin can act on; `field` names the input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _audit(*, by: User, action: str, detail: dict[str, Any], count: int = 1) -> None:
    AuditEntry.objects.create(user=by, actor=by.get_username(), action=action, target_count=count, detail=detail)


def _set_group(user: User, role: Role) -> None:
    # One role per account: the groups of the other roles are removed.
    user.groups.remove(*Group.objects.filter(name__in=[r.value for r in Role]))
    user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    if hasattr(user, "_facturier_role"):
        del user._facturier_role


def _other_active_admins(user: User) -> bool:
    admins = User.objects.filter(is_active=True).exclude(pk=user.pk)
    return admins.filter(is_superuser=True).exists() or admins.filter(groups__name=Role.ADMIN.value).exists()


@transaction.atomic
def user_create(*, username: str, password: str, role: Role, by: User) -> User:
    """A new account with one role; the password is stored hashed (Django's hasher)."""
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError("username", _("this user name is taken"))
    user = User.objects.create_user(username=username, password=password)
    _set_group(user, role)
    _audit(by=by, action="user.create", detail={"username": username, "role": role.value})
    return user


@transaction.atomic
def user_set_role(*, user: User, role: Role, by: User) -> User:
    """Give the account this role (and no other). The last active admin cannot lose the role."""
    before = role_of(user)
    if before == Role.ADMIN and role != Role.ADMIN and not _other_active_admins(user):
        raise AccountError("role", _("the last administrator keeps the admin role"))
    _set_group(user, role)
    _audit(
        by=by,
        action="user.role",
        detail={"username": user.get_username(), "from": before.value if before else None, "to": role.value},
    )
    return user


@transaction.atomic
def user_set_active(*, user: User, active: bool, by: User) -> User:
    """Deactivate (the account can no longer log in; its history stays) or reactivate an account."""
    if not active and user.pk == by.pk:
        raise AccountError("user", _("you cannot deactivate your own account"))
    if not active and role_of(user) == Role.ADMIN and not _other_active_admins(user):
        raise AccountError("user", _("the last administrator cannot be deactivated"))
    user.is_active = active
    user.save(update_fields=["is_active"])
    _audit(by=by, action="user.activate" if active else "user.deactivate", detail={"username": user.get_username()})
    return user


@transaction.atomic
def api_token_issue(*, name: str, by: User) -> tuple[ApiToken, str]:
    """A new API token; the secret is returned once to show once, never stored."""
    if ApiToken.objects.filter(name=name).exists():
        raise AccountError("name", _("a token with this name exists"))
    token, secret = api_token_create(name=name)
    _audit(by=by, action="api_token.create", detail={"name": name, "prefix": token.prefix})
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    """Revoke a token at once (the API refuses it from the next call); kept for the record."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        _audit(by=by, action="api_token.revoke", detail={"name": token.name, "prefix": token.prefix})
    return token
