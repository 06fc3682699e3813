from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from facturier.accounts.roles import Role, has_role, role_of


def roles(request: HttpRequest) -> dict[str, Any]:
    """Templates show action buttons only to those allowed (the views check again on POST)."""
    user = getattr(request, "user", None)
    return {
        "user_role": role_of(user),
        "can_act": has_role(user, Role.OPERATOR),
        "is_admin": has_role(user, Role.ADMIN),
    }
