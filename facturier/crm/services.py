"""Writes on customers: the ERP's upsert, with the history of billing addresses kept."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from facturier.crm.inputs import CUSTOMER_FIELDS, ConflictError, CustomerIn, InputError
from facturier.crm.models import Customer, CustomerActivity, CustomerEmail, EmailStatus


@transaction.atomic
def customer_upsert(*, data: CustomerIn) -> tuple[Customer, bool]:
    """Create the customer with this external_ref, or update it; returns (customer, created).

    Fields left out (None) keep their stored value. E-mail addresses keep their history: an address
    no longer listed is retired (active=False), a new one is added, a listed one keeps its status.
    """
    customer = Customer.objects.select_for_update().filter(external_ref=data.external_ref).first()
    created = customer is None
    if customer is None:
        customer = Customer(external_ref=data.external_ref)
    for api_name, model_name in CUSTOMER_FIELDS.items():
        value = getattr(data, api_name)
        if value is not None:
            setattr(customer, model_name, value)
    if data.send_days is not None:
        customer.send_days = "".join(str(d) for d in data.send_days)
    if customer.send_until <= customer.send_from:
        # Checked here too: an update may send only one end of the window.
        raise InputError("send_until", "must be later than send_from")
    try:
        with transaction.atomic():  # a savepoint, so the race below can be answered cleanly
            customer.save()
    except IntegrityError:
        # Two calls created the same external_ref at the same moment; the other one won.
        raise ConflictError("external_ref", "created by a concurrent call at the same moment; send it again") from None
    changes = customer_emails_sync(customer=customer, addresses=data.emails)
    if changes and not created:
        CustomerActivity.objects.create(
            customer=customer,
            at=timezone.now(),
            kind="emails_updated",
            summary="billing addresses updated by the ERP: " + "; ".join(changes),
            data={"changes": changes},
        )
    return customer, created


def customer_emails_sync(*, customer: Customer, addresses: list[str]) -> list[str]:
    """Make the active addresses exactly `addresses`; returns a list of changes ("+a", "-b")."""
    wanted = {a.casefold(): a for a in addresses}
    rows = list(CustomerEmail.objects.filter(customer=customer).order_by("-id"))
    active = {r.address.casefold(): r for r in rows if r.active}
    retired: dict[str, CustomerEmail] = {}
    for r in rows:
        if not r.active:
            retired.setdefault(r.address.casefold(), r)  # newest retired row per address
    changes: list[str] = []
    now = timezone.now()
    gone = [r.pk for key, r in active.items() if key not in wanted]
    if gone:
        CustomerEmail.objects.filter(pk__in=gone).update(active=False, updated_at=now)
        changes += [f"-{active[k].address}" for k in active if k not in wanted]
    for key, address in wanted.items():
        if key in active:
            continue
        old = retired.get(key)
        if old is not None:
            # Listed again: bring back its row, so a known-invalid address stays flagged invalid
            # instead of being mailed blindly as if it were new.
            CustomerEmail.objects.filter(pk=old.pk).update(active=True, updated_at=now)
        else:
            CustomerEmail.objects.create(customer=customer, address=address)
        changes.append(f"+{address}")
    return changes


def customer_email_mark_invalid(*, customer_id: int, address: str, reason: str) -> int:
    """Mark the customer's active address invalid (a 5xx at RCPT, or a hard-bounce DSN).

    The one place that does it, for the send path, the returns path and the letters next step;
    idempotent (an address already invalid keeps its first reason). Returns rows changed.
    """
    return (
        CustomerEmail.objects.filter(customer_id=customer_id, address__iexact=address, active=True)
        .exclude(status=EmailStatus.INVALID)
        .update(status=EmailStatus.INVALID, status_reason=reason[:300], status_changed_at=timezone.now())
    )
