"""Writes on webhook endpoints (the admin screen and `facturier webhook-add`); each leaves an audit
entry. The secret never goes into the audit detail nor into a log: the caller shows it once."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from facturier.core.models import AuditEntry
from facturier.webhooks.events import unknown_event_types
from facturier.webhooks.models import WebhookEndpoint

URL_MAX_LENGTH = 500  # WebhookEndpoint.url
# The worker refuses any other scheme at sending time (delivery.http_post); refuse it here already.
_url_validator = URLValidator(schemes=["http", "https"])


class WebhookEndpointError(ValueError):
    """A change refused for a reason the admin can act on; `field` names the input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def webhook_url_check(url: str) -> str:
    """The URL stripped, if it is an absolute http(s) URL that fits the column; else WebhookEndpointError."""
    url = url.strip()
    if len(url) <= URL_MAX_LENGTH:
        try:
            _url_validator(url)
        except ValidationError:
            pass
        else:
            return url
    raise WebhookEndpointError(
        "url", _("enter an absolute http:// or https:// URL (at most %(n)d characters)") % {"n": URL_MAX_LENGTH}
    )


def _new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def _audit(*, by: User | None, action: str, endpoint: WebhookEndpoint, **detail: Any) -> None:
    AuditEntry.objects.create(
        user=by,
        actor=by.get_username() if by is not None else "system",
        action=action,
        target_count=1,
        detail={"endpoint": endpoint.pk, "name": endpoint.name, "url": endpoint.url, **detail},
    )


@transaction.atomic
def webhook_endpoint_create(
    *, name: str, url: str, events: list[str] | None = None, by: User | None = None
) -> WebhookEndpoint:
    """Register an endpoint with a fresh secret; the caller shows the secret once."""
    name = name.strip()
    if not name:
        raise WebhookEndpointError("name", _("a name is needed"))
    url = webhook_url_check(url)
    events = list(dict.fromkeys(events or []))  # order kept, duplicates dropped
    unknown = unknown_event_types(events)
    if unknown:
        raise WebhookEndpointError("events", _("unknown event type: %(types)s") % {"types": ", ".join(unknown)})
    endpoint = WebhookEndpoint.objects.create(name=name, url=url, events=events, secret=_new_secret())
    _audit(by=by, action="webhook_endpoint.create", endpoint=endpoint, events=events)
    return endpoint


@transaction.atomic
def webhook_endpoint_set_active(*, endpoint: WebhookEndpoint, active: bool, by: User | None) -> WebhookEndpoint:
    """Stop (or resume) queuing events for this endpoint; deliveries already queued still go out."""
    if endpoint.active != active:
        endpoint.active = active
        endpoint.save(update_fields=["active"])
        action = "webhook_endpoint.activate" if active else "webhook_endpoint.deactivate"
        _audit(by=by, action=action, endpoint=endpoint)
    return endpoint


@transaction.atomic
def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, by: User | None) -> WebhookEndpoint:
    """A new secret at once: every POST from now on, retries of older events included, is signed
    with it; the caller shows it once."""
    endpoint.secret = _new_secret()
    endpoint.save(update_fields=["secret"])
    _audit(by=by, action="webhook_endpoint.rotate_secret", endpoint=endpoint)
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, by: User | None) -> None:
    """Delete an endpoint that never had a delivery (a typo, a test). One with deliveries is only
    deactivated: deleting it would cascade to its delivery log, which is the record of what the
    CRM was told."""
    if endpoint.deliveries.exists():
        raise WebhookEndpointError("endpoint", _("this endpoint has deliveries: deactivate it instead"))
    _audit(by=by, action="webhook_endpoint.delete", endpoint=endpoint)
    endpoint.delete()
