"""Actions: each kind of return moves its dispatch, records the evidence, and opens what a person must do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from facturier.crm.models import EmailStatus
from facturier.dispatch.models import DeliveryEvent, Dispatch
from facturier.dispatch.states import State
from facturier.returns import actions
from facturier.returns import services as returns_services
from facturier.returns.classify import Kind, Reason, RecipientVerdict, Verdict
from facturier.returns.ingest import ingest
from facturier.returns.tests.helpers import dsn, personal, sent_dispatch, verp
from facturier.worklist.models import WorkItem, WorkItemKind, WorkItemState

pytestmark = pytest.mark.django_db


@pytest.fixture
def classified_as(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """Ingest a message the classifier is made to read as the given verdict (for kinds whose real
    samples belong to the classifier's own tests: ARF, MDN, challenge-response)."""

    def run(dispatch: Dispatch, verdict: Verdict) -> Any:
        monkeypatch.setattr(returns_services, "classify", lambda raw, **kw: verdict)
        return ingest(raw=personal(sender=dispatch.recipient, body=repr(verdict)), source="upload")

    return run


def _last_event(dispatch: Dispatch) -> DeliveryEvent:
    return DeliveryEvent.objects.filter(dispatch=dispatch).order_by("-id").first()  # type: ignore[return-value]


def test_success_dsn_marks_the_dispatch_delivered_with_the_dsn_as_evidence() -> None:
    d = sent_dispatch()
    inbound = ingest(raw=dsn(d, action="delivered", status="2.0.0"), source="upload")
    d.refresh_from_db()
    assert d.state == State.DELIVERED
    event = _last_event(d)
    assert (event.kind, event.from_state, event.to_state) == ("dsn", "accepted", "delivered")
    assert event.inbound_message_id == inbound.pk
    assert event.evidence["status"] == "2.0.0"
    assert event.evidence["inbound_id"] == inbound.pk
    assert event.evidence["matched_by"] == "verp"
    assert d.invoice.__class__.objects.get(pk=d.invoice_id).status == "delivered"


def test_delay_then_success_then_a_late_delay_keeps_delivered_and_records_the_late_one() -> None:
    d = sent_dispatch()
    ingest(raw=dsn(d, action="delayed", status="4.4.1", diagnostic="421 connection timed out"), source="upload")
    d.refresh_from_db()
    assert d.state == State.DELAYED
    ingest(raw=dsn(d, action="delivered", status="2.0.0"), source="upload")
    d.refresh_from_db()
    assert d.state == State.DELIVERED
    late = ingest(raw=dsn(d, action="delayed", status="4.4.2", diagnostic="421 again"), source="upload")
    d.refresh_from_db()
    assert d.state == State.DELIVERED
    event = _last_event(d)
    assert event.inbound_message_id == late.pk
    assert event.evidence["state_unchanged"] == "delivered"
    assert event.to_state == ""


def test_hard_bounce_invalidates_the_address_opens_a_work_item_and_tells_the_next_step(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    calls: list[tuple[int, dict[str, Any]]] = []
    monkeypatch.setattr(actions, "_address_invalid_next_step", lambda pk, ev: calls.append((pk, ev)))
    d = sent_dispatch(recipient="gone@customer.example")
    with django_capture_on_commit_callbacks(execute=True):
        inbound = ingest(raw=dsn(d, diagnostic='X-Postfix; unknown user: "gone"'), source="upload")
    d.refresh_from_db()
    assert d.state == State.BOUNCED_HARD
    assert "unknown user" in d.last_reply
    email = d.invoice.customer.emails.get(address="gone@customer.example")
    assert email.status == EmailStatus.INVALID
    assert "5.1.1" in email.status_reason and email.status_changed_at is not None
    item = WorkItem.objects.get(kind=WorkItemKind.INVALID_ADDRESS)
    assert (item.dispatch_id, item.invoice_id, item.inbound_id) == (d.pk, d.invoice_id, inbound.pk)
    kinds = list(DeliveryEvent.objects.filter(dispatch=d).values_list("kind", flat=True))
    assert kinds[-2:] == ["bounce", "address_invalid"]
    assert calls == [(d.pk, _last_event(d).evidence)]
    assert calls[0][1]["status"] == "5.1.1"


def test_soft_bounces_are_resent_on_the_schedule_then_become_a_work_item(settings: Any) -> None:
    settings.FACTURIER_SOFT_BOUNCE_RETRY_HOURS = [1.0, 4.0, 24.0]
    d = sent_dispatch(recipient="full@customer.example")
    delays = []
    for attempt in range(4):
        before = timezone.now()
        diag = f"552 5.2.2 Mailbox full (try {attempt})"
        ingest(raw=dsn(d, status="5.2.2", diagnostic=diag), source="upload")
        d.refresh_from_db()
        assert d.state == State.BOUNCED_SOFT
        resend = Dispatch.objects.filter(resend_of=d).first()
        if attempt < 3:
            assert resend is not None and resend.state == State.SCHEDULED
            assert resend.recipient == d.recipient and resend.token != d.token
            delays.append(round((resend.scheduled_at - before).total_seconds() / 3600))
            # The re-send goes out and is accepted, then bounces again.
            Dispatch.objects.filter(pk=resend.pk).update(state=State.ACCEPTED, accepted_at=timezone.now())
            d = Dispatch.objects.get(pk=resend.pk)
        else:
            assert resend is None
    assert delays == [1, 4, 24]
    item = WorkItem.objects.get(kind=WorkItemKind.SOFT_BOUNCE_EXHAUSTED)
    assert item.dispatch_id == d.pk and item.state == WorkItemState.OPEN


def test_a_second_soft_bounce_dsn_for_the_same_dispatch_does_not_resend_twice() -> None:
    d = sent_dispatch()
    ingest(raw=dsn(d, status="4.2.2", diagnostic="452 4.2.2 over quota"), source="upload")
    ingest(raw=dsn(d, status="5.2.2", diagnostic="552 5.2.2 over quota, final"), source="upload")
    assert Dispatch.objects.filter(resend_of=d).count() == 1


def test_out_of_office_is_auto_replied_and_auto_closed_with_the_return_date(classified_as: Any) -> None:
    d = sent_dispatch()
    back = dt.date(2026, 12, 7)
    verdict = Verdict(
        kind=Kind.AUTO_REPLY, reason=Reason.VACATION, from_addr=d.recipient, return_date=back, text="Absent"
    )
    classified_as(d, verdict)
    d.refresh_from_db()
    assert d.state == State.AUTO_REPLIED
    assert _last_event(d).evidence["return_date"] == "2026-12-07"
    item = WorkItem.objects.get(kind=WorkItemKind.AUTO_REPLY)
    assert item.state == WorkItemState.CLOSED and item.auto_closed
    assert item.resolution == "out-of-office, back on 2026-12-07"
    assert item.invoice_id == d.invoice_id


def test_challenge_response_opens_a_work_item_for_a_person(classified_as: Any) -> None:
    d = sent_dispatch()
    verdict = Verdict(
        kind=Kind.AUTO_REPLY, reason=Reason.CHALLENGE, challenge=True, from_addr=d.recipient, text="Click here"
    )
    classified_as(d, verdict)
    d.refresh_from_db()
    assert d.state == State.AUTO_REPLIED
    item = WorkItem.objects.get(kind=WorkItemKind.CHALLENGE)
    assert item.state == WorkItemState.OPEN and item.detail == "Click here"


def test_complaint_flags_the_customer_and_opens_a_work_item(classified_as: Any) -> None:
    d = sent_dispatch()
    classified_as(d, Verdict(kind=Kind.COMPLAINT, reason=Reason.FEEDBACK, rcpt=d.recipient, feedback_type="abuse"))
    d.refresh_from_db()
    assert d.state == State.COMPLAINED
    assert d.invoice.customer.__class__.objects.get(pk=d.invoice.customer_id).complaint_flag
    assert WorkItem.objects.filter(kind=WorkItemKind.COMPLAINT, dispatch=d).exists()
    assert _last_event(d).evidence["feedback_type"] == "abuse"


def test_read_receipt_marks_read(classified_as: Any) -> None:
    d = sent_dispatch(state=State.DELIVERED)
    classified_as(d, Verdict(kind=Kind.READ_RECEIPT, reason=Reason.READ, message_id=d.message_id or ""))
    d.refresh_from_db()
    assert d.state == State.READ
    assert _last_event(d).evidence["matched_by"] == "message_id"


def test_human_reply_marks_replied_and_opens_a_work_item_with_the_text() -> None:
    d = sent_dispatch(recipient="eve@customer.example")
    raw = personal(sender="eve@customer.example", in_reply_to=d.message_id or "", body="Quel est le IBAN ?")
    ingest(raw=raw, source="upload")
    d.refresh_from_db()
    assert d.state == State.REPLIED
    item = WorkItem.objects.get(kind=WorkItemKind.HUMAN_REPLY)
    assert "IBAN" in item.detail and item.invoice_id == d.invoice_id and item.state == WorkItemState.OPEN


def test_multi_recipient_dsn_acts_on_each_recipient(classified_as: Any) -> None:
    first = sent_dispatch(recipient="a@customer.example")
    second = sent_dispatch(recipient="b@customer.example", invoice=first.invoice)
    first.invoice.customer.emails.create(address="b@customer.example")
    verdict = Verdict(
        kind=Kind.HARD_BOUNCE,
        envelope_id=first.token,
        recipients=(
            RecipientVerdict(rcpt="a@customer.example", kind=Kind.DELIVERED, reason=Reason.DELIVERED, status="2.0.0"),
            RecipientVerdict(
                rcpt="b@customer.example", kind=Kind.HARD_BOUNCE, reason=Reason.USER_UNKNOWN, status="5.1.1"
            ),
        ),
    )
    inbound = classified_as(first, verdict)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (State.DELIVERED, State.BOUNCED_HARD)
    assert sorted(inbound.verdicts.values_list("rcpt", "matched_by")) == [
        ("a@customer.example", "envid"),
        ("b@customer.example", "envid"),
    ]


def test_unclassifiable_message_about_an_invoice_is_recorded_and_given_to_a_person(classified_as: Any) -> None:
    d = sent_dispatch()
    classified_as(d, Verdict(kind=Kind.UNKNOWN, in_reply_to=d.message_id or ""))
    d.refresh_from_db()
    assert d.state == State.ACCEPTED
    assert _last_event(d).kind == "return_unclassified"
    assert WorkItem.objects.filter(kind=WorkItemKind.HUMAN_REPLY, dispatch=d).exists()


def test_verp_to_a_dispatch_that_was_never_sent_records_without_crashing() -> None:
    d = sent_dispatch(state=State.SCHEDULED, accepted_at=None)
    inbound = ingest(raw=dsn(d, action="delivered", status="2.0.0"), source="upload", envelope_to=verp(d.token))
    d.refresh_from_db()
    assert d.state == State.SCHEDULED
    assert inbound.state == "processed"
    assert _last_event(d).evidence["would_be"] == "delivered"
