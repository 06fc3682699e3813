"""The JSON body of a webhook, built from a CustomerActivity (format documented in README.md)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from facturier.crm.models import CustomerActivity


def activity_payload(activity: CustomerActivity, *, event_id: str | None = None) -> dict[str, Any]:
    invoice = activity.invoice
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex}",
        "type": activity.kind,
        "occurred_at": activity.at.isoformat(),
        "customer": {"external_ref": activity.customer.external_ref, "name": activity.customer.name},
        "invoice": {"number": invoice.number} if invoice else None,
        "summary": activity.summary,
        "data": activity.data,
    }


def payload_body(payload: dict[str, Any]) -> str:
    # Compact and key-sorted: the signature covers these exact bytes, stored as sent.
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
