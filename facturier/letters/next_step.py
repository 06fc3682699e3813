"""What happens, with nobody acting, when an e-mail address turns out invalid.

The bounce handlers (5xx at sending, hard-bounce DSN) call address_invalid after their own
transaction committed. Per the effective policy (company settings + customer preferences):
the CRM timeline and its webhooks learn it, a work item asks for the corrected address, and the
invoice goes by post with a cover letter (at the next cut-off, or at once).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from facturier.crm.activities import customer_activity_record
from facturier.crm.models import Customer, CustomerActivity
from facturier.crm.services import customer_email_mark_invalid
from facturier.dispatch.models import Channel, Dispatch
from facturier.dispatch.states import State
from facturier.letters.batches import batch_close, batch_create_immediate
from facturier.letters.models import Letter
from facturier.letters.policy import InvalidAddressPolicy, OnInvalidAddress, PolicyError, PostTiming, resolve_policy
from facturier.letters.services import letter_queue
from facturier.worklist.models import WorkItemKind
from facturier.worklist.services import work_item_open

log = logging.getLogger(__name__)


def policy_for(customer: Customer) -> InvalidAddressPolicy:
    company = {
        "on_invalid_address": settings.FACTURIER_ON_INVALID_ADDRESS,
        "post_timing": settings.FACTURIER_POST_TIMING,
        "resend_on_correction": settings.FACTURIER_RESEND_ON_CORRECTION,
    }
    try:
        return resolve_policy(company=company, preferences=customer.preferences or {})
    except PolicyError as exc:
        # A typo in one customer's preferences must not stop the invoice from reaching them:
        # use the company policy (itself checked by the same function) and say so in the log.
        log.error("customer %s: %s; using the company policy", customer.external_ref, exc)
        return resolve_policy(company=company, preferences={})


def address_invalid(*, dispatch_id: int, evidence: dict[str, Any]) -> None:
    """Entry point for the bounce handlers: the e-mail dispatch went bounced_hard. Idempotent: a
    second call for the same dispatch (a DSN after a 5xx, a re-run) adds nothing."""
    dispatch = Dispatch.objects.select_related("invoice__customer").get(pk=dispatch_id)
    if dispatch.channel != Channel.EMAIL or dispatch.state != State.BOUNCED_HARD:
        log.warning(
            "address_invalid(%s): dispatch is %s/%s, not a bounced e-mail",
            dispatch_id,
            dispatch.channel,
            dispatch.state,
        )
        return
    customer = dispatch.invoice.customer
    policy = policy_for(customer)
    _record(dispatch=dispatch, customer=customer, evidence=evidence, policy=policy)
    if policy.on_invalid_address is not OnInvalidAddress.PRINT:
        return
    if Letter.objects.filter(source_dispatch=dispatch).exists():
        return
    immediate = policy.post_timing is PostTiming.IMMEDIATE
    batch = batch_create_immediate(now=timezone.now()) if immediate else None
    outcome = letter_queue(
        invoice=dispatch.invoice,
        reason="address_invalid",
        source_dispatch=dispatch,
        failed_address=dispatch.recipient,
        failed_on=timezone.localdate(dispatch.state_changed_at),
        batch=batch,
    )
    if batch is not None:
        if outcome.letter:
            batch_close(batch_id=batch.pk, now=timezone.now())
        else:
            batch.delete()


@transaction.atomic
def _record(*, dispatch: Dispatch, customer: Customer, evidence: dict[str, Any], policy: InvalidAddressPolicy) -> None:
    """The CRM activity (+ webhooks), the address's status, and the work item, all or nothing."""
    invoice = dispatch.invoice
    reason = str(evidence.get("diagnostic") or evidence.get("reply") or evidence.get("status") or "hard bounce")[:300]
    customer_email_mark_invalid(customer_id=customer.pk, address=dispatch.recipient, reason=reason)
    already = CustomerActivity.objects.filter(customer=customer, kind="address_invalid", data__dispatch=dispatch.pk)
    if not already.exists():
        customer_activity_record(
            customer=customer,
            invoice=invoice,
            kind="address_invalid",
            summary=f"Invoice {invoice.number} could not be delivered to {dispatch.recipient}: {reason}",
            data={
                "dispatch": dispatch.pk,
                "address": dispatch.recipient,
                "evidence": evidence,
                "next_step": "print" if policy.on_invalid_address is OnInvalidAddress.PRINT else "work_item_only",
            },
        )
    post = (
        "; the invoice goes by post with a cover letter" if policy.on_invalid_address is OnInvalidAddress.PRINT else ""
    )
    work_item_open(
        kind=WorkItemKind.INVALID_ADDRESS,
        title=f"Corrected e-mail address needed for {customer.name} ({dispatch.recipient} is invalid)",
        detail=f"Invoice {invoice.number} to {dispatch.recipient} bounced: {reason}{post}. "
        f"Enter the corrected address on /letters/correct/{customer.external_ref}/.",
        invoice_id=invoice.pk,
        customer_id=customer.pk,
        dispatch_id=dispatch.pk,
    )
