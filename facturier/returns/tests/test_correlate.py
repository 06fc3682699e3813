"""Correlation: each rule, in order; what nothing ties goes to the worklist."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from facturier.returns import services as returns_services
from facturier.returns.classify import Kind, Verdict
from facturier.returns.ingest import ingest
from facturier.returns.models import InboundState
from facturier.returns.tests.helpers import dsn, personal, sent_dispatch, verp
from facturier.worklist.models import WorkItem, WorkItemKind

pytestmark = pytest.mark.django_db


def _matched_by(raw: bytes, **kw: str) -> tuple[int | None, str]:
    inbound = ingest(raw=raw, source="upload", **kw)
    verdict = inbound.verdicts.get()
    return verdict.dispatch_id, verdict.matched_by


def test_verp_token_in_the_envelope_recipient_wins_over_everything_else() -> None:
    mine = sent_dispatch(recipient="nobody@customer.example")
    other = sent_dispatch(recipient="nobody@customer.example")
    # The DSN names the other dispatch's ENVID and Message-ID; the envelope names mine.
    raw = dsn(other, to="someone@elsewhere.example")
    assert _matched_by(raw, envelope_to=verp(mine.token)) == (mine.pk, "verp")


def test_verp_token_found_in_the_to_header_when_no_envelope_is_known() -> None:
    d = sent_dispatch()
    raw = dsn(d, envid="")
    assert _matched_by(raw) == (d.pk, "verp")


def test_verp_token_is_matched_case_insensitively_as_some_mtas_lower_or_upper_case_it() -> None:
    d = sent_dispatch()
    raw = dsn(d, envid="", to=verp(d.token).upper())
    assert _matched_by(raw) == (d.pk, "verp")


def test_a_plus_address_at_another_domain_is_not_a_verp_match() -> None:
    d = sent_dispatch()
    raw = dsn(d, envid="", to=f"bounces+{d.token}@attacker.example")
    # Falls through to the Message-ID quoted in the returned headers.
    assert _matched_by(raw) == (d.pk, "message_id")


def test_dsn_envelope_id_is_the_second_rule() -> None:
    d = sent_dispatch()
    raw = dsn(d, to="postmaster@invoices.example.com")
    assert _matched_by(raw) == (d.pk, "envid")


def test_original_message_id_in_the_returned_headers_is_the_third_rule() -> None:
    d = sent_dispatch()
    raw = dsn(d, to="postmaster@invoices.example.com", envid="")
    assert _matched_by(raw) == (d.pk, "message_id")


def test_a_reply_is_tied_by_the_message_id_it_answers() -> None:
    # The classifier reports the answered Message-ID (In-Reply-To) as the original message's id.
    d = sent_dispatch(recipient="alice@customer.example")
    raw = personal(sender="someone-else@customer.example", in_reply_to=d.message_id or "")
    assert _matched_by(raw) == (d.pk, "message_id")


def _verdict_match(monkeypatch: pytest.MonkeyPatch, verdict: Verdict) -> tuple[int | None, str]:
    monkeypatch.setattr(returns_services, "classify", lambda raw, **kw: verdict)
    return _matched_by(personal(sender="x@customer.example", body=repr(verdict)))


def test_in_reply_to_is_the_fourth_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    d = sent_dispatch(recipient="alice@customer.example")
    verdict = Verdict(kind=Kind.REPLY, in_reply_to=d.message_id or "", from_addr="bob@customer.example")
    assert _verdict_match(monkeypatch, verdict) == (d.pk, "in_reply_to")


def test_references_are_read_newest_first_when_in_reply_to_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    older = sent_dispatch(recipient="alice@customer.example")
    newer = sent_dispatch(recipient="alice@customer.example")
    verdict = Verdict(kind=Kind.REPLY, references=(older.message_id or "", newer.message_id or ""))
    assert _verdict_match(monkeypatch, verdict) == (newer.pk, "in_reply_to")


def test_recipient_within_the_window_is_the_last_rule_and_takes_the_latest_dispatch() -> None:
    now = timezone.now()
    sent_dispatch(recipient="carol@customer.example", accepted_at=now - dt.timedelta(days=3))
    latest = sent_dispatch(recipient="carol@customer.example", accepted_at=now - dt.timedelta(days=1))
    raw = personal(sender="Carol <Carol@customer.example>", subject="Question")
    assert _matched_by(raw) == (latest.pk, "rcpt_window")


def test_recipient_outside_the_window_is_not_matched_and_goes_on_the_worklist(settings: object) -> None:
    settings.FACTURIER_CORRELATION_WINDOW_DAYS = 30  # type: ignore[attr-defined]
    sent_dispatch(recipient="dave@customer.example", accepted_at=timezone.now() - dt.timedelta(days=31))
    inbound = ingest(raw=personal(sender="dave@customer.example", subject="Hello"), source="upload")
    assert inbound.state == InboundState.UNMATCHED
    assert inbound.verdicts.get().dispatch_id is None
    item = WorkItem.objects.get(kind=WorkItemKind.UNMATCHED_RETURN)
    assert item.inbound_id == inbound.pk
    assert "Hello" in item.title


def test_a_dsn_about_an_unknown_message_is_unmatched() -> None:
    d = sent_dispatch()
    raw = dsn(d, to="postmaster@invoices.example.com", envid="zzz", rcpt="stranger@nowhere.example")
    d.delete()
    inbound = ingest(raw=raw, source="upload")
    assert inbound.state == InboundState.UNMATCHED
    assert WorkItem.objects.filter(kind=WorkItemKind.UNMATCHED_RETURN, inbound=inbound).exists()
