"""Read queries for the web screens. Each returns everything its page shows in a fixed, small
number of queries, whatever the number of rows (the list screen is pinned by a test)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from facturier.crm.models import Customer, CustomerEmail
from facturier.dispatch.models import DeliveryEvent, Dispatch
from facturier.dispatch.states import State
from facturier.invoices.models import Invoice
from facturier.web.forms import Cursor, InvoiceFilters, PageRequest

# Counting a million rows on every refresh would cost more than the page itself: count at most this
# many and show "10 000+" beyond. A LIMITed subquery keeps the count an index range scan.
COUNT_CAP = 10_000


@dataclass(frozen=True)
class InvoicePage:
    rows: list[Invoice]
    count: int  # capped: COUNT_CAP + 1 means "more than COUNT_CAP"
    newer: Cursor | None  # cursor for the page of newer rows, None on the first page
    older: Cursor | None  # cursor for the page of older rows, None on the last page

    @property
    def count_capped(self) -> bool:
        return self.count > COUNT_CAP


# Up to this many matching customers are passed to the invoice query as a literal list: the
# planner then estimates the match count right and picks the (customer, -issue_date) index or a
# bitmap scan. A subquery instead made PostgreSQL guess "half the table" and walk the whole
# issue-date index (1.5 s at 1M invoices). A broader term (more customers) matches many invoices,
# where walking the issue-date index in order stops early anyway.
CUSTOMER_MATCH_CAP = 1000


def _customers_matching(text: str) -> list[int] | QuerySet[Customer]:
    matching = Customer.objects.filter(Q(name__icontains=text) | Q(external_ref__iexact=text)).values_list(
        "id", flat=True
    )
    ids = list(matching[: CUSTOMER_MATCH_CAP + 1])
    return matching if len(ids) > CUSTOMER_MATCH_CAP else ids


def invoice_filtered(filters: InvoiceFilters) -> QuerySet[Invoice]:
    qs = Invoice.objects.all()
    if filters.states:
        # A "partial" invoice (one address delivered, one bounced) also answers for the states in
        # its detail ("bounced_hard 1, delivered 1"), so filtering on bounced_hard finds it.
        in_partial = Q()
        for state in filters.states:
            in_partial |= Q(status_detail__startswith=f"{state} ") | Q(status_detail__contains=f", {state} ")
        qs = qs.filter(Q(status__in=filters.states) | (Q(status="partial") & in_partial))
    if filters.customer:
        qs = qs.filter(customer__in=_customers_matching(filters.customer))
    if filters.issued_from:
        qs = qs.filter(issue_date__gte=filters.issued_from)
    if filters.issued_until:
        qs = qs.filter(issue_date__lte=filters.issued_until)
    if filters.q:
        # Number: a prefix match, which PostgreSQL answers from the unique index's pattern twin
        # (a "contains" would scan the table). Tried as typed and upper-cased (ERP numbers are).
        text = filters.q
        qs = qs.filter(
            Q(number__startswith=text) | Q(number__startswith=text.upper()) | Q(customer__in=_customers_matching(text))
        )
    return qs


def _next_send_at() -> Subquery:
    # Evaluated only for the page's rows; served by Dispatch's (invoice, -id) index.
    due = Dispatch.objects.filter(invoice=OuterRef("pk"), state=State.SCHEDULED).order_by("due_at")
    return Subquery(due.values("due_at")[:1])


def invoice_page(*, filters: InvoiceFilters, page: PageRequest) -> InvoicePage:
    """One page of the invoice list, newest issue date first, with a capped count of all matches."""
    base = invoice_filtered(filters)
    count = base.values("pk")[: COUNT_CAP + 1].count()
    rows_qs = base.select_related("customer").annotate(next_send_at=_next_send_at())
    size = page.size
    if page.before:
        # Walk backwards from the cursor, then put the rows back in display order.
        c = page.before
        newer_q = Q(issue_date__gt=c.issue_date) | Q(issue_date=c.issue_date, id__gt=c.id)
        chunk = list(rows_qs.filter(newer_q, issue_date__gte=c.issue_date).order_by("issue_date", "id")[: size + 1])
        has_more_newer = len(chunk) > size
        rows = list(reversed(chunk[:size]))
        has_more_older = True
    else:
        if page.after:
            c = page.after
            older_q = Q(issue_date__lt=c.issue_date) | Q(issue_date=c.issue_date, id__lt=c.id)
            # The redundant bound is what the index can seek to; the OR alone is only a filter
            # (175,000 rows read to reach the middle of 1M invoices).
            rows_qs = rows_qs.filter(older_q, issue_date__lte=c.issue_date)
        chunk = list(rows_qs.order_by("-issue_date", "-id")[: size + 1])
        has_more_older = len(chunk) > size
        rows = chunk[:size]
        has_more_newer = page.after is not None
    newer = Cursor(rows[0].issue_date, rows[0].pk) if rows and has_more_newer else None
    older = Cursor(rows[-1].issue_date, rows[-1].pk) if rows and has_more_older else None
    return InvoicePage(rows=rows, count=count, newer=newer, older=older)


@dataclass(frozen=True)
class InvoiceDetail:
    invoice: Invoice
    emails: list[CustomerEmail]
    dispatches: list[Dispatch]
    events: list[DeliveryEvent]


def invoice_by_number(number: str) -> Invoice | None:
    return Invoice.objects.select_related("customer").filter(number=number).first()


def invoice_detail(invoice: Invoice) -> InvoiceDetail:
    """Everything the detail page shows, in three queries after the invoice itself."""
    emails = list(CustomerEmail.objects.filter(customer_id=invoice.customer_id).order_by("-active", "id"))
    dispatches = list(Dispatch.objects.filter(invoice=invoice).order_by("id"))
    events = list(
        DeliveryEvent.objects.filter(invoice=invoice)
        .annotate(dispatch_recipient=F("dispatch__recipient"))
        .order_by("at", "id")
    )
    return InvoiceDetail(invoice=invoice, emails=emails, dispatches=dispatches, events=events)
