"""Reads for the customer screens: the searchable list and one customer's page, each in a fixed,
small number of queries (pinned by tests), whatever the customer's history."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from facturier.crm.models import Customer, CustomerActivity, CustomerEmail
from facturier.dispatch.models import Dispatch
from facturier.invoices.models import Invoice
from facturier.returns.models import ReturnVerdict
from facturier.worklist.models import WorkItem, WorkItemState

CUSTOMER_PAGE_SIZE = 50
HISTORY_LIMIT = 50  # dispatches, returns, activities shown on a customer's page
UNPAID_LIMIT = 20


@dataclass(frozen=True)
class CustomerPage:
    rows: list[Customer]
    next_after: str | None  # "name~id" of the last row when more follow


def customer_search(*, text: str = "", after: str | None = None, size: int = CUSTOMER_PAGE_SIZE) -> CustomerPage:
    """Customers by name (A to Z), optionally matching a text on the name or reference; keyset
    paged on (name, id), which the name index serves (20,000 customers or more)."""
    qs: QuerySet[Customer] = Customer.objects.all()
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(external_ref__istartswith=text))
    if after and "~" in after:
        name, _sep, ident = after.rpartition("~")
        if ident.isdigit():
            qs = qs.filter(Q(name__gt=name) | Q(name=name, id__gt=int(ident)), name__gte=name)
    rows = list(qs.order_by("name", "id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return CustomerPage(rows=rows, next_after=f"{rows[-1].name}~{rows[-1].pk}" if more and rows else None)


@dataclass(frozen=True)
class CustomerDetail:
    customer: Customer
    emails: list[CustomerEmail]  # active first, then the replaced ones (history)
    dispatches: list[Dispatch]
    returns: list[ReturnVerdict]
    work_items: list[WorkItem]
    activities: list[CustomerActivity]
    unpaid: list[Invoice]


def customer_by_ref(external_ref: str) -> Customer | None:
    return Customer.objects.filter(external_ref=external_ref).first()


def customer_detail(customer: Customer) -> CustomerDetail:
    """Everything the customer page shows, in six queries after the customer itself."""
    emails = list(
        CustomerEmail.objects.filter(customer=customer).select_related("replaced_by").order_by("-active", "-id")
    )
    dispatches = list(
        Dispatch.objects.filter(invoice__customer=customer)
        .select_related("invoice")
        .only(
            "id",
            "channel",
            "recipient",
            "state",
            "scheduled_at",
            "accepted_at",
            "state_changed_at",
            "last_reply",
            "invoice__number",
            "invoice__id",
        )
        .order_by("-id")[:HISTORY_LIMIT]
    )
    returns = list(
        ReturnVerdict.objects.filter(dispatch__invoice__customer=customer)
        .select_related("inbound", "dispatch__invoice")
        .defer("inbound__raw_compressed", "diagnostic")
        .order_by("-id")[:HISTORY_LIMIT]
    )
    work_items = list(
        WorkItem.objects.filter(customer=customer, state=WorkItemState.OPEN)
        .select_related("invoice")
        .order_by("created_at", "id")[:HISTORY_LIMIT]
    )
    activities = list(
        CustomerActivity.objects.filter(customer=customer)
        .select_related("invoice")
        .order_by("-at", "-id")[:HISTORY_LIMIT]
    )
    unpaid = list(
        Invoice.objects.filter(customer=customer, paid_at__isnull=True).order_by("-issue_date", "-id")[:UNPAID_LIMIT]
    )
    return CustomerDetail(
        customer=customer,
        emails=emails,
        dispatches=dispatches,
        returns=returns,
        work_items=work_items,
        activities=activities,
        unpaid=unpaid,
    )
