"""Small helpers shared by the API's routers."""

from __future__ import annotations

from django.http import HttpRequest


def actor_of(request: HttpRequest) -> str:
    """'api:TOKEN_NAME': what the timeline and the audit log show for calls made with a token."""
    token = getattr(request, "api_token", None)
    return f"api:{token.name}" if token is not None else "api"
