"""POST /api/v1/customers/{external_ref}/email-correction: the corrected e-mail address for a
customer whose address bounced (from the ERP, a CRM, or later the customer portal)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from facturier.crm.address_correction import AddressCorrectionError, customer_email_correct
from facturier.crm.inputs import InputError, NotFoundError
from facturier.crm.models import Customer

router = Router(tags=["customers"])


class EmailCorrectionIn(Schema):
    old_address: str
    new_address: str


class ResentOut(Schema):
    invoice: str
    dispatch_id: int


class EmailCorrectionOut(Schema):
    customer: str
    new_address: str
    closed_work_items: list[int]
    resent: list[ResentOut]


def _actor(request: HttpRequest) -> str:
    token = getattr(request, "api_token", None)
    return f"api:{token.name}" if token is not None else "api"


@router.post(
    "/{external_ref}/email-correction",
    response={200: EmailCorrectionOut},
    summary="Correct a customer's invalid e-mail address",
)
def email_correction(request: HttpRequest, external_ref: str, payload: EmailCorrectionIn) -> EmailCorrectionOut:
    """The old address is kept in history (inactive, replaced_by the new one); open invalid-address
    work items are closed; bounced invoices are sent again when the policy says so. 404 for an
    unknown customer, 422 when an address is unknown or invalid."""
    customer = Customer.objects.filter(external_ref=external_ref).first()
    if customer is None:
        raise NotFoundError("external_ref", f"no customer with external_ref {external_ref!r}")
    try:
        result = customer_email_correct(
            customer=customer, old_address=payload.old_address, new_address=payload.new_address, actor=_actor(request)
        )
    except AddressCorrectionError as exc:
        raise InputError(exc.field, exc.message) from None  # the API's one error shape, with the field
    return EmailCorrectionOut(
        customer=customer.external_ref,
        new_address=result.new_email.address,
        closed_work_items=[item.pk for item in result.closed_items],
        resent=[ResentOut(invoice=d.invoice.number, dispatch_id=d.pk) for d in result.resent],
    )
