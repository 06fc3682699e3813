from __future__ import annotations

import base64
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from pypdf import PdfWriter

from facturier.api.tests.helpers import fields_of, invoice_payload
from facturier.crm.models import CustomerEmail, EmailStatus
from facturier.dispatch.models import DeliveryEvent, Dispatch
from facturier.dispatch.services import dispatch_transition
from facturier.invoices.models import Invoice
from facturier.invoices.scheduling import send_time_for
from facturier.testing.factories import make_customer, make_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(db: None) -> Any:
    return make_customer(external_ref="C-ACME", emails=["compta@acme.example", "boss@acme.example"])


def post_json(api: Client, body: dict[str, Any]) -> Any:
    return api.post("/api/v1/invoices", body, content_type="application/json")


def media_files() -> list[Path]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_json_invoice_is_created_with_one_dispatch_per_active_address(api: Client, acme: Any) -> None:
    CustomerEmail.objects.create(customer=acme, address="old@acme.example", active=False)
    response = post_json(api, invoice_payload())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "F-2026-0001" and body["customer_ref"] == "C-ACME"
    assert body["total"] == "1200.50" and body["status"] == "scheduled"
    assert sorted(d["recipient"] for d in body["dispatches"]) == ["boss@acme.example", "compta@acme.example"]
    expected = dt.datetime(2031, 11, 24, 8, 0, tzinfo=dt.UTC)
    assert all(dt.datetime.fromisoformat(d["scheduled_at"]) == expected for d in body["dispatches"])
    assert all(d["channel"] == "email" and d["state"] == "scheduled" for d in body["dispatches"])
    invoice = Invoice.objects.get()
    assert invoice.pdf.read() == make_pdf()
    assert invoice.pdf_sha256 and invoice.source == "api"
    kinds = [e["kind"] for e in body["events"]]
    assert kinds[0] == "created" and kinds.count("scheduled") == 2
    assert body["events"][0]["evidence"]["pdf"]["pages"] == 1
    assert body["events"][0]["actor"] == "api:erp-test"


def test_multipart_upload_creates_the_same_invoice(api: Client, acme: Any) -> None:
    fields = invoice_payload()
    del fields["pdf_base64"]
    upload = io.BytesIO(make_pdf(2))
    upload.name = "F-2026-0001.pdf"
    response = api.post("/api/v1/invoices", {**fields, "pdf": upload})
    assert response.status_code == 201, response.content
    assert len(response.json()["dispatches"]) == 2
    assert Invoice.objects.get().pdf.read() == make_pdf(2)


def test_multipart_without_the_file_names_pdf(api: Client, acme: Any) -> None:
    fields = invoice_payload()
    del fields["pdf_base64"]
    response = api.post("/api/v1/invoices", fields)
    assert response.status_code == 422
    assert fields_of(response) == ["pdf"]


def test_without_send_at_the_company_policy_decides(api: Client, acme: Any) -> None:
    response = post_json(api, invoice_payload(send_at=None))
    assert response.status_code == 201
    scheduled = dt.datetime.fromisoformat(response.json()["dispatches"][0]["scheduled_at"])
    expected = send_time_for(customer=acme)
    assert abs((scheduled - expected).total_seconds()) < 5  # same rule, a moment apart


def test_a_send_at_in_the_past_means_now(api: Client, acme: Any) -> None:
    response = post_json(api, invoice_payload(send_at="2020-01-01T00:00:00Z"))
    scheduled = dt.datetime.fromisoformat(response.json()["dispatches"][0]["scheduled_at"])
    assert scheduled.year >= 2026


def test_invalid_addresses_get_no_dispatch_and_none_left_is_recorded(api: Client, acme: Any) -> None:
    acme.emails.update(status=EmailStatus.INVALID)
    response = post_json(api, invoice_payload())
    assert response.status_code == 201
    body = response.json()
    assert body["dispatches"] == [] and body["status"] == "new"
    assert "no_address" in [e["kind"] for e in body["events"]]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"pdf_base64": "not base64 at all!"}, "pdf_base64"),
        ({"pdf_base64": base64.b64encode(b"GIF89a not a pdf").decode()}, "pdf_base64"),
        ({"pdf_base64": base64.b64encode(b"%PDF-1.7 truncated garbage").decode()}, "pdf_base64"),
        ({"pdf_base64": base64.b64encode(encrypted_pdf("open-sesame")).decode()}, "pdf_base64"),
        ({"send_at": "2031-11-24T09:00:00"}, "send_at"),
        ({"send_at": "tomorrow"}, "send_at"),
        ({"send_at": 1790000000}, "send_at"),
        ({"total": "12,50"}, "total"),
        ({"total": "-1.00"}, "total"),
        ({"total": "1.001"}, "total"),
        ({"due_date": "2026-11-01"}, "due_date"),
        ({"issue_date": "23/11/2026"}, "issue_date"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "E1"}, "currency"),
        ({"number": ""}, "number"),
    ],
)
def test_bad_invoice_fields_get_422_naming_the_field_and_nothing_is_written(
    api: Client, acme: Any, overrides: dict[str, Any], field: str
) -> None:
    response = post_json(api, invoice_payload(**overrides))
    assert response.status_code == 422, response.content
    assert fields_of(response) == [field]
    assert not Invoice.objects.exists() and not Dispatch.objects.exists()
    assert media_files() == []


def test_unknown_customer_ref_is_404_naming_customer_ref(api: Client, acme: Any) -> None:
    response = post_json(api, invoice_payload(customer_ref="C-NOBODY"))
    assert response.status_code == 404
    assert fields_of(response) == ["customer_ref"]
    assert not Invoice.objects.exists() and media_files() == []


def test_an_existing_number_is_409_and_the_first_invoice_is_untouched(api: Client, acme: Any) -> None:
    assert post_json(api, invoice_payload()).status_code == 201
    response = post_json(api, invoice_payload(total="1.00"))
    assert response.status_code == 409
    assert fields_of(response) == ["number"]
    assert Invoice.objects.get().total == 1200.50
    assert len(media_files()) == 1


def test_a_pdf_with_only_an_owner_password_is_accepted_and_flagged(api: Client, acme: Any) -> None:
    pdf = encrypted_pdf("")
    response = post_json(api, invoice_payload(pdf_base64=base64.b64encode(pdf).decode()))
    assert response.status_code == 201, response.content
    created = response.json()["events"][0]
    assert created["evidence"]["pdf"]["encrypted"] is True and "encrypted" in created["summary"]


def test_malformed_json_gets_the_uniform_error_shape(api: Client) -> None:
    response = api.post("/api/v1/invoices", "{nope", content_type="application/json")
    assert response.status_code == 422
    assert fields_of(response) == [""]


def test_get_invoice_shows_partial_status_with_detail_and_the_evidence(api: Client, acme: Any) -> None:
    post_json(api, invoice_payload())
    first, second = Dispatch.objects.order_by("id")
    for d, final in ((first, "delivered"), (second, "bounced_hard")):
        dispatch_transition(dispatch=d, to="sending", kind="sending", summary="sending")
        dispatch_transition(dispatch=d, to="accepted", kind="smtp_accepted", summary="250 ok", message_id=f"<{d.pk}@x>")
        dispatch_transition(dispatch=d, to=final, kind="dsn", summary=final, evidence={"status": "5.1.1"})
    body = api.get("/api/v1/invoices/F-2026-0001").json()
    assert body["status"] == "partial"
    assert body["status_detail"] == "bounced_hard 1, delivered 1"
    assert {d["state"] for d in body["dispatches"]} == {"delivered", "bounced_hard"}
    assert set(body["dispatches"][0]) >= {
        "id", "channel", "state", "recipient", "scheduled_at", "message_id", "accepted_at", "attempts", "last_reply"
    }  # fmt: skip
    dsn = [e for e in body["events"] if e["kind"] == "dsn"]
    assert dsn[0]["evidence"] == {"status": "5.1.1"} and dsn[0]["from_state"] == "accepted"
    assert set(dsn[0]) >= {"at", "kind", "summary", "from_state", "to_state", "evidence", "dispatch_id"}
    assert len(body["events"]) == DeliveryEvent.objects.count()


def test_get_unknown_invoice_is_404_naming_number(api: Client) -> None:
    response = api.get("/api/v1/invoices/NOPE")
    assert response.status_code == 404
    assert fields_of(response) == ["number"]


def test_a_pdf_larger_than_djangos_default_body_limit_is_accepted(api: Client, acme: Any) -> None:
    big = make_pdf(text="x" * 3_000_000)  # 4 MB once in base64: over Django's 2.5 MB default
    response = post_json(api, invoice_payload(pdf_base64=base64.b64encode(big).decode()))
    assert response.status_code == 201, response.content[:300]
    assert Invoice.objects.get().pdf.size == len(big)


def test_a_body_over_the_limit_is_413_naming_pdf_base64(api: Client, acme: Any) -> None:
    from facturier.api.invoices import MAX_JSON_BYTES

    response = api.post(
        "/api/v1/invoices", "x", content_type="application/json", CONTENT_LENGTH=str(MAX_JSON_BYTES + 1)
    )
    assert response.status_code == 413
    assert fields_of(response) == ["pdf_base64"]


def test_reading_an_invoice_costs_the_same_queries_however_many_dispatches(
    api: Client, acme: Any, django_assert_max_num_queries: Any
) -> None:
    post_json(api, invoice_payload())
    for n in range(10):
        CustomerEmail.objects.create(customer=acme, address=f"extra{n}@acme.example")
    post_json(api, invoice_payload(number="F-2026-0002"))
    # token check (1-2), invoice + customer, dispatches, events
    with django_assert_max_num_queries(5):
        assert len(api.get("/api/v1/invoices/F-2026-0002").json()["dispatches"]) == 12
