"""Sandbox returns: the reserved test domains answer with RFC-conformant DSNs and auto-replies that
go through the same ingestion as real mail."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from facturier.dispatch import sandbox
from facturier.dispatch.models import Dispatch
from facturier.dispatch.services import dispatch_create
from facturier.dispatch.states import State
from facturier.dispatch.transport import SmtpTransport, parse_smtp_url
from facturier.dispatch.worker import process_due
from facturier.returns import sandbox_returns
from facturier.returns.classify import Kind, classify
from facturier.returns.models import InboundMessage
from facturier.returns.sandbox_returns import made_up_returns
from facturier.returns.tests.helpers import Completions, original_message, sent_dispatch, verp
from facturier.testing.factories import make_customer, make_invoice
from facturier.testing.ports import free_port
from facturier.worklist.models import WorkItem, WorkItemKind


def _meta(d: Dispatch, rcpt: str) -> dict[str, Any]:
    return {
        "mail_from": verp(d.token),
        "rcpt_tos": [rcpt],
        "mail_options": ["RET=HDRS", f"ENVID={d.token}"],
        "rcpt_options": ["NOTIFY=SUCCESS,FAILURE,DELAY", f"ORCPT=rfc822;{rcpt}"],
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rcpt", "kinds"),
    [
        ("x@bounce.sandbox.test", [Kind.HARD_BOUNCE]),
        ("x@full.sandbox.test", [Kind.SOFT_BOUNCE]),
        ("en.x@ooo.sandbox.test", [Kind.AUTO_REPLY]),
        ("x@delay.sandbox.test", [Kind.DELAYED, Kind.DELIVERED]),
        ("x@reply.sandbox.test", [Kind.REPLY]),
        ("x@anything.example", [Kind.DELIVERED]),
    ],
)
def test_each_test_domain_returns_what_the_readme_says(rcpt: str, kinds: list[Kind]) -> None:
    d = sent_dispatch(recipient=rcpt)
    made = list(made_up_returns(_meta(d, rcpt), original_message(d)))
    assert [classify(m.raw).kind for m in made] == kinds
    assert all(m.envelope_to == verp(d.token) for m in made)


@pytest.mark.django_db
def test_dsns_are_rfc3464_reports_with_the_envid_and_the_original_headers() -> None:
    d = sent_dispatch(recipient="x@bounce.sandbox.test")
    (made,) = made_up_returns(_meta(d, "x@bounce.sandbox.test"), original_message(d))
    msg = email.message_from_bytes(made.raw, policy=email.policy.default)
    assert msg.get_content_type() == "multipart/report" and msg.get_param("report-type") == "delivery-status"
    parts = [p.get_content_type() for p in msg.iter_parts()]
    assert parts == ["text/plain", "message/delivery-status", "text/rfc822-headers"]
    status = list(msg.iter_parts())[1].get_payload()
    assert status[0]["Original-Envelope-Id"] == d.token
    assert (status[1]["Action"], status[1]["Status"]) == ("failed", "5.1.1")
    assert msg["To"] == verp(d.token) and msg["Auto-Submitted"] == "auto-replied"
    assert (d.message_id or "").encode() in made.raw


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "words"), [("fr", "Absence"), ("en", "Out of office"), ("de", "Abwesenheit")])
def test_out_of_office_speaks_the_customers_language(language: str, words: str) -> None:
    customer = make_customer(emails=["boss@ooo.sandbox.test"], language=language)
    d = sent_dispatch(recipient="boss@ooo.sandbox.test", invoice=make_invoice(customer=customer))
    (made,) = made_up_returns(_meta(d, "boss@ooo.sandbox.test"), original_message(d))
    msg = email.message_from_bytes(made.raw, policy=email.policy.default)
    assert words in str(msg["Subject"])
    assert msg["Auto-Submitted"] == "auto-replied" and msg["In-Reply-To"] == d.message_id
    assert classify(made.raw).return_date is not None


def test_nothing_is_returned_to_a_null_sender() -> None:
    meta = {"mail_from": "", "rcpt_tos": ["x@bounce.sandbox.test"], "rcpt_options": ["NOTIFY=FAILURE"]}
    assert list(made_up_returns(meta, b"Subject: x\r\n\r\n")) == []


@pytest.fixture
def done(monkeypatch: pytest.MonkeyPatch) -> Completions:
    completions = Completions()
    monkeypatch.setattr(sandbox_returns, "_ingest_with_retries", completions.wrap(sandbox_returns._ingest_with_retries))
    return completions


@pytest.fixture
def relay(settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[SmtpTransport]:
    monkeypatch.setattr(sandbox_returns, "DELAY_SECONDS", 0.2)
    monkeypatch.setattr(sandbox, "SANDBOX_HOOKS", [])
    sandbox_returns.install()
    sandbox_returns.install()  # idempotent
    assert len(sandbox.SANDBOX_HOOKS) == 1 and sandbox.SANDBOX_HOOKS[0] is sandbox_returns.sandbox_hook
    server = sandbox.SandboxRelay(port=free_port(), directory=tmp_path / "sandbox")
    server.start()
    settings.SMTP_URL = f"smtp://127.0.0.1:{server.port}"
    try:
        with SmtpTransport(parse_smtp_url(settings.SMTP_URL), timeout=10) as transport:
            yield transport
    finally:
        server.stop()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_sends_to_the_sandbox_and_the_returns_come_back_through_ingestion(
    relay: SmtpTransport, done: Completions
) -> None:
    expected = {
        "x@bounce.sandbox.test": State.BOUNCED_HARD,
        "x@full.sandbox.test": State.BOUNCED_SOFT,
        "x@ooo.sandbox.test": State.AUTO_REPLIED,
        "x@delay.sandbox.test": State.DELIVERED,  # delayed first, then the success DSN
        "x@reply.sandbox.test": State.REPLIED,
        "x@fine.example": State.DELIVERED,
    }
    dispatches = {}
    returns = 0
    for rcpt in expected:
        # One at a time, waiting for its returns: the test database (SQLite in shared memory) does
        # not take a concurrent reader and writer the way a file database with a busy timeout does.
        invoice = make_invoice(customer=make_customer(emails=[rcpt]))
        dispatches[rcpt] = dispatch_create(invoice=invoice, recipient=rcpt, send_at=timezone.now())
        assert process_due(now=timezone.now(), transport=relay) == 1
        returns += 2 if rcpt.endswith("@delay.sandbox.test") else 1
        done.wait(returns)
    for rcpt, state in expected.items():
        dispatches[rcpt].refresh_from_db()
        assert (rcpt, dispatches[rcpt].state) == (rcpt, state)
    delay = dispatches["x@delay.sandbox.test"]
    assert list(delay.events.filter(kind="dsn").values_list("to_state", flat=True)) == ["delayed", "delivered"]
    assert WorkItem.objects.filter(kind=WorkItemKind.AUTO_REPLY, auto_closed=True).count() == 1
    assert WorkItem.objects.filter(kind=WorkItemKind.HUMAN_REPLY).count() == 1
    assert set(InboundMessage.objects.values_list("source", flat=True)) == {"sandbox"}
