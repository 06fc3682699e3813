"""Demo data: customers, invoices with real PDFs, dispatches scheduled over the next minutes and days,
and three demo logins. Used by `facturier demo-data` (and so by `make run`).

Deterministic for a given seed, so two runs show the same customers. A share of the invoices is due
in the next one to ten minutes, so whoever starts the demo sees them go from scheduled to accepted;
the rest get the send time the scheduler gives their customer over the next days.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from facturier.crm.models import Customer, CustomerEmail
from facturier.crm.selectors import sendable_addresses
from facturier.dispatch.services import dispatch_create, invoice_event
from facturier.invoices import demo_catalog as catalog
from facturier.invoices.demo_pdf import DemoInvoiceDoc, DemoLine, render_invoice_pdf
from facturier.invoices.models import Invoice
from facturier.invoices.scheduling import send_time_for

ACTOR = "demo-data"
# WeasyPrint needs ~0.2 s a page: this many invoices (the ones due first, which the demo shows
# being sent) get a PDF of their own; the others share a few specimens, to keep the command fast.
OWN_PDFS = 24
SPECIMENS = 4
SOON_SHARE = 0.3  # of the invoices are due within the first ten minutes
DEMO_USERS = (("demo", "admin"), ("operator", "operator"), ("viewer", "viewer"))


@dataclass(frozen=True)
class DemoSummary:
    customers: int
    invoices: int
    dispatches: int


def demo_password_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-password"


def demo_password() -> str | None:
    """The demo users' password, if demo-data created them on this installation."""
    path = demo_password_file()
    return path.read_text().strip() if path.exists() else None


def demo_users_ensure() -> str:
    """Create (or reset) the demo logins demo/operator/viewer with one generated password, kept in
    var/demo-password (mode 0600) so that run-all can print it. Random rather than fixed: a demo
    started on a reachable host must not open with a password from the README."""
    password = demo_password() or secrets.token_urlsafe(9)
    path = demo_password_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(password + "\n")
    path.chmod(0o600)
    for username, role in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.is_staff = role == "admin"
        user.save()
        user.groups.set([Group.objects.get_or_create(name=role)[0]])
    return password


@transaction.atomic
def demo_data_create(
    *, customers: int = 36, invoices: int = 240, seed: int = 2026, now: dt.datetime | None = None
) -> DemoSummary:
    """Customers (kept if they exist), new invoices with PDFs, one dispatch per sendable address."""
    now = now or timezone.now()
    rng = random.Random(seed)
    people = [customer_upsert(spec) for spec in catalog.customer_specs(customers, rng)]
    specimens = [render_invoice_pdf(_doc(f"SPECIMEN-{i + 1}", rng.choice(people), now, rng)) for i in range(SPECIMENS)]
    first = Invoice.objects.filter(source="demo").count() + 1
    dispatches = 0
    for i in range(invoices):
        customer = people[rng.randrange(len(people))]
        number = f"F-{now:%Y}-D{first + i:05d}"
        doc = _doc(number, customer, now, rng)
        pdf = render_invoice_pdf(doc) if i < OWN_PDFS else specimens[i % SPECIMENS]
        invoice = _invoice_create(doc, customer, pdf)
        send_at = _send_at(i, invoices, customer, now, rng)
        for address in sendable_addresses(customer):
            dispatch_create(invoice=invoice, recipient=address, send_at=send_at, actor=ACTOR)
            dispatches += 1
    return DemoSummary(customers=len(people), invoices=invoices, dispatches=dispatches)


def customer_upsert(spec: catalog.CustomerSpec) -> Customer:
    customer, created = Customer.objects.get_or_create(external_ref=spec.ref, defaults=spec.fields())
    if created:
        for address in spec.emails:
            CustomerEmail.objects.create(customer=customer, address=address)
    return customer


def _send_at(i: int, total: int, customer: Customer, now: dt.datetime, rng: random.Random) -> dt.datetime:
    """The first SOON_SHARE invoices go out one to ten minutes from now, evenly spread (an explicit
    send time, as an ERP would give); the others at what the scheduler says for a "now" spread
    over the next five days, so they land on various business days and customers' hours."""
    soon = max(1, int(total * SOON_SHARE))
    if i < soon:
        return now + dt.timedelta(seconds=60 + 540 * i / soon)
    return send_time_for(customer=customer, now=now + dt.timedelta(minutes=rng.randrange(5 * 24 * 60)))


def _doc(number: str, customer: Customer, now: dt.datetime, rng: random.Random) -> DemoInvoiceDoc:
    issued = timezone.localdate(now) - dt.timedelta(days=rng.randrange(3))
    items = rng.sample(catalog.PRODUCTS, k=rng.randint(1, 6))
    lines = tuple(
        DemoLine(description=item.label(customer.language), quantity=rng.randint(1, 12), unit_price=item.price)
        for item in items
    )
    return DemoInvoiceDoc(
        number=number,
        language=customer.language,
        customer_ref=customer.external_ref,
        buyer_lines=catalog.address_block(customer),
        issue_date=issued,
        due_date=issued + dt.timedelta(days=30),
        lines=lines,
    )


def _invoice_create(doc: DemoInvoiceDoc, customer: Customer, pdf: bytes) -> Invoice:
    invoice = Invoice(
        number=doc.number,
        customer=customer,
        issue_date=doc.issue_date,
        due_date=doc.due_date,
        total=doc.gross,
        currency="EUR",
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        source="demo",
    )
    invoice.pdf.save(f"{doc.number}.pdf", ContentFile(pdf), save=False)
    invoice.save()
    invoice_event(invoice=invoice, kind="created", summary="created by demo-data", actor=ACTOR)
    return invoice
