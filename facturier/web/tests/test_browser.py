"""One walk through the UI in Debian's Chromium: log in, list, open an invoice, read its timeline.

Screenshots go to var/screenshots/ (for people reviewing the look; not compared by the test).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from facturier.dispatch.models import Dispatch
from facturier.dispatch.services import dispatch_create, dispatch_transition
from facturier.testing.factories import make_customer, make_invoice, make_user
from facturier.web.tests.conftest import sent_invoice
from facturier.web.tests.test_outbox import write_sandbox_message

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def demo_data() -> None:
    acme = make_customer(name="ACME Industrie SA", external_ref="ERP-0042", emails=["compta@acme.example"])
    bolt = make_customer(name="Boulonnerie Bolt", external_ref="ERP-0077", emails=["factures@bolt.example"])
    invoice = sent_invoice(number="F-2026-0100", customer=acme, total=Decimal("4870.20"))
    dispatch_transition(
        dispatch=Dispatch.objects.get(invoice=invoice),
        to="delivered",
        kind="dsn",
        summary="Delivery Status Notification: delivered to mx.acme.example",
        evidence={
            "action": "delivered",
            "status": "2.0.0",
            "remote_mta": "dns; mx.acme.example",
            "diagnostic": "smtp; 250 2.0.0 Ok: queued as 9F1C2",
        },
        at=dt.datetime(2026, 11, 23, 8, 0, 41, tzinfo=dt.UTC),
    )
    bounced = sent_invoice(number="F-2026-0099", customer=bolt, total=Decimal("312.00"))
    dispatch_transition(
        dispatch=Dispatch.objects.get(invoice=bounced),
        to="bounced_hard",
        kind="bounce",
        summary="550 5.1.1 <factures@bolt.example>: Recipient address rejected: User unknown",
        evidence={"status": "5.1.1", "action": "failed", "diagnostic": "smtp; 550 5.1.1 User unknown"},
        last_reply="550 5.1.1 User unknown",
        at=dt.datetime(2026, 11, 23, 8, 2, tzinfo=dt.UTC),
    )
    for i, total in enumerate(["99.90", "1250.00", "18.40"]):
        later = make_invoice(number=f"F-2026-010{i + 1}", customer=acme if i % 2 else bolt, total=Decimal(total))
        dispatch_create(
            invoice=later, recipient="compta@acme.example", send_at=dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)
        )
    make_invoice(number="F-2026-0098", customer=bolt, issue_date=dt.date(2026, 11, 20), total=Decimal("75.00"))
    write_sandbox_message(
        "20261123T080002.000001Z-000001",
        subject="Facture F-2026-0100",
        body="Bonjour,\nveuillez trouver ci-joint notre facture F-2026-0100.\n",
    )


@pytest.mark.browser
# serialized_rollback: the flush after a transactional test would drop the role groups that a data
# migration created, and later tests need them.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_clerk_logs_in_lists_invoices_and_reads_a_timeline(live_server: Any, page: Page) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    make_user("claire", "operator", password="pw-for-tests-only")
    demo_data()
    page.set_viewport_size({"width": 1360, "height": 860})

    page.goto(f"{live_server.url}/invoices/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/invoices/")
    page.screenshot(path=str(SHOTS / "login.png"))
    page.get_by_label("Identifiant").fill("claire")
    page.get_by_label("Mot de passe").fill("pw-for-tests-only")
    page.get_by_role("button", name="Se connecter").click()

    expect(page.get_by_role("heading", name="Factures")).to_be_visible()
    expect(page.locator("#invoice-table tbody tr")).to_have_count(6)
    page.screenshot(path=str(SHOTS / "invoice-list.png"), full_page=True)

    # "/" focuses the search; typing filters the table through htmx and updates the URL.
    page.locator("body").press("/")
    expect(page.locator("input[type=search]")).to_be_focused()
    page.keyboard.type("F-2026-0099")
    expect(page.locator("#invoice-table tbody tr")).to_have_count(1)
    expect(page).to_have_url(f"{live_server.url}/invoices/?q=F-2026-0099&size=50")
    page.keyboard.press("Escape")
    page.get_by_label("Recherche").fill("")
    expect(page.locator("#invoice-table tbody tr")).to_have_count(6)

    page.get_by_role("link", name="F-2026-0100").click()
    expect(page.get_by_role("heading", name="F-2026-0100")).to_be_visible()
    timeline = page.locator(".timeline .ev")
    expect(timeline).to_have_count(4)
    expect(timeline.last).to_contain_text("avis de distribution")
    page.locator(".timeline details.evidence").last.locator("summary").click()
    expect(page.locator(".timeline details.evidence").last).to_contain_text("mx.acme.example")
    page.screenshot(path=str(SHOTS / "invoice-detail.png"), full_page=True)

    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    page.screenshot(path=str(SHOTS / "shortcuts.png"))
    page.keyboard.press("Escape")

    page.get_by_role("link", name="Boîte d’envoi").click()
    expect(page.get_by_role("link", name="Facture F-2026-0100")).to_be_visible()
    page.screenshot(path=str(SHOTS / "outbox.png"), full_page=True)

    page.get_by_role("button", name="EN").click()
    expect(page.get_by_role("heading", name="Outbox")).to_be_visible()
    page.get_by_role("link", name="Facture F-2026-0100").click()
    expect(page.get_by_role("heading", name="Headers")).to_be_visible()
    page.screenshot(path=str(SHOTS / "outbox-detail-en.png"), full_page=True)
