"""Parsing of the invoice list's query string (GET, bookmarkable) into plain filter values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from facturier.web.labels import STATE_LABELS

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True)
class InvoiceFilters:
    states: tuple[str, ...] = ()
    customer: str = ""
    issued_from: dt.date | None = None
    issued_until: dt.date | None = None
    q: str = ""

    @property
    def active(self) -> bool:
        return bool(self.states or self.customer or self.issued_from or self.issued_until or self.q)


@dataclass(frozen=True)
class Cursor:
    """A keyset position in the list's order (-issue_date, -id): stable under inserts, no OFFSET."""

    issue_date: dt.date
    id: int

    def encode(self) -> str:
        return f"{self.issue_date.isoformat()}~{self.id}"

    @classmethod
    def decode(cls, raw: str | None) -> Cursor | None:
        """None for anything malformed: a damaged bookmark shows the first page, not an error."""
        if not raw or "~" not in raw:
            return None
        day, _sep, ident = raw.partition("~")
        try:
            return cls(dt.date.fromisoformat(day), int(ident))
        except ValueError:
            return None


@dataclass(frozen=True)
class PageRequest:
    after: Cursor | None = None  # older rows than this one
    before: Cursor | None = None  # newer rows than this one
    size: int = DEFAULT_PAGE_SIZE


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
        )

    def page_size(self) -> int:
        return int(self.cleaned_data.get("size") or DEFAULT_PAGE_SIZE)


def parse_invoice_query(query: QueryDict) -> tuple[InvoiceFilterForm, InvoiceFilters, PageRequest]:
    data = query.copy()
    # Without this the row-count select would show its first choice while the page used the default.
    data.setdefault("size", str(DEFAULT_PAGE_SIZE))
    form = InvoiceFilterForm(data)
    filters = form.filters()
    page = PageRequest(
        after=Cursor.decode(query.get("after")),
        before=Cursor.decode(query.get("before")),
        size=form.page_size(),
    )
    return form, filters, page
