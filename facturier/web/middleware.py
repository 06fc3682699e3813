from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

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


class CompanyLanguage:
    """French (settings.LANGUAGE_CODE) unless the user picked another language in the UI.

    Replaces Django's LocaleMiddleware, which would follow the browser's Accept-Language: the
    billing team's screens must not switch language because one clerk's browser is set to English.
    The choice made with the language switch (/i18n/setlang/) lives in the language cookie.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response
