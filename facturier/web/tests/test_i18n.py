from __future__ import annotations

from decimal import Decimal

from django.test import Client

from facturier.testing.factories import make_invoice


def test_french_is_the_default(viewer_client: Client, db: None) -> None:
    html = viewer_client.get("/invoices/").content.decode()
    assert '<html lang="fr">' in html
    assert "Factures" in html and "Se déconnecter" in html and "Boîte d’envoi" in html


def test_language_switch_to_english_shows_english_strings_and_amounts(viewer_client: Client, db: None) -> None:
    make_invoice(total=Decimal("1234.50"))
    page = viewer_client.get("/invoices/").content.decode()
    assert 'action="/i18n/setlang/" method="post"' in page and 'name="csrfmiddlewaretoken"' in page
    response = viewer_client.post("/i18n/setlang/", {"language": "en", "next": "/invoices/"})
    assert response.status_code == 302 and response["Location"] == "/invoices/"
    html = viewer_client.get("/invoices/").content.decode()
    assert '<html lang="en">' in html
    assert "Invoices" in html and "Log out" in html and "Outbox" in html and "Delivery state" in html
    assert "Factures" not in html
    assert "€1,234.50" in html
    assert "11/23/2026" in html  # issue date, US short format


def test_role_is_shown_in_the_user_menu(viewer_client: Client, db: None) -> None:
    html = viewer_client.get("/invoices/").content.decode()
    assert "<strong>lecteur</strong>" in html


def test_nav_leaves_out_screens_that_are_not_routed(viewer_client: Client, db: None, monkeypatch: object) -> None:
    from facturier.web import nav

    nav.NAV_ITEMS.append(nav.NavItem("nowhere:index", "Nowhere", "n"))
    try:
        html = viewer_client.get("/invoices/").content.decode()
    finally:
        nav.NAV_ITEMS.pop()
    assert "Nowhere" not in html
    assert 'href="/invoices/" aria-current="page"' in html
