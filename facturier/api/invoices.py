"""/api/v1/invoices: create (JSON or multipart), read with the timeline, resend, cancel, reschedule."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from facturier.api.common import actor_of
from facturier.api.schemas import ActionOut, ErrorOut, InvoiceOut, RescheduleIn, ResendIn, ResendOut, invoice_out
from facturier.crm.inputs import InputError, NotFoundError, TooLargeError
from facturier.invoices.inputs import InvoiceFields, InvoiceJsonIn
from facturier.invoices.models import Invoice
from facturier.invoices.pdf_check import MAX_PDF_BYTES
from facturier.invoices.selectors import invoice_get_with_timeline
from facturier.invoices.services import invoice_cancel, invoice_create, invoice_reschedule, invoice_resend

router = Router(tags=["invoices"])

_FORM_SCHEMA = InvoiceFields.model_json_schema()
_FORM_SCHEMA["properties"]["pdf"] = {"type": "string", "format": "binary", "description": "the PDF file"}
_FORM_SCHEMA["required"] = [*_FORM_SCHEMA.get("required", []), "pdf"]
_CREATE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": InvoiceJsonIn.model_json_schema()},
            "multipart/form-data": {"schema": _FORM_SCHEMA},
        },
    }
}
_ERRORS = {401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}
MAX_JSON_BYTES = MAX_PDF_BYTES * 4 // 3 + 64 * 1024


def parse_create(request: HttpRequest) -> tuple[InvoiceFields, bytes, str]:
    """(metadata, PDF bytes, name of the field that carried the PDF) from a JSON or multipart body.
    Parsed by hand because one path takes two content types; the checks are the shared models'."""
    if request.content_type == "multipart/form-data":
        data = InvoiceFields.model_validate({k: request.POST.get(k) for k in request.POST})
        upload = request.FILES.get("pdf")
        if upload is None:
            raise InputError("pdf", "missing: send the PDF as the file field 'pdf'")
        if upload.size and upload.size > MAX_PDF_BYTES:
            raise InputError("pdf", f"is larger than {MAX_PDF_BYTES // (1024 * 1024)} MB")
        return data, upload.read(), "pdf"
    # Read past request.body, whose DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) would refuse a base64 PDF
    # of 2 MB; our own limit is the largest PDF accepted, base64-inflated, plus the metadata.
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > MAX_JSON_BYTES:
        raise TooLargeError("pdf_base64", f"the body is larger than {MAX_JSON_BYTES // (1024 * 1024)} MB")
    try:
        body = json.loads(request.read() or b"null")
    except (ValueError, UnicodeDecodeError):
        raise InputError("", "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InputError("", "the body must be a JSON object (or a multipart form)")
    payload = InvoiceJsonIn.model_validate(body)
    return payload, payload.pdf_bytes(), "pdf_base64"


def _get(number: str) -> Invoice:
    invoice = invoice_get_with_timeline(number)
    if invoice is None:
        raise NotFoundError("number", f"no invoice with number {number!r}")
    return invoice


@router.post("", response={201: InvoiceOut, **_ERRORS}, openapi_extra=_CREATE_BODY, summary="Create an invoice")
def create(request: HttpRequest) -> Status[dict[str, Any]]:
    """JSON with pdf_base64, or multipart with the same fields as form fields and the file as `pdf`.
    Schedules one e-mail per valid address of the customer, at send_at or the computed send time."""
    data, pdf_bytes, pdf_field = parse_create(request)
    invoice = invoice_create(data=data, pdf_bytes=pdf_bytes, actor=actor_of(request), pdf_field=pdf_field)
    return Status(201, invoice_out(_get(invoice.number)))


@router.post("/resend", response={200: ResendOut, 401: ErrorOut, 422: ErrorOut}, summary="Resend invoices")
def resend(request: HttpRequest, payload: ResendIn) -> dict[str, Any]:
    """A new dispatch per valid address, at send_at or now. Each number is resent entirely or skipped
    with a reason (unknown number, a dispatch still scheduled or sending, no valid address)."""
    results = invoice_resend(numbers=payload.numbers, send_at=payload.send_at, actor=actor_of(request))
    return {"results": [r.__dict__ for r in results]}


@router.get("/{number}", response={200: InvoiceOut, 401: ErrorOut, 404: ErrorOut}, summary="One invoice")
def get(request: HttpRequest, number: str) -> dict[str, Any]:
    """The invoice with its rolled-up status, its dispatches and its timeline (with evidence)."""
    return invoice_out(_get(number))


@router.post("/{number}/cancel", response={200: ActionOut, **_ERRORS}, summary="Cancel scheduled sends")
def cancel(request: HttpRequest, number: str) -> dict[str, Any]:
    """Cancels the dispatches still scheduled; one already sending or sent is not affected."""
    invoice = _get(number)
    count = invoice_cancel(invoice=invoice, actor=actor_of(request))
    invoice.refresh_from_db(fields=["status"])
    return {"number": number, "dispatches": count, "status": invoice.status}


@router.post("/{number}/reschedule", response={200: ActionOut, **_ERRORS}, summary="Reschedule sends")
def reschedule(request: HttpRequest, number: str, payload: RescheduleIn) -> dict[str, Any]:
    """Moves the scheduled dispatches to send_at (omitted: the company policy's next send time)."""
    invoice = _get(number)
    count = invoice_reschedule(invoice=invoice, send_at=payload.send_at, actor=actor_of(request))
    invoice.refresh_from_db(fields=["status"])
    return {"number": number, "dispatches": count, "status": invoice.status}
