"""Decisions and actions as services: what they leave on the timeline, the CRM and the returns."""

from __future__ import annotations

from typing import Any

import pytest

from facturier.crm.models import CustomerActivity
from facturier.dispatch.models import DeliveryEvent, Dispatch
from facturier.returns.ingest import ingest
from facturier.returns.models import InboundMessage, InboundState
from facturier.returns.tests.helpers import personal, sent_dispatch
from facturier.worklist.actions import work_item_mark_address_verified, work_item_reclassify
from facturier.worklist.decisions import uncertain_mark_sent, uncertain_resend
from facturier.worklist.models import WorkItem, WorkItemKind, WorkItemState
from facturier.worklist.services import WorkItemActionError, work_item_open
from facturier.worklist.tests.helpers import invalid_address_item, uncertain_item

pytestmark = pytest.mark.django_db


def test_mark_sent_records_who_decided_on_the_timeline(operator: Any) -> None:
    item = uncertain_item()
    uncertain_mark_sent(item=item, user=operator, note="in the relay log")
    event = DeliveryEvent.objects.get(dispatch_id=item.dispatch_id, kind="marked_sent")
    assert (event.from_state, event.to_state, event.actor, event.user_id) == (
        "uncertain",
        "accepted",
        operator.username,
        operator.pk,
    )
    assert event.evidence["note"] == "in the relay log"
    item.refresh_from_db()
    assert item.state == WorkItemState.CLOSED and item.closed_by_id == operator.pk


def test_resend_fails_the_uncertain_dispatch_and_schedules_a_new_one_now(operator: Any) -> None:
    item = uncertain_item()
    new = uncertain_resend(item=item, user=operator)
    old = Dispatch.objects.get(pk=item.dispatch_id)
    assert old.state == "failed" and old.events.filter(kind="resend_decided").exists()
    assert (new.state, new.recipient, new.resend_of_id, new.created_by) == (
        "scheduled",
        old.recipient,
        old.pk,
        operator.username,
    )


def test_a_second_decision_is_refused(operator: Any, admin_user: Any) -> None:
    item = uncertain_item()
    uncertain_mark_sent(item=item, user=operator)
    with pytest.raises(WorkItemActionError):
        uncertain_resend(item=item, user=admin_user)
    assert not Dispatch.objects.filter(resend_of_id=item.dispatch_id).exists()


def test_a_decision_needs_an_uncertain_dispatch_item(operator: Any) -> None:
    item = work_item_open(kind=WorkItemKind.COMPLAINT, title="x")
    with pytest.raises(WorkItemActionError):
        uncertain_mark_sent(item=item, user=operator)


def test_marking_verified_goes_on_the_crm_timeline(operator: Any) -> None:
    item = invalid_address_item()
    email = item.customer.emails.get(active=True)
    work_item_mark_address_verified(item=item, email_id=email.pk, user=operator)
    activity = CustomerActivity.objects.get(customer=item.customer, kind="address_verified")
    assert operator.username in activity.summary and activity.data["previous_status"] == "invalid"


def test_marking_verified_refuses_another_customers_address(operator: Any) -> None:
    item = invalid_address_item()
    other = invalid_address_item(recipient="someone@else.example")
    with pytest.raises(WorkItemActionError):
        work_item_mark_address_verified(item=item, email_id=other.customer.emails.get().pk, user=operator)


def test_classifying_again_ties_a_return_once_its_dispatch_is_known(operator: Any) -> None:
    ingest(raw=personal(sender="compta@late.example", subject="Re: Facture"), source="upload")
    item = WorkItem.objects.get(kind=WorkItemKind.UNMATCHED_RETURN)
    sent_dispatch(recipient="compta@late.example")  # now a recent dispatch to that address exists
    state = work_item_reclassify(item=item, user=operator)
    item.refresh_from_db()
    assert state == InboundState.PROCESSED and InboundMessage.objects.get(pk=item.inbound_id).state == state
    assert item.state == WorkItemState.CLOSED and "tied to its dispatch" in item.resolution


def test_a_processed_return_is_not_run_again(operator: Any) -> None:
    item = invalid_address_item()
    with pytest.raises(WorkItemActionError):
        work_item_reclassify(item=item, user=operator)
