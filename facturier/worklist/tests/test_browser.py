"""The worklist in Debian's Chromium: an operator opens an invalid-address item from the list with
the keyboard, corrects the address and resends in one step, and sees the item closed; a viewer sees
no action and gets 403 when posting anyway. Screenshots go to var/screenshots/ (for review)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from facturier.dispatch.models import Dispatch
from facturier.testing.factories import make_user
from facturier.worklist.models import WorkItem, WorkItemKind, WorkItemState
from facturier.worklist.services import work_item_open, work_item_record_auto_closed
from facturier.worklist.tests.helpers import invalid_address_item, uncertain_item

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PASSWORD = "pw-for-tests-only"


def _log_in(page: Page, base: str, username: str, path: str) -> None:
    page.goto(f"{base}{path}")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{base}{path}")


def _data() -> WorkItem:
    item = invalid_address_item(recipient="compta@boulonnerie-bolt.example")
    customer = item.customer
    customer.name = "Boulonnerie Bolt <script>alert(1)</script>"
    customer.save(update_fields=["name"])
    WorkItem.objects.filter(pk=item.pk).update(created_at=item.created_at.replace(hour=6))  # the oldest
    uncertain_item()
    work_item_open(kind=WorkItemKind.HUMAN_REPLY, title="Re: Facture F-2026-0042 — question sur la TVA")
    work_item_open(kind=WorkItemKind.COMPLAINT, title="Invoice F-2026-0051: reported as spam")
    work_item_record_auto_closed(
        kind=WorkItemKind.AUTO_REPLY,
        title="Invoice F-2026-0040: out-of-office",
        resolution="out-of-office, back on 2026-12-07",
    )
    return item


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_operator_corrects_an_address_and_resends_a_viewer_cannot(
    live_server: Any, page: Page, browser: Browser
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    make_user("olga", "operator", password=PASSWORD)
    make_user("victor", "viewer", password=PASSWORD)
    item = _data()
    base = live_server.url
    page.set_viewport_size({"width": 1360, "height": 860})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    _log_in(page, base, "olga", "/worklist/")
    expect(page.locator("#worklist-table tbody tr")).to_have_count(4)
    page.screenshot(path=str(SHOTS / "worklist.png"), full_page=True)

    # j selects the first (oldest) row, Enter opens it.
    page.locator("body").press("j")
    expect(page.locator("#worklist-table tbody tr").first).to_have_class("selected")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}/worklist/{item.pk}/")
    expect(page.locator("#work-item")).to_contain_text("<script>alert(1)</script>")  # shown as text
    expect(page.locator(".returned-message")).to_contain_text("5.1.1")
    page.screenshot(path=str(SHOTS / "worklist-item.png"), full_page=True)

    # e focuses the new address; the correction and the resend are one step.
    page.locator("body").press("e")
    expect(page.locator("#id_new_address")).to_be_focused()
    page.keyboard.type("factures@boulonnerie-bolt.example")
    page.locator("form[action$='/correct-address/'] button[type=submit]").click()
    expect(page.locator(".wl-notice")).to_contain_text("factures@boulonnerie-bolt.example")
    expect(page.locator(".wl-state.closed")).to_be_visible()
    expect(page.locator(".wl-actions")).to_have_count(0)
    page.screenshot(path=str(SHOTS / "worklist-item-closed.png"), full_page=True)
    item.refresh_from_db()
    assert item.state == WorkItemState.CLOSED
    assert Dispatch.objects.get(resend_of=item.dispatch).recipient == "factures@boulonnerie-bolt.example"

    uncertain = WorkItem.objects.get(kind=WorkItemKind.UNCERTAIN_DISPATCH)
    page.goto(f"{base}/worklist/{uncertain.pk}/")
    expect(page.locator(".wl-decide")).to_be_visible()
    page.screenshot(path=str(SHOTS / "worklist-uncertain.png"), full_page=True)

    page.goto(f"{base}/worklist/?tab=closed")
    expect(page.locator("#worklist-table tbody tr")).to_have_count(1)
    page.screenshot(path=str(SHOTS / "worklist-closed.png"), full_page=True)
    assert dialogs == []  # no script from the data ever ran

    viewer = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    try:
        vpage = viewer.new_page()
        vpage.set_viewport_size({"width": 1360, "height": 860})
        _log_in(vpage, base, "victor", f"/worklist/{uncertain.pk}/")
        expect(vpage.locator(".wl-actions")).to_have_count(0)
        expect(vpage.locator("[data-key-action='a']")).to_have_count(0)
        expect(vpage.locator("form[action$='/comment/']")).to_have_count(0)
        vpage.screenshot(path=str(SHOTS / "worklist-item-viewer.png"), full_page=True)
        token = next(c["value"] for c in viewer.cookies() if c["name"] == "csrftoken")
        answer = vpage.request.post(
            f"{base}/worklist/{uncertain.pk}/resend/", headers={"X-CSRFToken": token, "Referer": base + "/"}
        )
        assert answer.status == 403
    finally:
        viewer.close()
    uncertain.refresh_from_db()
    assert uncertain.state == WorkItemState.OPEN
