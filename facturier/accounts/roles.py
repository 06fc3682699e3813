"""Three roles, as Django groups: viewer (read only), operator (actions), admin (settings, users,
API tokens). Every mutating view checks with these helpers on the server, whatever the UI shows."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"


_RANK = {Role.VIEWER: 1, Role.OPERATOR: 2, Role.ADMIN: 3}


def role_of(user: Any) -> Role | None:
    """The highest role the user holds; superusers are admins; None for anonymous or no group."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    cached = getattr(user, "_facturier_role", "unset")
    if cached != "unset":
        return cached  # type: ignore[no-any-return]
    names = set(user.groups.values_list("name", flat=True))
    role = max((r for r in Role if r.value in names), key=_RANK.__getitem__, default=None)
    user._facturier_role = role
    return role


def has_role(user: Any, needed: Role) -> bool:
    role = role_of(user)
    return role is not None and _RANK[role] >= _RANK[needed]
