"""Who may see what in the web UI, in one place (every screen goes through these helpers).

The login middleware already turns anonymous requests away; these decorators repeat the check on
each view (defence in depth, and a view keeps its protection if it is ever mounted elsewhere) and add
the role check: a logged-in account with no role sees nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from facturier.accounts.roles import Role, has_role

View = Callable[..., HttpResponse]


def can_read_invoices(user: Any) -> bool:
    """Every role (viewer, operator, admin) reads invoices, their timeline, PDF and the outbox."""
    return has_role(user, Role.VIEWER)


def reader_required(view: View) -> View:
    """Login, then at least the viewer role; 403 otherwise."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_read_invoices(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def role_required(role: Role) -> Callable[[View], View]:
    """Login, then at least `role`; 403 otherwise (whatever buttons the page showed)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_role(request.user, role):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


operator_required = role_required(Role.OPERATOR)
admin_required = role_required(Role.ADMIN)
