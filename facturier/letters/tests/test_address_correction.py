"""Correcting an invalid address: service, API endpoint, and the form on /letters/correct/<ref>/."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from facturier.accounts.tokens import api_token_create
from facturier.crm.address_correction import AddressCorrectionError, customer_email_correct
from facturier.crm.models import CustomerActivity, EmailStatus
from facturier.dispatch.models import Channel, Dispatch
from facturier.dispatch.services import dispatch_create
from facturier.dispatch.states import State
from facturier.letters.next_step import address_invalid
from facturier.letters.tests.helpers import bounced_dispatch
from facturier.testing.factories import make_customer, make_invoice
from facturier.webhooks.models import WebhookDelivery
from facturier.webhooks.services import webhook_endpoint_create
from facturier.worklist.models import WorkItem, WorkItemKind, WorkItemState

pytestmark = pytest.mark.django_db

OLD, NEW = "compta@dupont.example", "factures@dupont.example"


@pytest.fixture
def bounced() -> dict[str, Any]:
    """A customer with two invoices that bounced to OLD and one that was delivered there."""
    customer = make_customer(name="Dupont SARL", external_ref="DUP-1", emails=[OLD])
    first, second, fine = (make_invoice(customer=customer) for _ in range(3))
    dispatches = [bounced_dispatch(first), bounced_dispatch(second)]
    for dispatch in dispatches:
        address_invalid(dispatch_id=dispatch.pk, evidence={"status": "5.1.1"})
    ok = dispatch_create(invoice=fine, recipient=OLD, send_at=fine.created_at)
    return {"customer": customer, "dispatches": dispatches, "fine": fine, "ok": ok}


def test_the_old_address_stays_in_history_replaced_by_the_new_one(bounced: dict[str, Any]) -> None:
    customer = bounced["customer"]
    result = customer_email_correct(customer=customer, old_address=OLD, new_address=NEW, actor="user:otto")
    old = customer.emails.get(address=OLD)
    assert (old.active, old.replaced_by, old.status) == (False, result.new_email, EmailStatus.INVALID)
    assert list(customer.emails.filter(active=True).values_list("address", flat=True)) == [NEW]
    activity = CustomerActivity.objects.get(kind="address_corrected")
    assert activity.data == {"old_address": OLD, "new_address": NEW, "actor": "user:otto"}


def test_the_open_invalid_address_work_items_are_closed_with_the_resolution(bounced: dict[str, Any]) -> None:
    other = make_customer(emails=["someone@else.example"])
    address_invalid(dispatch_id=bounced_dispatch(make_invoice(customer=other)).pk, evidence={})
    result = customer_email_correct(customer=bounced["customer"], old_address=OLD, new_address=NEW, actor="api:erp")
    assert len(result.closed_items) == 2
    for item in WorkItem.objects.filter(customer=bounced["customer"], kind=WorkItemKind.INVALID_ADDRESS):
        assert item.state == WorkItemState.CLOSED and item.resolution == f"address corrected to {NEW} by api:erp"
        assert item.auto_closed
    assert WorkItem.objects.get(customer=other, kind=WorkItemKind.INVALID_ADDRESS).state == WorkItemState.OPEN


def test_the_bounced_invoices_are_sent_again_to_the_new_address(bounced: dict[str, Any]) -> None:
    webhook_endpoint_create(name="crm", url="http://127.0.0.1:9/hook")
    result = customer_email_correct(customer=bounced["customer"], old_address=OLD, new_address=NEW, actor="u")
    assert sorted(d.resend_of_id for d in result.resent) == sorted(d.pk for d in bounced["dispatches"])
    for dispatch in result.resent:
        assert (dispatch.recipient, dispatch.channel, dispatch.state) == (NEW, Channel.EMAIL, State.SCHEDULED)
    # The invoice that did not bounce is not sent again.
    assert not Dispatch.objects.filter(invoice=bounced["fine"], recipient=NEW).exists()
    assert CustomerActivity.objects.filter(kind="resent").count() == 2
    assert set(WebhookDelivery.objects.values_list("event_type", flat=True)) >= {"address_corrected", "resent"}


def test_no_resend_when_the_customer_prefers_not(bounced: dict[str, Any]) -> None:
    customer = bounced["customer"]
    customer.preferences = {"resend_on_correction": False}
    customer.save()
    result = customer_email_correct(customer=customer, old_address=OLD, new_address=NEW, actor="u")
    assert result.resent == [] and len(result.closed_items) == 2


def test_an_invoice_already_resent_is_not_resent_again(bounced: dict[str, Any]) -> None:
    # The latest dispatch to the old address is what counts: a later one that was accepted wins.
    first = bounced["dispatches"][0]
    dispatch_create(invoice=first.invoice, recipient=OLD, send_at=first.scheduled_at)
    result = customer_email_correct(customer=bounced["customer"], old_address=OLD, new_address=NEW, actor="u")
    assert [d.invoice for d in result.resent] == [bounced["dispatches"][1].invoice]


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("nobody@dupont.example", NEW, "old_address"),
        (OLD, "not an address", "new_address"),
        (OLD, OLD.upper(), "new_address"),
    ],
)
def test_a_wrong_correction_is_refused_and_changes_nothing(
    bounced: dict[str, Any], old: str, new: str, field: str
) -> None:
    with pytest.raises(AddressCorrectionError) as caught:
        customer_email_correct(customer=bounced["customer"], old_address=old, new_address=new, actor="u")
    assert caught.value.field == field
    assert bounced["customer"].emails.get(address=OLD).active


def test_the_api_corrects_the_address(client: Client, bounced: dict[str, Any]) -> None:
    _, secret = api_token_create(name="erp")
    response = client.post(
        "/api/v1/customers/DUP-1/email-correction",
        data=json.dumps({"old_address": OLD, "new_address": NEW}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["customer"] == "DUP-1" and body["new_address"] == NEW
    assert len(body["closed_work_items"]) == 2 and len(body["resent"]) == 2
    assert CustomerActivity.objects.get(kind="address_corrected").data["actor"] == "api:erp"


def test_the_api_refuses_unknown_customers_bad_input_and_missing_tokens(
    client: Client, bounced: dict[str, Any]
) -> None:
    _, secret = api_token_create(name="erp")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    payload = json.dumps({"old_address": OLD, "new_address": "nope"})
    url = "/api/v1/customers/DUP-1/email-correction"
    refused = client.post(url, data=payload, content_type="application/json", **auth)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "new_address"
    assert (
        client.post(url.replace("DUP-1", "NOPE"), data=payload, content_type="application/json", **auth).status_code
        == 404
    )
    assert client.post(url, data=payload, content_type="application/json").status_code == 401


def test_an_operator_corrects_the_address_in_the_form(client: Client, operator: Any, bounced: dict[str, Any]) -> None:
    client.force_login(operator)
    page = client.get("/letters/correct/DUP-1/").content.decode()
    assert OLD in page and "<td>invalide</td>" in page
    response = client.post("/letters/correct/DUP-1/", {"old_address": OLD, "new_address": NEW})
    assert response.status_code == 302
    item = WorkItem.objects.filter(kind=WorkItemKind.INVALID_ADDRESS).first()
    assert item is not None and item.closed_by == operator and not item.auto_closed
    assert "2 facture(s) renvoyée(s)" in client.get("/letters/correct/DUP-1/").content.decode()


def test_a_viewer_sees_the_history_but_cannot_correct(client: Client, viewer: Any, bounced: dict[str, Any]) -> None:
    client.force_login(viewer)
    page = client.get("/letters/correct/DUP-1/").content.decode()
    assert OLD in page and 'name="new_address"' not in page  # the history, without the form
    assert client.post("/letters/correct/DUP-1/", {"old_address": OLD, "new_address": NEW}).status_code == 403
    assert bounced["customer"].emails.get(address=OLD).active
