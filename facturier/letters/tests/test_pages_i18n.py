"""The print batches page and the address-correction page speak French by default, English on request."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client

from facturier.crm.models import Customer, EmailStatus
from facturier.letters.models import BatchState, PrintBatch
from facturier.testing.factories import make_customer

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
OLD, NEW = "compta@dupont.example", "factures@dupont.example"


@pytest.fixture
def batches() -> dict[str, PrintBatch]:
    """One batch in each state that offers an action (open, failed, handed over), and a "print now" one."""
    due = dt.datetime(2026, 11, 23, 16, 0, tzinfo=PARIS)
    return {
        "open": PrintBatch.objects.create(due_at=due),
        "failed": PrintBatch.objects.create(
            state=BatchState.FAILED, due_at=due - dt.timedelta(days=1), error="lp: printer not found"
        ),
        "handed_over": PrintBatch.objects.create(
            state=BatchState.HANDED_OVER,
            due_at=due - dt.timedelta(days=2),
            handed_over_at=due - dt.timedelta(days=2),
            output="request id is office-12",
        ),
        "immediate": PrintBatch.objects.create(immediate=True, due_at=due - dt.timedelta(days=3)),
    }


@pytest.fixture
def customer() -> Customer:
    customer = make_customer(name="Dupont SARL", external_ref="DUP-1", emails=[OLD])
    customer.emails.update(status=EmailStatus.INVALID, status_reason="5.1.1 user unknown")
    return customer


def _english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_the_batches_page_is_in_french_by_default(
    client: Client, operator: Any, batches: dict[str, PrintBatch]
) -> None:
    client.force_login(operator)
    response = client.get("/letters/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = response.content.decode()
    assert response["Content-Language"] == "fr"
    assert "<h1>Lots d’impression</h1>" in page and "lettre d’accompagnement" in page
    assert "<th>Heure limite</th>" in page and "<th>Lettres</th>" in page and "<th>Imprimante</th>" in page
    assert "<td>ouvert</td>" in page and "<td>échec</td>" in page and "<td>transmis</td>" in page
    assert "Imprimer maintenant" in page and "Relancer l’impression" in page and "Marquer comme posté" in page
    assert "<td>ouvert (impression immédiate)</td>" in page
    assert "<td>23/11/2026 16:00</td>" in page  # the cut-off, in the French short format
    for english in ("Print batches", "Cut-off", "Printer", "Print now", "Send again", "Mark posted", "handed over"):
        assert english not in page


def test_the_batches_page_speaks_english_on_request(
    client: Client, operator: Any, batches: dict[str, PrintBatch]
) -> None:
    client.force_login(operator)
    _english(client)
    page = client.get("/letters/").content.decode()
    assert "<h1>Print batches</h1>" in page and "<th>Cut-off</th>" in page and "<th>Printer</th>" in page
    assert "<td>open</td>" in page and "<td>failed</td>" in page and "<td>handed over</td>" in page
    assert "Print now" in page and "Send again" in page and "Mark posted" in page
    assert "<td>open (print now)</td>" in page and "<td>11/23/2026 4 p.m.</td>" in page
    assert "Lots d’impression" not in page and "Imprimer maintenant" not in page


def test_an_empty_batches_page_says_so_in_either_language(client: Client, viewer: Any) -> None:
    client.force_login(viewer)
    assert "Aucun lot d’impression pour l’instant." in client.get("/letters/").content.decode()
    _english(client)
    assert "No print batch yet." in client.get("/letters/").content.decode()


def test_marking_a_batch_posted_says_so_in_french(
    client: Client, operator: Any, batches: dict[str, PrintBatch]
) -> None:
    client.force_login(operator)
    handed_over = batches["handed_over"]
    response = client.post(f"/letters/batches/{handed_over.pk}/posted/", follow=True)
    assert response.redirect_chain[0][1] == 302
    page = response.content.decode()
    assert f"Lot {handed_over.pk} marqué comme posté." in page and "<td>posté</td>" in page
    assert "marked as posted" not in page
    handed_over.refresh_from_db()
    assert handed_over.state == BatchState.POSTED  # the stored value is unchanged: still the code


def test_the_correction_page_is_in_french_by_default(client: Client, operator: Any, customer: Customer) -> None:
    client.force_login(operator)
    page = client.get("/letters/correct/DUP-1/").content.decode()
    assert "<title>Corriger l’adresse e-mail de Dupont SARL · facturier</title>" in page
    assert "Adresse e-mail de Dupont SARL" in page and "<h2>Adresses</h2>" in page
    assert "<th>Statut</th>" in page and "<th>Remplacée par</th>" in page and "<td>invalide</td>" in page
    assert "<td>oui</td>" in page  # the current address, Django's own yes/no
    assert "Adresse invalide" in page and "Adresse corrigée" in page  # the form's labels
    assert "« adresse invalide »" in page and "Enregistrer l’adresse corrigée" in page
    for english in ("E-mail address of", "Replaced by", "Corrected address", "Save the corrected address"):
        assert english not in page


def test_the_correction_page_speaks_english_on_request(client: Client, operator: Any, customer: Customer) -> None:
    client.force_login(operator)
    _english(client)
    page = client.get("/letters/correct/DUP-1/").content.decode()
    assert "<title>Correct the e-mail address of Dupont SARL · facturier</title>" in page
    assert "<th>Status</th>" in page and "<th>Replaced by</th>" in page and "<td>invalid</td>" in page
    assert "Invalid address" in page and "Corrected address" in page and "Save the corrected address" in page
    assert "Enregistrer" not in page and "Adresses" not in page


def test_a_refused_correction_is_explained_in_french(client: Client, operator: Any, customer: Customer) -> None:
    client.force_login(operator)
    page = client.post("/letters/correct/DUP-1/", {"old_address": "nobody@dupont.example", "new_address": NEW})
    assert "« nobody@dupont.example » n’est pas une adresse active de DUP-1" in page.content.decode()
    page = client.post("/letters/correct/DUP-1/", {"old_address": OLD, "new_address": OLD.upper()})
    assert "la nouvelle adresse est identique à l’ancienne" in page.content.decode()
    assert customer.emails.get(address=OLD).active
    _english(client)
    page = client.post("/letters/correct/DUP-1/", {"old_address": OLD, "new_address": OLD})
    assert "the new address is the same as the old one" in page.content.decode()
