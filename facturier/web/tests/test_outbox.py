from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client


def write_sandbox_message(name: str, *, subject: str, body: str, html: str | None = None) -> bytes:
    """The relay's two files, as facturier.dispatch.sandbox writes them."""
    msg = EmailMessage()
    msg["From"] = "Facturation <factures@invoices.example.com>"
    msg["To"] = "compta@client.example"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{name}@invoices.example.com>"
    msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    msg.add_attachment(b"%PDF-1.7 fake", maintype="application", subtype="pdf", filename="F-2026-0042.pdf")
    raw = msg.as_bytes()
    folder = Path(settings.FACTURIER_SANDBOX_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.eml").write_bytes(raw)
    meta = {
        "mail_from": "bounces+abc123@invoices.example.com",
        "rcpt_tos": ["compta@client.example"],
        "mail_options": ["RET=HDRS", "ENVID=abc123"],
        "rcpt_options": ["NOTIFY=SUCCESS,FAILURE,DELAY"],
        "received_at": "2026-11-23T08:00:02+00:00",
        "message_id": f"<{name}@invoices.example.com>",
        "subject": subject,
        "to": "compta@client.example",
        "size": len(raw),
    }
    (folder / f"{name}.json").write_text(json.dumps(meta))
    return raw


FIRST = "20261123T080002.000001Z-000001"
SECOND = "20261123T090000.000001Z-000002"


@pytest.fixture
def two_messages(db: None) -> None:
    write_sandbox_message(FIRST, subject="Facture F-2026-0042", body="Bonjour,\nveuillez trouver notre facture.")
    write_sandbox_message(
        SECOND,
        subject="<script>alert('subject')</script>",
        body="<b>not bold</b> <script>alert(1)</script>",
        html="<p>html <img src=x onerror=alert(1)></p>",
    )


def test_outbox_lists_what_the_relay_received_newest_first(viewer_client: Client, two_messages: Any) -> None:
    html = viewer_client.get("/outbox/").content.decode()
    assert html.index(f"/outbox/{SECOND}/") < html.index(f"/outbox/{FIRST}/")
    assert "Facture F-2026-0042" in html
    assert "bounces+abc123@invoices.example.com" in html
    assert "RET=HDRS ENVID=abc123" in html
    assert "NOTIFY=SUCCESS,FAILURE,DELAY" in html
    assert "23/11/2026 09:00" in html  # received_at in Europe/Paris
    assert "&lt;script&gt;alert(&#x27;subject&#x27;)&lt;/script&gt;" in html
    assert "<script>alert(" not in html


def test_outbox_is_empty_before_anything_was_sent(viewer_client: Client) -> None:
    html = viewer_client.get("/outbox/").content.decode()
    assert "Le relais bac à sable n’a encore rien reçu." in html


def test_outbox_detail_shows_headers_text_and_attachment_names_as_text(
    viewer_client: Client, two_messages: Any
) -> None:
    response = viewer_client.get(f"/outbox/{SECOND}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "F-2026-0042.pdf" in html
    assert "application/pdf" in html
    assert "&lt;b&gt;not bold&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "<script>alert(1)" not in html
    assert "Une version HTML existe" in html
    assert "Message-ID" in html and f"{SECOND}@invoices.example.com" in html
    assert "NOTIFY=SUCCESS,FAILURE,DELAY" in html


@pytest.mark.parametrize("name", ["nope", "..", "20261123T080002.000001Z-999999", "..%2F..%2Fetc%2Fpasswd"])
def test_outbox_detail_answers_404_for_unknown_or_hostile_names(
    viewer_client: Client, two_messages: Any, name: str
) -> None:
    assert viewer_client.get(f"/outbox/{name}/").status_code == 404
