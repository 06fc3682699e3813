"""Request bodies and checks shared by the API tests."""

from __future__ import annotations

import base64
from typing import Any

from facturier.testing.factories import make_pdf


def invoice_payload(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "number": "F-2026-0001",
        "customer_ref": "C-ACME",
        "issue_date": "2026-11-23",
        "due_date": "2026-12-23",
        "total": "1200.50",
        "currency": "EUR",
        "pdf_base64": base64.b64encode(make_pdf()).decode(),
        "send_at": "2031-11-24T09:00:00+01:00",
    }
    body.update(overrides)
    return body


def fields_of(response: Any) -> list[str]:
    """The field names of a uniform error body (and checks the shape on the way)."""
    body = response.json()
    assert set(body) == {"detail"}, body
    assert all(set(item) == {"field", "message"} for item in body["detail"]), body
    return [item["field"] for item in body["detail"]]
