from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

# Paths that must answer without a session: the login page itself, static files, and the API
# (which authenticates every call with its bearer token instead).
PUBLIC_PREFIXES = ("/accounts/login/", "/static/", "/api/", "/i18n/", "/healthz")


class LoginRequiredEverywhere:
    """Authentication on every page by default: a view has to be listed here to be public."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)
