"""POST /api/v1/customers: the ERP's customer upsert."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from facturier.api.schemas import CustomerOut, ErrorOut, customer_out
from facturier.crm.inputs import CustomerIn, NotFoundError
from facturier.crm.selectors import customer_get
from facturier.crm.services import customer_upsert

router = Router(tags=["customers"])


@router.post("", response={200: CustomerOut, 201: CustomerOut, 422: ErrorOut}, summary="Create or update a customer")
def upsert(request: HttpRequest, payload: CustomerIn) -> Status[dict[str, Any]]:
    """Upsert by external_ref: 201 when created, 200 when updated. Addresses no longer listed are
    retired (kept, inactive); listed ones keep their verification status."""
    customer, created = customer_upsert(data=payload)
    return Status(201 if created else 200, customer_out(customer))


@router.get("/{external_ref}", response={200: CustomerOut, 404: ErrorOut}, summary="One customer")
def get(request: HttpRequest, external_ref: str) -> dict[str, Any]:
    customer = customer_get(external_ref=external_ref)
    if customer is None:
        raise NotFoundError("external_ref", f"no customer with external_ref {external_ref!r}")
    return customer_out(customer)
