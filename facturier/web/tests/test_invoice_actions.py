"""The invoice page's actions (operators only, POST with CSRF) and the safe view of a returned message."""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from facturier.dispatch.models import Dispatch
from facturier.dispatch.services import dispatch_create
from facturier.returns.models import InboundMessage, ReturnVerdict
from facturier.testing.factories import make_customer, make_invoice, make_user
from facturier.web.tests.conftest import sent_invoice

ACTIONS = ("resend_now", "resend_at", "reschedule", "cancel")


def url(number: str, action: str) -> str:
    return f"/invoices/{number}/do/{action}/"


def later(days: int = 3) -> dt.datetime:
    return (timezone.localtime() + dt.timedelta(days=days)).replace(hour=10, minute=30, second=0, microsecond=0)


@pytest.mark.parametrize("role", [None, "viewer"])
def test_actions_are_refused_without_the_operator_role(client: Client, db: None, role: str | None) -> None:
    client.force_login(make_user("someone", role))
    invoice = sent_invoice(number="F-ACT-1")
    for action in ACTIONS:
        assert client.post(url(invoice.number, action), {"send_at": ""}).status_code == 403, action
    assert Dispatch.objects.filter(invoice=invoice).count() == 1


def test_viewer_sees_no_action_buttons(viewer_client: Client, db: None) -> None:
    sent_invoice(number="F-ACT-2")
    html = viewer_client.get("/invoices/F-ACT-2/").content.decode()
    assert "/do/" not in html


def test_operator_resends_now_and_sees_a_message(client: Client, operator: Any, db: None) -> None:
    client.force_login(operator)
    invoice = sent_invoice(number="F-ACT-3")
    assert "/do/resend_now/" in client.get("/invoices/F-ACT-3/").content.decode()
    response = client.post(url(invoice.number, "resend_now"), follow=True)
    assert response.redirect_chain[-1][0] == "/invoices/F-ACT-3/"
    assert "sera envoyée à nouveau" in response.content.decode()
    resent = Dispatch.objects.filter(invoice=invoice).order_by("id").last()
    assert resent.state == "scheduled" and resent.resend_of_id is not None and resent.created_by == "otto-operator"


def test_operator_resends_at_a_time_then_reschedules_then_cancels(client: Client, operator: Any, db: None) -> None:
    client.force_login(operator)
    invoice = sent_invoice(number="F-ACT-4")
    at = later()
    client.post(url(invoice.number, "resend_at"), {"send_at": at.strftime("%Y-%m-%dT%H:%M")})
    scheduled = Dispatch.objects.get(invoice=invoice, state="scheduled")
    assert scheduled.scheduled_at == at
    moved = later(5)
    client.post(url(invoice.number, "reschedule"), {"send_at": moved.strftime("%Y-%m-%dT%H:%M")})
    scheduled.refresh_from_db()
    assert scheduled.scheduled_at == moved
    response = client.post(url(invoice.number, "cancel"), follow=True)
    scheduled.refresh_from_db()
    assert scheduled.state == "cancelled"
    assert "Envoi programmé annulé" in response.content.decode()


def test_resend_at_needs_a_time_in_the_future(client: Client, operator: Any, db: None) -> None:
    client.force_login(operator)
    invoice = sent_invoice(number="F-ACT-5")
    response = client.post(url(invoice.number, "resend_at"), {"send_at": ""}, follow=True)
    assert "obligatoire" in response.content.decode()
    response = client.post(url(invoice.number, "resend_at"), {"send_at": "2020-01-01T10:00"}, follow=True)
    assert "dans le passé" in response.content.decode()
    assert Dispatch.objects.filter(invoice=invoice).count() == 1


def test_resend_refused_while_a_dispatch_is_scheduled_says_why(client: Client, operator: Any, db: None) -> None:
    client.force_login(operator)
    invoice = make_invoice(number="F-ACT-6", customer=make_customer(emails=["a@b.example"]))
    dispatch_create(invoice=invoice, recipient="a@b.example", send_at=later())
    response = client.post(url(invoice.number, "resend_now"), follow=True)
    assert "n’a pas été renvoyée" in response.content.decode() or "pas été renvoyée" in response.content.decode()


def test_invoice_actions_need_the_csrf_token(operator: Any, db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    invoice = sent_invoice(number="F-ACT-7")
    assert client.post(url(invoice.number, "resend_now")).status_code == 403
    assert Dispatch.objects.filter(invoice=invoice).count() == 1


def test_actions_answer_get_with_405_and_unknown_actions_with_404(client: Client, operator: Any, db: None) -> None:
    client.force_login(operator)
    sent_invoice(number="F-ACT-8")
    assert client.get(url("F-ACT-8", "cancel")).status_code == 405
    assert client.post(url("F-ACT-8", "delete")).status_code == 404


HOSTILE_RETURN = b"""From: MAILER-DAEMON@mx.example
To: bounces+tok@invoices.example.com
Subject: <script>alert('subject')</script> Undelivered
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/html

<html><body><script>alert(1)</script><img src="http://tracker.example/x.png"><b>User unknown</b></body></html>
--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example

Final-Recipient: rfc822; <script>x</script>@client.example
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <b>unknown</b>
--b1--
"""


def hostile_inbound(invoice: Any) -> InboundMessage:
    inbound = InboundMessage.objects.create(
        received_at=timezone.now(),
        source="imap",
        sha256=hashlib.sha256(HOSTILE_RETURN).hexdigest(),
        raw_compressed=zlib.compress(HOSTILE_RETURN),
        size=len(HOSTILE_RETURN),
        subject="<script>alert('subject')</script> Undelivered",
        state="processed",
        kind="hard_bounce",
    )
    ReturnVerdict.objects.create(
        inbound=inbound,
        dispatch=Dispatch.objects.filter(invoice=invoice).first(),
        kind="hard_bounce",
        status="5.1.1",
        rcpt="<script>x</script>@client.example",
    )
    return inbound


def test_returned_message_is_shown_as_text_never_as_html(viewer_client: Client, db: None) -> None:
    invoice = sent_invoice(number="F-RET-1")
    inbound = hostile_inbound(invoice)
    response = viewer_client.get(f"/returns/{inbound.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in html and '<img src="http://tracker' not in html and "<b>unknown" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the HTML part, as source text
    assert "5.1.1" in html and "Diagnostic-Code" in html  # the DSN fields
    assert "F-RET-1" in html
    assert (
        "script-src" not in response["Content-Security-Policy"]
        and "default-src 'self'" in response["Content-Security-Policy"]
    )


def test_timeline_links_a_returned_message_to_its_safe_view(viewer_client: Client, db: None) -> None:
    from facturier.dispatch.services import dispatch_transition

    invoice = sent_invoice(number="F-RET-2")
    inbound = hostile_inbound(invoice)
    dispatch_transition(
        dispatch=Dispatch.objects.get(invoice=invoice),
        to="bounced_hard",
        kind="bounce",
        summary="550 5.1.1",
        inbound_id=inbound.pk,
    )
    html = viewer_client.get("/invoices/F-RET-2/").content.decode()
    assert f'href="/returns/{inbound.pk}/"' in html
