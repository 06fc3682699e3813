"""Read queries for the web screens. Each returns everything its page shows in a fixed, small
number of queries, whatever the number of rows (the list screen is pinned by a test)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from facturier.crm.models import Customer, CustomerEmail
from facturier.dispatch.models import DeliveryEvent, Dispatch
from facturier.dispatch.states import State
from facturier.invoices.models import Invoice
from facturier.web.forms import NEEDS_NARROW_FILTER, SORTS, Cursor, InvoiceFilters, PageRequest

# Counting a million rows on every refresh would cost more than the page itself: count at most this
# many and show "more than 1 000" beyond. A LIMITed subquery keeps the count an index range scan,
# but a filter that keeps one row in twenty reads twenty rows per row counted: at 10,000 that was
# 100+ ms of a text-filtered page at 1M invoices. A bulk action on the whole filter counts exactly
# when it starts (its summary gives the total).
COUNT_CAP = 1_000


@dataclass(frozen=True)
class InvoicePage:
    rows: list[Invoice]
    count: int  # capped: COUNT_CAP + 1 means "more than COUNT_CAP"
    newer: Cursor | None  # cursor for the previous page (newer rows by default), None on the first page
    older: Cursor | None  # cursor for the next page (older rows by default), None on the last page
    sort: str = "-issued"  # the order applied (may differ from the one asked: see invoice_page)
    sort_refused: bool = False  # an amount sort was asked on a filter too broad to sort in memory

    @property
    def count_capped(self) -> bool:
        return self.count > COUNT_CAP


# Up to this many matching customers are passed to the invoice query as a literal list: the
# planner then estimates the match count right and picks the (customer, -issue_date) index or a
# bitmap scan. A subquery instead made PostgreSQL guess "half the table" and walk the whole
# issue-date index (1.5 s at 1M invoices). A broader term (more customers) matches many invoices,
# where walking the issue-date index in order stops early anyway.
CUSTOMER_MATCH_CAP = 5_000


def _customers_matching(text: str) -> list[int] | QuerySet[Customer]:
    matching = (
        # external_ref as typed or upper-cased (not iexact: UPPER(external_ref) has no index, and the
        # OR would turn the name's trigram index scan into a sequential scan).
        Customer.objects.filter(Q(name__icontains=text) | Q(external_ref__in={text, text.upper()}))
        .order_by()  # the ids feed an IN list: no ORDER BY name
        .values_list("id", flat=True)
    )
    ids = list(matching[: CUSTOMER_MATCH_CAP + 1])
    return matching if len(ids) > CUSTOMER_MATCH_CAP else ids


def _of_customers(ids: list[int] | QuerySet[Any]) -> Q:
    # A list goes as one array parameter (core.lookups): thousands of placeholders cost more
    # to build and parse than the query takes to run.
    return Q(customer__any=ids) if isinstance(ids, list) else Q(customer__in=ids)


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
        qs = qs.filter(_of_customers(_customers_matching(filters.customer)))
    if filters.issued_from:
        qs = qs.filter(issue_date__gte=filters.issued_from)
    if filters.issued_until:
        qs = qs.filter(issue_date__lte=filters.issued_until)
    if filters.total_min is not None:
        qs = qs.filter(total__gte=filters.total_min)
    if filters.total_max is not None:
        qs = qs.filter(total__lte=filters.total_max)
    if filters.domain:
        qs = _sent_to_domain(qs, filters.domain)
    if filters.q:
        # Number: a prefix match, which PostgreSQL answers from the unique index's pattern twin
        # (a "contains" would scan the table). Tried as typed and upper-cased (ERP numbers are).
        text = filters.q
        qs = qs.filter(
            Q(number__startswith=text) | Q(number__startswith=text.upper()) | _of_customers(_customers_matching(text))
        )
    return qs


# A domain matches few customers (a company's domain) or, for a mailbox provider, many: beyond this
# many the customer list goes to the database as a subquery rather than a literal list.
DOMAIN_CUSTOMER_CAP = 5_000


def _sent_to_domain(qs: QuerySet[Invoice], domain: str) -> QuerySet[Invoice]:
    """Invoices with a dispatch to an address @domain, without scanning the dispatches.

    A suffix match on Dispatch.recipient cannot use its index (it would read all 1.1M dispatches at
    1M invoices, and Dispatch gets no new column here). Every dispatch recipient is one of the
    customer's addresses, kept in CustomerEmail even when retired, and that table is small (a few
    rows per customer, trigram-indexed on PostgreSQL): the suffix match runs there, giving the
    customers; their invoices come from the (customer, -issue_date) index or the issue-date walk,
    and a per-row probe on (invoice, -id) confirms a dispatch really went to that domain (an
    address added after the invoice was sent does not count). The probe is a LIMITed subquery, not
    EXISTS: PostgreSQL turned EXISTS into a semi-join that read every dispatch (1.4 s at 1M)."""
    suffix = "@" + domain
    customers = CustomerEmail.objects.filter(address__iendswith=suffix).values_list("customer_id", flat=True)
    ids = list(customers.order_by().distinct()[: DOMAIN_CUSTOMER_CAP + 1])
    customer_ids: Any = customers if len(ids) > DOMAIN_CUSTOMER_CAP else ids
    sent = Dispatch.objects.filter(invoice=OuterRef("pk"), recipient__iendswith=suffix).order_by()
    return (
        qs.filter(_of_customers(customer_ids))
        .alias(sent_there=Subquery(sent.values("pk")[:1]))
        .filter(sent_there__isnull=False)
    )


def _next_send_at() -> Subquery:
    # Evaluated only for the page's rows; served by Dispatch's (invoice, -id) index.
    due = Dispatch.objects.filter(invoice=OuterRef("pk"), state=State.SCHEDULED).order_by("due_at")
    return Subquery(due.values("due_at")[:1])


def _cursor_values(sort: str, cursor: Cursor | None) -> list[Any] | None:
    """The cursor's text values as the sort's column types; None if they do not fit (a bookmark
    from another sort, a damaged link): the page then starts at the top."""
    if cursor is None:
        return None
    converters = {
        "issue_date": dt.date.fromisoformat,
        "id": int,
        "total": Decimal,
        "number": str,
        "status": str,
    }
    try:
        return [converters[name](raw) for (name, _desc), raw in zip(SORTS[sort], cursor.values, strict=True)]
    except (ValueError, InvalidOperation, KeyError):
        return None


def _beyond(sort: str, values: list[Any], *, forward: bool) -> Q:
    """Rows strictly after (forward) or before the cursor in the sort order, as
    (a > x) OR (a = x AND b > y) OR ..., with "<" for descending columns (reversed going back)."""
    fields = SORTS[sort]
    condition = Q()
    for i, (name, desc) in enumerate(fields):
        step = Q(**{f"{name}__{'lt' if desc == forward else 'gt'}": values[i]})
        for j in range(i):
            step &= Q(**{fields[j][0]: values[j]})
        condition |= step
    # The redundant bound on the first column is what an index can seek to; the OR alone is only a
    # filter (175,000 rows read to reach the middle of 1M invoices).
    first, first_desc = fields[0]
    bound = {f"{first}__{'lte' if first_desc == forward else 'gte'}": values[0]}
    return condition & Q(**bound)


def _order(sort: str, *, forward: bool) -> list[str]:
    return [("-" if desc == forward else "") + name for name, desc in SORTS[sort]]


def _cursor_of(sort: str, row: Invoice) -> Cursor:
    values = []
    for name, _desc in SORTS[sort]:
        value = getattr(row, name)
        values.append(value.isoformat() if isinstance(value, dt.date) else str(value))
    return Cursor(tuple(values))


def invoice_page(*, filters: InvoiceFilters, page: PageRequest) -> InvoicePage:
    """One page of the invoice list in the asked order (newest issue date first by default), with a
    capped count of all matches. Keyset paging in every order: no OFFSET, stable under inserts."""
    base = invoice_filtered(filters)
    count = base.values("pk")[: COUNT_CAP + 1].count()
    sort = page.sort if page.sort in SORTS else "-issued"
    refused = sort in NEEDS_NARROW_FILTER and count > COUNT_CAP and not filters.only_amount
    if refused:
        sort = "-issued"
    rows_qs = base.select_related("customer").annotate(next_send_at=_next_send_at())
    size = page.size
    before = _cursor_values(sort, page.before)
    after = _cursor_values(sort, page.after)
    if before is not None:
        # Walk backwards from the cursor, then put the rows back in display order.
        chunk = list(
            rows_qs.filter(_beyond(sort, before, forward=False)).order_by(*_order(sort, forward=False))[: size + 1]
        )
        has_more_newer = len(chunk) > size
        rows = list(reversed(chunk[:size]))
        has_more_older = True
    else:
        if after is not None:
            rows_qs = rows_qs.filter(_beyond(sort, after, forward=True))
        chunk = list(rows_qs.order_by(*_order(sort, forward=True))[: size + 1])
        has_more_older = len(chunk) > size
        rows = chunk[:size]
        has_more_newer = after is not None
    newer = _cursor_of(sort, rows[0]) if rows and has_more_newer else None
    older = _cursor_of(sort, rows[-1]) if rows and has_more_older else None
    return InvoicePage(rows=rows, count=count, newer=newer, older=older, sort=sort, sort_refused=refused)


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
