"""Test data with names a reader understands. Used by tests, the demo data and the benchmarks."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from pypdf import PdfWriter

from facturier.crm.models import Customer, CustomerEmail
from facturier.invoices.models import Invoice

_seq = itertools.count(1)


def make_pdf(pages: int = 1, *, text: str = "") -> bytes:
    """A small valid PDF with blank A4 pages (text, when given, goes into its metadata title)."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if text:
        writer.add_metadata({"/Title": text})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def make_customer(*, emails: list[str] | None = None, **fields: Any) -> Customer:
    n = next(_seq)
    defaults: dict[str, Any] = {
        "external_ref": f"C{n:05d}",
        "name": f"Client {n}",
        "language": "fr",
        "postal_name": f"Client {n}",
        "postal_line1": f"{n} rue des Tests",
        "postal_code": "75002",
        "postal_city": "Paris",
        "postal_country": "FR",
    }
    defaults.update(fields)
    customer = Customer.objects.create(**defaults)
    for address in emails if emails is not None else [f"client{n}@example.com"]:
        CustomerEmail.objects.create(customer=customer, address=address)
    return customer


def make_invoice(*, customer: Customer | None = None, pdf: bytes | None = None, **fields: Any) -> Invoice:
    n = next(_seq)
    customer = customer or make_customer()
    pdf = pdf if pdf is not None else make_pdf()
    today = dt.date(2026, 11, 23)
    defaults: dict[str, Any] = {
        "number": f"F-2026-{n:06d}",
        "customer": customer,
        "issue_date": today,
        "due_date": today + dt.timedelta(days=30),
        "total": Decimal("120.00"),
        "currency": "EUR",
        "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
    }
    defaults.update(fields)
    invoice = Invoice(**defaults)
    invoice.pdf.save(f"{defaults['number']}.pdf", ContentFile(pdf), save=False)
    invoice.save()
    return invoice


def make_user(username: str, role: str | None, *, password: str = "pw-for-tests-only") -> User:
    user = User.objects.create_user(username=username, password=password)
    if role:
        # get_or_create: transactional tests flush the tables, groups from the migration included.
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user
