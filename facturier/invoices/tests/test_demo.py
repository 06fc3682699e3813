"""demo-data: customers, invoices with readable PDFs, dispatches at sensible times, demo logins."""

from __future__ import annotations

import datetime as dt
import io
import stat
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from pypdf import PdfReader

from facturier.accounts.roles import Role, role_of
from facturier.crm.models import Customer, CustomerEmail
from facturier.dispatch.models import Dispatch
from facturier.dispatch.schedule import is_valid
from facturier.invoices import demo_catalog
from facturier.invoices.demo import demo_data_create, demo_password
from facturier.invoices.demo_pdf import DemoInvoiceDoc, DemoLine, money, render_invoice_pdf
from facturier.invoices.models import Invoice
from facturier.invoices.scheduling import holiday_calendar, window_of
from facturier.testing.factories import make_invoice, make_pdf

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)  # a Tuesday


@pytest.fixture(autouse=True)
def _var_dir(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def blank_pdfs(monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests about rows and times, not PDFs: WeasyPrint costs ~0.2 s a page."""
    pdf = make_pdf()
    monkeypatch.setattr("facturier.invoices.demo.render_invoice_pdf", lambda doc: pdf)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize(
    ("language", "title", "total"),
    [("fr", "Facture", "1\u202f500,00"), ("de", "Rechnung", "1.500,00"), ("en", "Invoice", "€1,500.00")],
)
def test_demo_invoice_pdf_is_one_page_with_number_buyer_and_totals(language: str, title: str, total: str) -> None:
    doc = DemoInvoiceDoc(
        number="F-2026-D00042",
        language=language,
        customer_ref="DEMO-C007",
        buyer_lines=("Bäckerei Müller GmbH", "Friedrichstraße 112", "10117 Berlin"),
        issue_date=dt.date(2026, 11, 23),
        due_date=dt.date(2026, 12, 23),
        lines=(DemoLine("Consulting", 1, Decimal("1000.00")), DemoLine("Support", 2, Decimal("125.00"))),
    )
    data = render_invoice_pdf(doc)
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    text = pdf_text(data)
    for expected in (title.upper(), "F-2026-D00042", "Bäckerei Müller GmbH", "10117 Berlin", total):
        assert expected in text
    assert doc.vat == Decimal("250.00") and doc.gross == Decimal("1500.00")


def test_money_is_written_the_reader_s_way() -> None:
    assert money(Decimal("1234.5"), "fr") == "1\u202f234,50\u00a0€"
    assert money(Decimal("1234.5"), "de") == "1.234,50\u00a0€"
    assert money(Decimal("1234.5"), "en") == "€1,234.50"


def test_demo_data_creates_customers_invoices_and_one_dispatch_per_address(db: None) -> None:
    summary = demo_data_create(customers=8, invoices=4, now=NOW)
    assert (summary.customers, summary.invoices) == (8, 4)
    assert Customer.objects.count() == 8
    assert {c.language for c in Customer.objects.all()} <= {"fr", "de", "en"}
    invoice = Invoice.objects.order_by("id").first()
    assert invoice is not None and invoice.source == "demo"
    with invoice.pdf.open("rb") as fh:
        assert invoice.number in pdf_text(fh.read())  # the first invoices get a PDF of their own
    expected = sum(inv.customer.emails.filter(active=True).count() for inv in Invoice.objects.all())
    assert Dispatch.objects.count() == summary.dispatches == expected
    assert all(inv.status == "scheduled" for inv in Invoice.objects.all())


def test_demo_invoice_total_matches_its_pdf(db: None) -> None:
    demo_data_create(customers=3, invoices=2, now=NOW)
    invoice = Invoice.objects.order_by("id").first()
    assert invoice is not None
    language = invoice.customer.language
    with invoice.pdf.open("rb") as fh:
        text = pdf_text(fh.read())
    assert money(invoice.total, language).replace("\u00a0", " ") in text.replace("\u00a0", " ")


def test_first_invoices_are_due_within_ten_minutes_and_the_rest_follow_the_scheduler(
    db: None, blank_pdfs: None
) -> None:
    demo_data_create(customers=8, invoices=20, now=NOW)
    times = list(Dispatch.objects.order_by("invoice_id").values_list("invoice_id", "scheduled_at", "invoice__customer"))
    soon = [at for _, at, _ in times if at <= NOW + dt.timedelta(minutes=10)]
    assert len({i for i, at, _ in times if at <= NOW + dt.timedelta(minutes=10)}) == 6  # 30 % of 20
    assert all(NOW + dt.timedelta(minutes=1) <= at for at in soon)
    later = Dispatch.objects.filter(scheduled_at__gt=NOW + dt.timedelta(minutes=10)).select_related("invoice__customer")
    assert later.exists()
    calendar = holiday_calendar("FR", "")
    for dispatch in later:
        assert is_valid(dispatch.scheduled_at, window=window_of(dispatch.invoice.customer), holidays=calendar)


def test_some_demo_customers_receive_on_the_sandbox_test_domains(db: None, blank_pdfs: None) -> None:
    demo_data_create(customers=12, invoices=0, now=NOW)
    domains = {a.rsplit("@", 1)[1] for a in CustomerEmail.objects.values_list("address", flat=True)}
    assert set(demo_catalog.SANDBOX_DOMAINS) <= domains
    assert domains - set(demo_catalog.SANDBOX_DOMAINS) <= {"example.fr", "example.de", "example.com"} | {
        d for d in domains if d.endswith((".example.fr", ".example.de", ".example.com"))
    }


def test_running_twice_keeps_customers_and_adds_invoices(db: None, blank_pdfs: None) -> None:
    demo_data_create(customers=4, invoices=2, now=NOW)
    demo_data_create(customers=4, invoices=2, now=NOW)
    assert Customer.objects.count() == 4
    assert Invoice.objects.count() == 4


def test_command_creates_demo_logins_with_their_roles_and_a_private_password(
    db: None, blank_pdfs: None, settings: Any
) -> None:
    out = io.StringIO()
    call_command("demo-data", "--customers", "3", "--invoices", "1", stdout=out)
    password = demo_password()
    assert password and password in out.getvalue()
    path = Path(settings.VAR_DIR) / "demo-password"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for username, role in (("demo", Role.ADMIN), ("operator", Role.OPERATOR), ("viewer", Role.VIEWER)):
        user = User.objects.get(username=username)
        assert user.check_password(password) and role_of(user) is role


def test_if_empty_does_nothing_when_invoices_exist(db: None) -> None:
    make_invoice()
    out = io.StringIO()
    call_command("demo-data", "--if-empty", stdout=out)
    assert Invoice.objects.count() == 1
    assert "nothing to do" in out.getvalue()
    assert demo_password() is None


def test_if_empty_fills_an_empty_database(db: None, blank_pdfs: None) -> None:
    call_command("demo-data", "--if-empty", "--customers", "2", "--invoices", "1", stdout=io.StringIO())
    assert Invoice.objects.count() == 1
