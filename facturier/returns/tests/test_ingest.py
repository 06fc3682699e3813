"""Ingestion: store first (compressed, deduplicated), then process; failures are visible and retryable;
the pipe speaks sysexits so the MTA retries what could not be stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from facturier.dispatch.states import State
from facturier.returns import services as returns_services
from facturier.returns.ingest import TemporaryStoreError, inbound_store, ingest
from facturier.returns.models import InboundMessage, InboundState, ReturnVerdict
from facturier.returns.services import inbound_process, retry_failed
from facturier.returns.tests.helpers import dsn, sent_dispatch, verp

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[3]


def test_the_raw_message_is_stored_compressed_with_its_sha256_before_processing() -> None:
    d = sent_dispatch()
    raw = dsn(d)
    inbound, created = inbound_store(raw=raw, source="pipe", envelope_to=verp(d.token))
    assert created and inbound.state == InboundState.STORED
    assert inbound.raw == raw and inbound.sha256 == hashlib.sha256(raw).hexdigest()
    assert len(bytes(inbound.raw_compressed)) < len(raw)
    assert inbound.subject == "Undelivered Mail Returned to Sender"
    assert inbound.envelope_to == verp(d.token)
    assert not ReturnVerdict.objects.exists()  # stored, not processed yet


def test_the_same_message_twice_is_stored_once_and_acted_on_once() -> None:
    d = sent_dispatch()
    raw = dsn(d)
    first = ingest(raw=raw, source="imap")
    second = ingest(raw=raw, source="lmtp")
    assert first.pk == second.pk
    assert InboundMessage.objects.count() == 1
    assert ReturnVerdict.objects.count() == 1
    assert d.events.filter(kind="bounce").count() == 1


def test_an_mbox_from_line_added_by_a_pipe_does_not_change_the_message() -> None:
    d = sent_dispatch()
    raw = dsn(d)
    a = ingest(raw=raw, source="imap")
    b = ingest(raw=b"From MAILER-DAEMON  Mon Nov 23 10:00:00 2026\n" + raw, source="pipe")
    assert a.pk == b.pk and a.raw == raw


def test_envelope_recipient_is_read_from_delivered_to_when_not_given() -> None:
    d = sent_dispatch()
    raw = b"Delivered-To: someone@else.example\r\nX-Original-To: " + verp(d.token).encode() + b"\r\n" + dsn(d, to="x@y")
    inbound, _ = inbound_store(raw=raw, source="imap")
    assert inbound.envelope_to == verp(d.token)


def test_a_processing_error_marks_the_message_failed_and_it_can_be_processed_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    d = sent_dispatch()
    raw = dsn(d)

    def broken(raw: bytes, **kw: Any) -> Any:
        raise RuntimeError("classifier exploded")

    monkeypatch.setattr(returns_services, "classify", broken)
    inbound = ingest(raw=raw, source="pipe")
    assert inbound.state == InboundState.FAILED
    assert "classifier exploded" in inbound.error and inbound.process_attempts == 1
    assert inbound.raw == raw
    d.refresh_from_db()
    assert d.state == State.ACCEPTED  # nothing half-done: the transaction was rolled back
    monkeypatch.undo()
    # Not yet: the worker step backs off after a failure.
    assert retry_failed(now=timezone.now()) == 0
    assert retry_failed(now=timezone.now() + dt.timedelta(minutes=5)) == 1
    inbound.refresh_from_db()
    assert inbound.state == InboundState.PROCESSED and inbound.error == "" and inbound.process_attempts == 2
    d.refresh_from_db()
    assert d.state == State.BOUNCED_HARD


def test_reprocess_command_processes_failed_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    d = sent_dispatch()
    monkeypatch.setattr(returns_services, "classify", lambda raw, **kw: 1 / 0)
    inbound = ingest(raw=dsn(d), source="pipe")
    assert inbound.state == InboundState.FAILED
    monkeypatch.undo()
    out = io.StringIO()
    call_command("reprocess-returns", stdout=out)
    assert "processed 1" in out.getvalue()
    inbound.refresh_from_db()
    assert inbound.state == InboundState.PROCESSED


def test_a_message_left_stored_by_a_dead_ingester_is_picked_up_by_the_worker_step() -> None:
    d = sent_dispatch()
    inbound, _ = inbound_store(raw=dsn(d), source="lmtp")
    assert retry_failed(now=timezone.now()) == 0  # young: its ingester may still be on it
    assert retry_failed(now=timezone.now() + dt.timedelta(minutes=10)) == 1
    inbound.refresh_from_db()
    assert inbound.state == InboundState.PROCESSED


def test_processing_twice_does_nothing_the_second_time() -> None:
    d = sent_dispatch()
    inbound, _ = inbound_store(raw=dsn(d), source="lmtp")
    assert inbound_process(inbound_id=inbound.pk) == InboundState.PROCESSED
    assert inbound_process(inbound_id=inbound.pk) == InboundState.PROCESSED
    assert ReturnVerdict.objects.count() == 1


# --- the pipe ------------------------------------------------------------------------------------


def _pipe(monkeypatch: pytest.MonkeyPatch, raw: bytes, *args: str) -> int:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    with pytest.raises(SystemExit) as exit_info:
        call_command("ingest-mail", *args, stdout=io.StringIO(), stderr=io.StringIO())
    return int(exit_info.value.code or 0)


def test_pipe_stores_and_exits_0_with_the_recipient_from_postfix_env(monkeypatch: pytest.MonkeyPatch) -> None:
    d = sent_dispatch()
    monkeypatch.setenv("ORIGINAL_RECIPIENT", verp(d.token))
    assert _pipe(monkeypatch, dsn(d, to="x@y.example", envid="")) == 0
    inbound = InboundMessage.objects.get()
    assert (inbound.source, inbound.envelope_to, inbound.state) == ("pipe", verp(d.token), InboundState.PROCESSED)
    assert inbound.verdicts.get().matched_by == "verp"


def test_pipe_recipient_option_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    d = sent_dispatch()
    monkeypatch.setenv("RECIPIENT", "other@x.example")
    assert _pipe(monkeypatch, dsn(d), "--recipient", verp(d.token)) == 0
    assert InboundMessage.objects.get().envelope_to == verp(d.token)


def test_pipe_exits_65_on_empty_input(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _pipe(monkeypatch, b"  \n") == 65
    assert not InboundMessage.objects.exists()


def test_pipe_exits_75_when_the_database_refuses_the_write(monkeypatch: pytest.MonkeyPatch) -> None:
    def down(**kwargs: Any) -> Any:
        raise OperationalError("database is locked")

    monkeypatch.setattr(InboundMessage.objects, "create", down)
    assert _pipe(monkeypatch, b"Subject: x\r\n\r\nbody\r\n") == 75


def test_store_raises_a_temporary_error_rather_than_losing_the_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(InboundMessage.objects, "create", lambda **kw: (_ for _ in ()).throw(OperationalError("x")))
    with pytest.raises(TemporaryStoreError):
        inbound_store(raw=b"Subject: x\r\n\r\nbody", source="pipe")


def test_pipe_process_exits_75_when_the_database_cannot_be_opened(tmp_path: Path) -> None:
    # A real `facturier ingest-mail` process against a database file it cannot open: what an MTA
    # sees when the database is down. 75 makes Postfix keep the message and retry.
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/missing-dir/db.sqlite3",
        "FACTURIER_VAR_DIR": str(tmp_path),
    }
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("facturier")), "ingest-mail"],
        input=b"Subject: x\r\n\r\nbody\r\n",
        capture_output=True,
        env=env,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 75, proc.stderr.decode()


def test_a_return_for_a_dispatch_still_being_sent_waits_for_the_worker_then_retries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A local relay can bounce before the worker has recorded the 250.
    monkeypatch.setattr(returns_services, "BUSY_TRIES", 2)
    monkeypatch.setattr(returns_services, "BUSY_WAIT_SECONDS", 0.01)
    d = sent_dispatch(state=State.SENDING, accepted_at=None)
    inbound = ingest(raw=dsn(d), source="lmtp")
    assert inbound.state == InboundState.FAILED and "still being sent" in inbound.error
    assert not ReturnVerdict.objects.exists()
    type(d).objects.filter(pk=d.pk).update(state=State.ACCEPTED, accepted_at=timezone.now())
    assert retry_failed(now=timezone.now() + dt.timedelta(minutes=5)) == 1
    d.refresh_from_db()
    assert d.state == State.BOUNCED_HARD
