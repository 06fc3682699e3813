"""Who may act on work items: every role reads; operators and admins act (checked on the server
for every POST, whatever buttons the page showed)."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from facturier.accounts.roles import Role, has_role
from facturier.web.access import View, reader_required


def can_act(user: Any) -> bool:
    return has_role(user, Role.OPERATOR)


def operator_required(view: View) -> View:
    """Login and a role (reader_required), then operator or admin; 403 otherwise."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_act(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return reader_required(wrapped)
