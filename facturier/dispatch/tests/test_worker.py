from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from facturier.crm.models import CustomerEmail, EmailStatus
from facturier.dispatch.models import DeliveryEvent, Dispatch
from facturier.dispatch.services import dispatch_create
from facturier.dispatch.states import State
from facturier.dispatch.tests.smtp_servers import RecordingHandler, smtp_server
from facturier.dispatch.transport import SmtpTransport
from facturier.dispatch.worker import (
    claim_due,
    expire_leases,
    process_due,
    release_claims,
    retry_delay_seconds,
    send_one,
)
from facturier.invoices.models import Invoice
from facturier.testing.factories import make_customer, make_invoice
from facturier.testing.ports import free_port
from facturier.worklist.models import WorkItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def handler() -> RecordingHandler:
    return RecordingHandler()


@pytest.fixture
def relay(handler: RecordingHandler, settings: Any) -> Iterator[RecordingHandler]:
    with smtp_server(handler) as port:
        settings.SMTP_URL = f"smtp://127.0.0.1:{port}"
        yield handler


def _due(recipient: str = "compta@client.example", *, customer_emails: list[str] | None = None) -> Dispatch:
    customer = make_customer(emails=customer_emails if customer_emails is not None else [recipient])
    invoice = make_invoice(customer=customer)
    return dispatch_create(invoice=invoice, recipient=recipient, send_at=timezone.now() - dt.timedelta(minutes=1))


def _kinds(dispatch: Dispatch) -> list[str]:
    return list(DeliveryEvent.objects.filter(dispatch=dispatch).values_list("kind", flat=True))


@pytest.mark.parametrize(("attempt", "delay"), [(1, 60), (2, 120), (3, 240), (6, 1920)])
def test_retry_delay_doubles_each_try(attempt: int, delay: int) -> None:
    assert retry_delay_seconds(attempt, base=60) == delay


def test_due_dispatch_is_sent_and_accepted_with_evidence(relay: RecordingHandler, settings: Any) -> None:
    settings.FACTURIER_RETURN_PATH = "bounces@invoices.example.com"
    dispatch = _due()
    assert process_due(now=timezone.now()) == 1
    dispatch.refresh_from_db()
    assert dispatch.state == State.ACCEPTED
    assert dispatch.accepted_at is not None and dispatch.attempts == 1
    assert dispatch.last_reply.startswith("250")
    [got] = relay.received
    assert got.mail_from == f"bounces+{dispatch.token}@invoices.example.com"
    assert got.message_id == dispatch.message_id
    assert b"application/pdf" in got.data
    assert _kinds(dispatch) == ["scheduled", "sending", "smtp_accepted"]
    accepted = DeliveryEvent.objects.get(dispatch=dispatch, kind="smtp_accepted")
    assert accepted.evidence["code"] == 250 and accepted.evidence["dsn_requested"] is True
    assert accepted.evidence["envelope_from"] == got.mail_from and accepted.evidence["rcpt"] == "compta@client.example"
    assert Invoice.objects.get(pk=dispatch.invoice_id).status == State.ACCEPTED
    [attempt] = dispatch.send_attempts.all()
    assert (attempt.number, attempt.outcome, attempt.smtp_code) == (1, "accepted", 250)


def test_not_yet_due_and_postal_dispatches_are_left_alone(relay: RecordingHandler) -> None:
    invoice = make_invoice()
    later = dispatch_create(invoice=invoice, recipient="a@b.example", send_at=timezone.now() + dt.timedelta(hours=1))
    postal = dispatch_create(invoice=invoice, recipient="1 rue X", send_at=timezone.now(), channel="post")
    assert process_due(now=timezone.now()) == 0
    assert {d.state for d in Dispatch.objects.filter(pk__in=[later.pk, postal.pk])} == {State.SCHEDULED}


def test_4xx_is_retried_with_backoff_then_succeeds(settings: Any) -> None:
    settings.FACTURIER_SEND_RETRY_BASE_SECONDS = 60
    handler = RecordingHandler(data_replies=["451 4.7.1 greylisted, come back later"])
    with smtp_server(handler) as port:
        settings.SMTP_URL = f"smtp://127.0.0.1:{port}"
        dispatch = _due()
        process_due(now=timezone.now())
        dispatch.refresh_from_db()
        assert dispatch.state == State.SCHEDULED
        assert 55 <= (dispatch.due_at - timezone.now()).total_seconds() <= 61
        assert dispatch.last_reply == "451 4.7.1 greylisted, come back later"
        assert process_due(now=timezone.now()) == 0  # not due yet
        assert process_due(now=dispatch.due_at) == 1
    dispatch.refresh_from_db()
    assert dispatch.state == State.ACCEPTED and dispatch.attempts == 2
    assert _kinds(dispatch) == ["scheduled", "sending", "smtp_temp_fail", "sending", "smtp_accepted"]
    assert [a.outcome for a in dispatch.send_attempts.all()] == ["temp_fail", "accepted"]
    assert len(handler.received) == 1


def test_temporary_failures_end_in_failed_with_a_work_item(settings: Any) -> None:
    settings.FACTURIER_SEND_RETRY_LIMIT = 2
    handler = RecordingHandler(data_replies=["421 4.3.2 shutting down"] * 5)
    with smtp_server(handler) as port:
        settings.SMTP_URL = f"smtp://127.0.0.1:{port}"
        dispatch = _due()
        for _ in range(3):
            process_due(now=timezone.now() + dt.timedelta(days=1))
    dispatch.refresh_from_db()
    assert dispatch.state == State.FAILED and dispatch.attempts == 3
    assert WorkItem.objects.filter(kind="send_failed", dispatch=dispatch, state="open").count() == 1


def test_5xx_at_rcpt_is_a_hard_bounce_and_the_address_becomes_invalid(settings: Any) -> None:
    reply = "550 5.1.1 <gone@client.example>: Recipient address rejected: User unknown"
    handler = RecordingHandler(refuse_rcpt={"gone@client.example": reply})
    with smtp_server(handler) as port:
        settings.SMTP_URL = f"smtp://127.0.0.1:{port}"
        dispatch = _due("gone@client.example")
        process_due(now=timezone.now())
    dispatch.refresh_from_db()
    assert dispatch.state == State.BOUNCED_HARD
    event = DeliveryEvent.objects.get(dispatch=dispatch, kind="smtp_rejected")
    assert (event.evidence["code"], event.evidence["step"]) == (550, "rcpt")
    assert event.evidence["reply"] == reply[4:]
    assert reply[4:] in event.summary
    item = WorkItem.objects.get(dispatch=dispatch)
    assert item.kind == "invalid_address"
    email = CustomerEmail.objects.get(address="gone@client.example")
    assert email.status == EmailStatus.INVALID and "5.1.1" in email.status_reason
    assert handler.received == []


def test_5xx_at_rcpt_starts_the_postal_next_step_after_commit(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # The synchronous invalid-address case must lead to the same next step as a hard-bounce DSN:
    # a cover letter queued for the post and the CRM told.
    from facturier.crm.models import CustomerActivity
    from facturier.letters.models import Letter

    settings.FACTURIER_ON_INVALID_ADDRESS = "print"
    settings.FACTURIER_POST_TIMING = "cutoff"
    handler = RecordingHandler(refuse_rcpt={"gone@client.example": "550 5.1.1 User unknown"})
    with smtp_server(handler) as port:
        settings.SMTP_URL = f"smtp://127.0.0.1:{port}"
        dispatch = _due("gone@client.example")
        with django_capture_on_commit_callbacks(execute=True):
            process_due(now=timezone.now())
    letter = Letter.objects.get(source_dispatch=dispatch)
    assert letter.invoice_id == dispatch.invoice_id
    activity = CustomerActivity.objects.get(kind="address_invalid")
    assert activity.data["dispatch"] == dispatch.pk
    assert WorkItem.objects.filter(kind="invalid_address", dispatch=dispatch).count() == 1


def test_5xx_at_data_is_a_hard_bounce_without_invalidating_the_address(settings: Any) -> None:
    handler = RecordingHandler(data_replies=["554 5.7.1 message refused as spam"])
    with smtp_server(handler) as port:
        settings.SMTP_URL = f"smtp://127.0.0.1:{port}"
        dispatch = _due()
        process_due(now=timezone.now())
    dispatch.refresh_from_db()
    assert dispatch.state == State.BOUNCED_HARD
    assert WorkItem.objects.get(dispatch=dispatch).kind == "send_failed"
    assert CustomerEmail.objects.get(address=dispatch.recipient).status == EmailStatus.UNVERIFIED


def test_relay_down_means_retry_not_failure(settings: Any) -> None:
    settings.SMTP_URL = f"smtp://127.0.0.1:{free_port()}"
    dispatch = _due()
    process_due(now=timezone.now())
    dispatch.refresh_from_db()
    assert dispatch.state == State.SCHEDULED and dispatch.due_at > timezone.now()
    assert "ConnectionRefusedError" in dispatch.last_reply


def test_missing_pdf_fails_the_dispatch_with_a_bad_pdf_item(relay: RecordingHandler) -> None:
    dispatch = _due()
    dispatch.invoice.pdf.delete(save=False)
    process_due(now=timezone.now())
    dispatch.refresh_from_db()
    assert dispatch.state == State.FAILED
    assert WorkItem.objects.get(dispatch=dispatch).kind == "bad_pdf"
    assert relay.received == []


def test_lease_expiry_makes_the_dispatch_uncertain_and_opens_a_work_item(settings: Any) -> None:
    settings.FACTURIER_SEND_LEASE_SECONDS = 300
    dispatch = _due()
    now = timezone.now()
    [claimed] = claim_due(now=now, limit=10, worker="host:1")
    assert claimed == dispatch.pk
    assert expire_leases(now=now + dt.timedelta(seconds=299)) == 0
    assert expire_leases(now=now + dt.timedelta(seconds=301)) == 1
    dispatch.refresh_from_db()
    assert dispatch.state == State.UNCERTAIN
    event = DeliveryEvent.objects.get(dispatch=dispatch, kind="uncertain")
    assert "cut off" in event.summary and event.evidence["claimed_by"] == "host:1"
    assert WorkItem.objects.get(dispatch=dispatch).kind == "uncertain_dispatch"
    assert Invoice.objects.get(pk=dispatch.invoice_id).status == State.UNCERTAIN
    # Never re-sent blindly: the worker does not pick it up again.
    assert claim_due(now=now + dt.timedelta(days=1), limit=10, worker="host:2") == []


def test_late_250_after_lease_expiry_settles_the_uncertain_dispatch(relay: RecordingHandler, settings: Any) -> None:
    dispatch = _due()
    now = timezone.now()
    claim_due(now=now, limit=1, worker="slow:1")
    expire_leases(now=now + dt.timedelta(seconds=settings.FACTURIER_SEND_LEASE_SECONDS + 1))
    with SmtpTransport.from_settings() as transport:
        assert send_one(dispatch.pk, transport=transport, worker="slow:1") == State.ACCEPTED
    assert WorkItem.objects.get(dispatch=dispatch).state == "closed"


def test_stopping_worker_puts_unsent_claims_back() -> None:
    dispatches = [_due() for _ in range(3)]
    ids = claim_due(now=timezone.now(), limit=10, worker="w:1")
    assert release_claims(ids, worker="w:1") == 3
    for d in dispatches:
        d.refresh_from_db()
        assert (d.state, d.attempts, d.sending_since) == (State.SCHEDULED, 0, None)
        assert _kinds(d) == ["scheduled", "sending", "released"]


def test_process_due_stops_between_messages_when_asked(relay: RecordingHandler) -> None:
    for _ in range(3):
        _due()
    calls = iter([False, True, True])
    assert process_due(now=timezone.now(), should_stop=lambda: next(calls)) == 1
    states = sorted(Dispatch.objects.values_list("state", flat=True))
    assert states == ["accepted", "scheduled", "scheduled"]


def test_claim_takes_at_most_the_batch(relay: RecordingHandler) -> None:
    for _ in range(5):
        _due()
    assert process_due(now=timezone.now(), limit=2) == 2
    assert Dispatch.objects.filter(state=State.SCHEDULED).count() == 3


def test_worker_once_command_sends_everything_due(relay: RecordingHandler) -> None:
    for _ in range(4):
        _due()
    call_command("worker", "--once", "--batch", "3", "--skip-checks")
    assert Dispatch.objects.filter(state=State.ACCEPTED).count() == 4
    assert len(relay.received) == 4


def test_worker_refuses_an_unusable_smtp_url(settings: Any) -> None:
    from django.core.management.base import CommandError

    settings.SMTP_URL = "http://relay.example.com"
    with pytest.raises(CommandError, match="not supported"):
        call_command("worker", "--once", "--skip-checks")


def test_commands_answer_to_the_names_in_the_docs() -> None:
    from django.core.management import get_commands

    commands = get_commands()
    assert commands["worker"] == commands["sandbox-relay"] == "facturier.dispatch"


def test_database_trouble_mid_batch_puts_unsent_claims_back(relay: RecordingHandler, monkeypatch: Any) -> None:
    from facturier.dispatch import worker

    dispatches = [_due() for _ in range(4)]
    # One answer per commit, as before answers were grouped: the second commit fails.
    monkeypatch.setattr(worker, "RECORD_GROUP", 1)
    real = worker.record_results
    calls = iter([real, _raise, real])
    monkeypatch.setattr(worker, "record_results", lambda *a, **k: next(calls)(*a, **k))
    with pytest.raises(RuntimeError):
        process_due(now=timezone.now(), limit=10)
    states = [Dispatch.objects.get(pk=d.pk).state for d in dispatches]
    # 0 and 2 were sent and recorded; 1 was sent but its answer could not be recorded (it will
    # turn uncertain after the lease); 3 was never handed over, so it is back in the queue.
    assert states == [State.ACCEPTED, State.SENDING, State.ACCEPTED, State.SCHEDULED]
    assert len(relay.received) == 3


def _raise(*args: Any, **kwargs: Any) -> str:
    raise RuntimeError("database went away")


def test_a_failed_group_commit_leaves_its_sent_dispatches_to_the_lease(
    relay: RecordingHandler, monkeypatch: Any
) -> None:
    from facturier.dispatch import worker

    dispatches = [_due() for _ in range(7)]
    monkeypatch.setattr(worker, "RECORD_GROUP", 3)
    monkeypatch.setattr(worker, "RECORD_GROUP_SECONDS", 60.0)
    real = worker.record_results
    calls = iter([real, _raise, real])
    monkeypatch.setattr(worker, "record_results", lambda *a, **k: next(calls)(*a, **k))
    with pytest.raises(RuntimeError):
        process_due(now=timezone.now(), limit=10)
    states = [Dispatch.objects.get(pk=d.pk).state for d in dispatches]
    # 0-2 committed together; 3-5 were sent but their group's commit failed (uncertain after the
    # lease, never re-sent); 6 was with the relay and is recorded on the way out; none is lost.
    assert states == [State.ACCEPTED] * 3 + [State.SENDING] * 3 + [State.ACCEPTED]
    assert len(relay.received) == 7
    assert relay.message_id_counts().most_common(1)[0][1] == 1


def test_answers_are_committed_in_groups_with_few_queries(
    relay: RecordingHandler, django_assert_max_num_queries: Any, monkeypatch: Any
) -> None:
    from facturier.dispatch import worker

    monkeypatch.setattr(worker, "RECORD_GROUP_SECONDS", 60.0)  # one group of 10, however slow the machine
    customer = make_customer(emails=["compta@client.example"])
    dispatches = [
        dispatch_create(
            invoice=make_invoice(customer=customer),
            recipient="compta@client.example",
            send_at=timezone.now() - dt.timedelta(minutes=1),
        )
        for _ in range(10)
    ]
    # Claim (select, update, events, roll-up select + update), batch load, then one group of
    # answers (lock, attempts, dispatches: shared values + per-row values, events, roll-up
    # select + update), each transaction a savepoint here: 17 queries for 10 dispatches,
    # instead of ~11 per dispatch.
    with django_assert_max_num_queries(17):
        assert process_due(now=timezone.now(), limit=10) == 10
    for d in dispatches:
        d.refresh_from_db()
        assert d.state == State.ACCEPTED and d.accepted_at is not None and d.last_reply.startswith("250")
        assert _kinds(d) == ["scheduled", "sending", "smtp_accepted"]
        assert [a.outcome for a in d.send_attempts.all()] == ["accepted"]
    assert set(Invoice.objects.values_list("status", flat=True)) == {State.ACCEPTED}


def test_a_group_mixes_accepted_retried_and_refused_answers(settings: Any) -> None:
    settings.FACTURIER_SEND_RETRY_BASE_SECONDS = 60
    handler = RecordingHandler(
        refuse_rcpt={"gone@client.example": "550 5.1.1 User unknown"},
        data_replies=["250 2.0.0 Ok", "451 4.7.1 greylisted"],
    )
    with smtp_server(handler) as port:
        settings.SMTP_URL = f"smtp://127.0.0.1:{port}"
        ok, later, gone = _due("ok@client.example"), _due("later@client.example"), _due("gone@client.example")
        assert process_due(now=timezone.now(), limit=10) == 3
    for d in (ok, later, gone):
        d.refresh_from_db()
    assert (ok.state, later.state, gone.state) == (State.ACCEPTED, State.SCHEDULED, State.BOUNCED_HARD)
    assert _kinds(later) == ["scheduled", "sending", "smtp_temp_fail"]
    assert 55 <= (later.due_at - timezone.now()).total_seconds() <= 61
    assert WorkItem.objects.get(dispatch=gone).kind == "invalid_address"
    statuses = dict(Invoice.objects.values_list("pk", "status"))
    assert statuses[ok.invoice_id] == State.ACCEPTED and statuses[later.invoice_id] == State.SCHEDULED
