"""API tokens: shown once at creation, stored as SHA-256, compared in constant time via the hash index."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone

from facturier.accounts.models import ApiToken


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_create(*, name: str) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the secret (never stored, never shown again)."""
    secret = "fct_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(name=name, prefix=secret[:12], secret_sha256=_digest(secret))
    return token, secret


def api_token_check(secret: str) -> ApiToken | None:
    """The live token for this secret, or None. Touches last_used_at at most once a minute."""
    if not secret or len(secret) > 200:
        return None
    token = ApiToken.objects.filter(secret_sha256=_digest(secret), revoked_at__isnull=True).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
