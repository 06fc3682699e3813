"""The process view in Debian's Chromium: select invoices and resend them at a time, bulk-resend a
filter of 500 and watch the progress bar, and a viewer who sees no action and is refused anyway.

Screenshots go to var/screenshots/ for people reviewing the look (not compared by the tests).
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from playwright.sync_api import Page, expect

from facturier.bulk.runner import run_due
from facturier.crm.activities import customer_activity_record
from facturier.dispatch.models import Dispatch
from facturier.invoices.models import Invoice
from facturier.testing.factories import make_customer, make_user
from facturier.web.tests.conftest import sent_invoice
from facturier.web.tests.test_invoice_actions import hostile_inbound

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PASSWORD = "pw-for-tests-only"
# serialized_rollback: the flush after a transactional test would drop the role groups that a data
# migration created, and later tests need them.
browser_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def log_in(page: Page, base: str, username: str, path: str = "/invoices/") -> None:
    page.set_viewport_size({"width": 1360, "height": 860})
    page.goto(f"{base}{path}")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


@pytest.mark.browser
@browser_db
def test_operator_filters_selects_three_invoices_and_resends_them_at_a_chosen_time(
    live_server: Any, page: Page
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    make_user("ada", "admin", password=PASSWORD)  # an admin also has every operator action
    acme = make_customer(name="ACME Industrie SA", external_ref="ERP-0042", emails=["compta@acme.example"])
    bolt = make_customer(name="Boulonnerie Bolt", external_ref="ERP-0077", emails=["factures@bolt.example"])
    for i in range(5):
        sent_invoice(number=f"F-2026-02{i:02d}", customer=acme, total=Decimal(100 + 37 * i))
    for i in range(3):
        sent_invoice(number=f"F-2026-03{i:02d}", customer=bolt, total=Decimal(80 + i))
    customer_activity_record(customer=acme, kind="address_corrected", summary="E-mail address corrected (demo)")

    log_in(page, live_server.url, "ada")
    expect(page.get_by_role("heading", name="Factures")).to_be_visible()
    page.get_by_label("Domaine du destinataire").fill("acme.example")
    expect(page.locator("#invoice-table tbody tr")).to_have_count(5)
    expect(page).to_have_url(f"{live_server.url}/invoices/?domain=acme.example&size=50")

    # Three rows ticked: two with the mouse, one with the keyboard (j to move, x to tick).
    boxes = page.locator('#invoice-table tbody input[name="invoice_ids"]')
    boxes.nth(0).check()
    boxes.nth(2).check()
    page.locator("body").click(position={"x": 5, "y": 300})
    for _ in range(4):
        page.keyboard.press("j")
    page.keyboard.press("x")
    expect(page.locator("[data-selcount]")).to_have_text("3")
    chosen = [page.locator("#invoice-table tbody tr").nth(i).get_attribute("data-key") for i in (0, 2, 3)]

    # A refused request (a time in the past) shows bulk:start's 400 errors above the table.
    page.locator("#bulk-send-at").fill("2020-01-06T09:00")
    page.get_by_role("button", name="Reprogrammer").click()
    expect(page.locator("#bulk-result .error")).to_contain_text("dans le passé")
    expect(page.locator("[data-selcount]")).to_have_text("3")  # the selection stays for a retry

    send_at = (timezone.localtime() + dt.timedelta(days=7)).replace(hour=9, minute=30, second=0, microsecond=0)
    page.locator("#bulk-send-at").fill(send_at.strftime("%Y-%m-%dT%H:%M"))
    page.screenshot(path=str(SHOTS / "invoice-list-selection.png"))
    page.get_by_role("button", name="Renvoyer à cette heure").click()
    expect(page.locator("#bulk-result dd.bulk-done")).to_have_text("3")
    expect(page.locator("[data-selcount]")).to_have_text("0")
    # The table refreshes: the three now show their next send time.
    expect(page.locator("#invoice-table tbody .badge.s-scheduled")).to_have_count(3)
    scheduled = Dispatch.objects.filter(state="scheduled").select_related("invoice")
    assert sorted(str(d.invoice_id) for d in scheduled) == sorted(chosen)
    assert {d.scheduled_at for d in scheduled} == {send_at}

    page.get_by_role("link", name="ACME Industrie SA").first.click()
    expect(page.get_by_role("heading", name="ACME Industrie SA")).to_be_visible()
    expect(page.get_by_role("link", name="Corriger une adresse")).to_be_visible()
    page.screenshot(path=str(SHOTS / "customer.png"), full_page=True)

    page.keyboard.press("g")
    page.keyboard.press("u")
    expect(page.get_by_role("heading", name="Utilisateurs et rôles")).to_be_visible()
    page.get_by_label("Identifiant").fill("claire")
    page.get_by_label("Mot de passe").fill("Correct-Horse-42-battery")
    page.get_by_label("Rôle", exact=True).select_option("operator")
    page.get_by_role("button", name="Créer le compte").click()
    expect(page.locator(".flash")).to_contain_text("Compte claire créé.")
    page.screenshot(path=str(SHOTS / "users-admin.png"), full_page=True)


def bulk_invoices(customer: Any, n: int) -> None:
    today = dt.date(2026, 11, 23)
    Invoice.objects.bulk_create(
        Invoice(
            number=f"BULK-{i:04d}",
            customer=customer,
            issue_date=today,
            due_date=today + dt.timedelta(days=30),
            total=Decimal("10.00"),
            pdf="invoices/x.pdf",
            status="delivered",
        )
        for i in range(n)
    )


class Worker(threading.Thread):
    """The worker's bulk step, as `facturier worker` would run it, in a thread of the test."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                if run_due(now=timezone.now()) == 0:
                    self.stop.wait(0.2)
        finally:
            connection.close()


@pytest.mark.browser
@browser_db
def test_bulk_resend_of_a_500_invoice_filter_shows_its_progress_to_the_end(live_server: Any, page: Page) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    make_user("otto", "operator", password=PASSWORD)
    bulk_invoices(make_customer(name="Grossiste", emails=["ap@grossiste.example"]), 500)
    page.on("dialog", lambda dialog: dialog.accept())

    log_in(page, live_server.url, "otto", "/invoices/?q=BULK-&state=delivered")
    expect(page.locator("#invoice-table .count")).to_have_text("500 factures")
    page.locator("#invoice-table [data-pick-page]").check()
    page.get_by_role("button", name="Sélectionner les 500 factures qui correspondent à ce filtre").click()
    expect(page.locator("[data-selcount]")).to_have_text("500")
    worker = Worker()
    page.get_by_role("button", name="Renvoyer maintenant").click()
    progress = page.locator("#bulk-result progress")
    expect(progress).to_have_attribute("max", "500")
    page.screenshot(path=str(SHOTS / "bulk-progress-start.png"))
    worker.start()
    try:
        expect(page.locator("#bulk-result dd.bulk-done")).to_have_text("500", timeout=15_000)
    finally:
        worker.stop.set()
        worker.join(10)
    expect(progress).to_have_attribute("value", "500")
    page.screenshot(path=str(SHOTS / "bulk-progress.png"))
    assert Dispatch.objects.filter(invoice__number__startswith="BULK-", state="scheduled").count() == 500


@pytest.mark.browser
@browser_db
def test_viewer_sees_no_action_and_is_refused_when_posting_anyway(live_server: Any, page: Page) -> None:
    make_user("vera", "viewer", password=PASSWORD)
    invoice = sent_invoice(number="F-2026-0400")
    log_in(page, live_server.url, "vera")
    expect(page.locator("#invoice-table tbody tr")).to_have_count(1)
    expect(page.locator("#bulk-form")).to_have_count(0)
    expect(page.locator('input[name="invoice_ids"]')).to_have_count(0)
    page.get_by_role("link", name="F-2026-0400").click()
    expect(page.get_by_role("heading", name="F-2026-0400")).to_be_visible()
    expect(page.get_by_role("button", name="Renvoyer maintenant")).to_have_count(0)

    # Forged requests with a valid CSRF token: the server still says no.
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    headers = {"X-CSRFToken": csrf, "Referer": live_server.url + "/invoices/"}
    bulk = page.request.post(
        f"{live_server.url}/bulk/start/", form={"action": "resend_now", "invoice_ids": str(invoice.pk)}, headers=headers
    )
    assert bulk.status == 403
    single = page.request.post(f"{live_server.url}/invoices/F-2026-0400/do/resend_now/", headers=headers)
    assert single.status == 403
    admin = page.request.post(f"{live_server.url}/admin-users/tokens/new/", form={"name": "x"}, headers=headers)
    assert admin.status == 403
    assert Dispatch.objects.filter(invoice=invoice).count() == 1

    # A returned message full of HTML and scripts: read as text in a real browser, nothing runs.
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    inbound = hostile_inbound(invoice)
    page.goto(f"{live_server.url}/returns/{inbound.pk}/")
    expect(page.locator("pre.mailtext").first).to_contain_text("<script>alert(1)</script>")
    expect(page.locator("dl.dsn").last).to_contain_text("5.1.1")
    page.screenshot(path=str(SHOTS / "returned-message.png"), full_page=True)
    assert dialogs == []
