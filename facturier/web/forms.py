"""Parsing of the invoice list's query string (GET, bookmarkable) into plain filter values."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from facturier.web.labels import STATE_LABELS

PAGE_SIZES = (25, 50, 100, 200)
DOMAIN_RE = re.compile(r"[a-z0-9\u00a1-\uffff]([a-z0-9\u00a1-\uffff.-]{0,251}[a-z0-9\u00a1-\uffff])?")
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True)
class InvoiceFilters:
    states: tuple[str, ...] = ()
    customer: str = ""
    issued_from: dt.date | None = None
    issued_until: dt.date | None = None
    q: str = ""
    total_min: Decimal | None = None
    total_max: Decimal | None = None
    domain: str = ""  # recipient domain: invoices with a dispatch to an address @domain

    @property
    def active(self) -> bool:
        return bool(
            self.states
            or self.customer
            or self.issued_from
            or self.issued_until
            or self.q
            or self.total_min is not None
            or self.total_max is not None
            or self.domain
        )

    @property
    def only_amount(self) -> bool:
        """No filter, or only the amount range: the (total, id) index serves an amount sort."""
        return not (self.states or self.customer or self.issued_from or self.issued_until or self.q or self.domain)


# Sort orders the list offers, by URL value. Each is a keyset order (a unique last column) served by
# an index of Invoice: (-issue_date, -id), the unique number, (status, -issue_date), (total, id).
# The amount is the exception once other filters apply: walking the amount index while filtering
# on, say, the state reads until 50 matches turn up, and when the two are correlated that is most
# of the table (2 s at 1M invoices in the benchmark). So an amount sort with other filters is
# applied when they match at most COUNT_CAP invoices (sorted in memory, cheap); otherwise the list
# keeps the date order and says so.
SORTS: dict[str, tuple[tuple[str, bool], ...]] = {  # url value -> ((field, descending), ...)
    "-issued": (("issue_date", True), ("id", True)),
    "issued": (("issue_date", False), ("id", False)),
    "number": (("number", False),),
    "-number": (("number", True),),
    "status": (("status", False), ("issue_date", True), ("id", True)),
    "-status": (("status", True), ("issue_date", False), ("id", False)),
    "total": (("total", False), ("id", False)),
    "-total": (("total", True), ("id", True)),
}
DEFAULT_SORT = "-issued"
NEEDS_NARROW_FILTER = frozenset({"total", "-total"})


@dataclass(frozen=True)
class Cursor:
    """A keyset position in the list's order (the sort's column values, "~"-joined; the last is the
    row id, or the unique number): stable under inserts, no OFFSET. Values stay text here; the
    selector converts them for the sort in use (and ignores a cursor that does not fit it)."""

    values: tuple[str, ...]

    def encode(self) -> str:
        return "~".join(self.values)

    @classmethod
    def decode(cls, raw: str | None, *, parts: int = 2) -> Cursor | None:
        """None for anything malformed: a damaged bookmark shows the first page, not an error.
        Split from the right: only the first value (an invoice number) may itself hold a "~"."""
        if not raw or (parts > 1 and "~" not in raw):
            return None
        values = tuple(raw.rsplit("~", parts - 1))
        return cls(values) if len(values) == parts and all(values) else None


@dataclass(frozen=True)
class PageRequest:
    after: Cursor | None = None  # rows after this one in the sort order ("older" by default)
    before: Cursor | None = None  # rows before it ("newer")
    size: int = DEFAULT_PAGE_SIZE
    sort: str = DEFAULT_SORT


# A native date picker; it sends ISO dates, which DateField accepts in every language.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InvoiceFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Number, customer…"), "autocomplete": "off"}),
    )
    state = forms.MultipleChoiceField(
        required=False,
        label=_("Delivery state"),
        choices=list(STATE_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    customer = forms.CharField(
        required=False,
        max_length=100,
        label=_("Customer"),
        widget=forms.TextInput(attrs={"placeholder": _("Name or reference"), "autocomplete": "off"}),
    )
    issued_from = forms.DateField(
        required=False, label=_("Issued from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    issued_until = forms.DateField(required=False, label=_("to"), widget=forms.DateInput(attrs={"type": "date"}))
    total_min = forms.DecimalField(
        required=False,
        label=_("Amount from"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal", "class": "amount"}),
    )
    total_max = forms.DecimalField(
        required=False,
        label=_("to"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal", "class": "amount"}),
    )
    domain = forms.CharField(
        required=False,
        max_length=253,
        label=_("Recipient domain"),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. acme.example"), "autocomplete": "off"}),
    )
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in SORTS], widget=forms.HiddenInput)
    size = forms.TypedChoiceField(
        required=False,
        label=_("Rows"),
        choices=[(n, n) for n in PAGE_SIZES],
        coerce=int,
        empty_value=DEFAULT_PAGE_SIZE,
    )

    def filters(self) -> InvoiceFilters:
        """The valid part of the query: an invalid field is dropped (and shown as an error)."""
        self.is_valid()  # fills cleaned_data with the fields that passed
        data = self.cleaned_data
        return InvoiceFilters(
            states=tuple(data.get("state") or ()),
            customer=(data.get("customer") or "").strip(),
            issued_from=data.get("issued_from"),
            issued_until=data.get("issued_until"),
            q=(data.get("q") or "").strip(),
            total_min=data.get("total_min"),
            total_max=data.get("total_max"),
            domain=data.get("domain") or "",
        )

    def clean_domain(self) -> str:
        # "@acme.example", "ACME.example " and "compta@acme.example" all mean the domain acme.example.
        text = (self.cleaned_data.get("domain") or "").strip().lower().rpartition("@")[2]
        if text and not DOMAIN_RE.fullmatch(text):
            raise forms.ValidationError(_("not a domain name"))
        return text

    def sort_key(self) -> str:
        return self.cleaned_data.get("sort") or DEFAULT_SORT

    def page_size(self) -> int:
        return int(self.cleaned_data.get("size") or DEFAULT_PAGE_SIZE)


def parse_invoice_query(query: QueryDict) -> tuple[InvoiceFilterForm, InvoiceFilters, PageRequest]:
    data = query.copy()
    # Without this the row-count select would show its first choice while the page used the default.
    data.setdefault("size", str(DEFAULT_PAGE_SIZE))
    form = InvoiceFilterForm(data)
    filters = form.filters()
    sort = form.sort_key()
    parts = len(SORTS[sort])
    page = PageRequest(
        after=Cursor.decode(query.get("after"), parts=parts),
        before=Cursor.decode(query.get("before"), parts=parts),
        size=form.page_size(),
        sort=sort,
    )
    return form, filters, page
