"""Status code + diagnostic text -> reason, and reason -> hard or soft (classify.reasons)."""

from __future__ import annotations

import pytest

from facturier.returns.classify import Kind, Reason
from facturier.returns.classify.reasons import failure_kind, reason_for, smtp_command


@pytest.mark.parametrize(
    ("status", "diagnostic", "reason"),
    [
        ("5.1.1", "550 5.1.1 <a@b.example>: Recipient address rejected: User unknown", Reason.USER_UNKNOWN),
        ("5.0.0", "550 5.1.1 Sorry, no mailbox here by that name. (#5.1.1)", Reason.USER_UNKNOWN),
        ("5.1.2", "Host or domain name not found", Reason.HOST_UNKNOWN),
        ("5.1.6", "551 User has moved; please try <new@b.example>", Reason.HAS_MOVED),
        ("5.1.10", "556 Recipient domain has null MX", Reason.NOT_ACCEPTED),
        ("5.2.2", "552 Mailbox full", Reason.MAILBOX_FULL),
        ("5.1.1", "552 5.1.1 Requested mail action aborted: mailbox full", Reason.MAILBOX_FULL),
        ("5.3.4", "552 Message size exceeds fixed maximum message size", Reason.MESSAGE_TOO_LARGE),
        ("5.7.1", "554 5.7.1 Message rejected as spam by Content Filtering", Reason.REJECTED_AS_SPAM),
        (
            "5.7.1",
            "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
            Reason.BLOCKED,
        ),
        ("5.7.26", "550 5.7.26 Unauthenticated email is not accepted", Reason.AUTH_FAILURE),
        ("5.2.1", "550 5.2.1 The email account that you tried to reach is disabled", Reason.SUSPENDED),
        ("4.4.7", "Message expired: retry timeout exceeded", Reason.EXPIRED),
        ("4.4.1", "connect to mx.b.example[192.0.2.7]:25: Connection timed out", Reason.NETWORK),
        ("5.1.8", "501 5.1.8 Sender address rejected: Domain not found", Reason.SENDER_REJECTED),
        ("5.7.1", "554 5.7.1 <a@b.example>: Relay access denied", Reason.RELAY_DENIED),
        ("5.0.0", "", Reason.UNDEFINED),
    ],
)
def test_reason_from_status_and_diagnostic(status: str, diagnostic: str, reason: Reason) -> None:
    assert reason_for(status, diagnostic) == reason


def test_user_unknown_refused_after_data_is_a_filter_not_a_dead_address() -> None:
    diag = "550 Unknown user kijitora@b.example (in reply to end of DATA command)"
    assert reason_for("5.0.0", diag) == Reason.FILTERED
    # ... unless the code itself says the address is bad
    assert reason_for("5.1.1", diag) == Reason.USER_UNKNOWN


def test_au_style_user_unknown_without_address_is_the_recipients_filter() -> None:
    assert reason_for("5.0.0", "550 : User unknown") == Reason.FILTERED
    assert reason_for("5.0.0", "550 <x@au.example>: User unknown") == Reason.USER_UNKNOWN


def test_temporary_dns_failure_is_network_not_host_unknown() -> None:
    assert reason_for("4.4.3", "Host or domain name not found. Name service error: try again") == Reason.NETWORK


def test_refused_at_mail_from_is_about_our_sender() -> None:
    assert reason_for("5.0.0", "SMTP error after MAIL FROM:<us@x.example>: 553 unknown user") == Reason.SENDER_REJECTED


def test_pipelined_rcpt_refusal_is_the_rcpt_stage() -> None:
    transcript = ">>> DATA\n<<< 550 5.5.0 Invalid recipient\n<<< 554 5.5.1 Error: no valid recipients"
    assert smtp_command(transcript) == "rcpt"
    assert smtp_command(">>> RCPT To:<a@b>\n<<< 550 User unknown\n>>> DATA\n<<< 503 Need RCPT") == "rcpt"


@pytest.mark.parametrize(
    ("reason", "status", "kind"),
    [
        (Reason.USER_UNKNOWN, "5.1.1", Kind.HARD_BOUNCE),
        (Reason.HOST_UNKNOWN, "5.1.2", Kind.HARD_BOUNCE),
        (Reason.HAS_MOVED, "5.1.6", Kind.HARD_BOUNCE),
        (Reason.NOT_ACCEPTED, "5.1.10", Kind.HARD_BOUNCE),
        (Reason.NOT_ACCEPTED, "4.0.0", Kind.SOFT_BOUNCE),
        (Reason.MAILBOX_FULL, "5.2.2", Kind.SOFT_BOUNCE),
        (Reason.REJECTED_AS_SPAM, "5.7.1", Kind.SOFT_BOUNCE),
        (Reason.SUSPENDED, "5.2.1", Kind.SOFT_BOUNCE),
        (Reason.EXPIRED, "4.4.7", Kind.SOFT_BOUNCE),
    ],
)
def test_only_invalid_addresses_are_hard(reason: Reason, status: str, kind: Kind) -> None:
    assert failure_kind(reason, status) == kind
