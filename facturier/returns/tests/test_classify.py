"""The classifier on hand-written samples, one or more per supported format (tests/samples/)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from facturier.returns.classify import HARD_REASONS, Kind, Reason, Verdict, classify
from facturier.returns.classify.autoreply import return_date

SAMPLES = Path(__file__).parent / "samples"


def verdict(name: str, **kwargs: object) -> Verdict:
    return classify((SAMPLES / name).read_bytes(), **kwargs)  # type: ignore[arg-type]


# (sample, kind, reason, status, rcpt, our Message-ID)
BOUNCES = [
    (
        "dsn-postfix-user-unknown.eml",
        Kind.HARD_BOUNCE,
        Reason.USER_UNKNOWN,
        "5.1.1",
        "compta@client-dupont.example",
        "<inv.FA-2026-0311.d1042@facturier.example>",
    ),
    (
        "dsn-exchange-mailbox-full.eml",
        Kind.SOFT_BOUNCE,
        Reason.MAILBOX_FULL,
        "5.2.2",
        "sophie.martin@client-martin.example",
        "<inv.FA-2026-0412.d2001@facturier.example>",
    ),
    (
        "qmail.eml",
        Kind.HARD_BOUNCE,
        Reason.USER_UNKNOWN,
        "5.1.1",
        "gerant@boulangerie-exemple.example",
        "<inv.FA-2026-0801.d6006@facturier.example>",
    ),
    (
        "exim.eml",
        Kind.HARD_BOUNCE,
        Reason.USER_UNKNOWN,
        "5.1.1",
        "contact@atelier-exemple.example",
        "<inv.FA-2026-0902.d7007@facturier.example>",
    ),
    (
        "exchange2003-ndr.eml",
        Kind.HARD_BOUNCE,
        Reason.USER_UNKNOWN,
        "5.1.1",
        "m.lefevre@cabinet-exemple.example",
        "<inv.FA-2026-1003.d8008@facturier.example>",
    ),
    (
        "domino.eml",
        Kind.HARD_BOUNCE,
        Reason.USER_UNKNOWN,
        "",
        "bernard.petit@industrie-exemple.example",
        "<inv.FA-2026-1104.d9009@facturier.example>",
    ),
    (
        "yahoo.eml",
        Kind.HARD_BOUNCE,
        Reason.USER_UNKNOWN,
        "5.1.1",
        "paul.roux@yahoo.example",
        "<inv.FA-2026-1205.d1010@facturier.example>",
    ),
    (
        "gmail.eml",
        Kind.HARD_BOUNCE,
        Reason.USER_UNKNOWN,
        "5.1.1",
        "lucie.blanc@gmail.example",
        "<inv.FA-2026-1306.d1111@facturier.example>",
    ),
    (
        "postfix-no-dsn.eml",
        Kind.SOFT_BOUNCE,
        Reason.MAILBOX_FULL,
        "5.2.2",
        "tresorerie@pme-exemple.example",
        "<inv.FA-2026-1407.d1212@facturier.example>",
    ),
    (
        "courier.eml",
        Kind.SOFT_BOUNCE,
        Reason.MAILBOX_FULL,
        "5.2.2",
        "boite.pleine@client-courier.example",
        "<inv.FA-2026-1912.d1717@facturier.example>",
    ),
    (
        "amazonses-bounce.eml",
        Kind.HARD_BOUNCE,
        Reason.USER_UNKNOWN,
        "5.1.1",
        "ancien.contact@client-ses.example",
        "<inv.FA-2026-1710.d1515@facturier.example>",
    ),
    (
        "sendmail-plain.eml",
        Kind.HARD_BOUNCE,
        Reason.HOST_UNKNOWN,
        "5.1.2",
        "service.client@nexistepas.example",
        "<inv.FA-2026-1508.d1313@facturier.example>",
    ),
]


@pytest.mark.parametrize(("sample", "kind", "reason", "status", "rcpt", "message_id"), BOUNCES)
def test_bounce_formats_give_kind_reason_status_recipient_and_our_message_id(
    sample: str, kind: Kind, reason: Reason, status: str, rcpt: str, message_id: str
) -> None:
    v = verdict(sample)
    assert (v.kind, v.reason, v.status, v.rcpt, v.message_id) == (kind, reason, status, rcpt, message_id)
    assert v.recipients and v.recipients[0].rcpt == rcpt
    assert v.diagnostic  # the remote server's words are kept as evidence


def test_dsn_keeps_envelope_id_action_and_remote_mta() -> None:
    v = verdict("dsn-postfix-user-unknown.eml")
    assert v.envelope_id == "d1042-7f3a"
    assert v.format == "dsn"
    first = v.recipients[0]
    assert first.action == "failed"
    assert first.remote_mta == "dns; mx1.client-dupont.example"
    assert "User unknown in virtual mailbox table" in first.diagnostic


def test_delayed_dsn_is_delayed_not_a_bounce() -> None:
    v = verdict("dsn-delayed.eml")
    assert (v.kind, v.reason, v.status, v.rcpt) == (Kind.DELAYED, Reason.DELAYED, "4.4.1", "achats@lenteur.example")
    assert v.envelope_id == "d3003-0c0c"
    assert v.message_id == "<inv.FA-2026-0500.d3003@facturier.example>"


def test_plain_text_delay_warning_is_delayed() -> None:
    v = verdict("exim-delay-warning.eml")
    assert (v.kind, v.status, v.rcpt) == (Kind.DELAYED, "4.7.1", "reception@cabinet-lent.example")
    assert "Greylisting" in v.diagnostic


def test_relayed_success_dsn_is_delivered() -> None:
    v = verdict("dsn-delivered.eml")
    assert (v.kind, v.status, v.rcpt) == (Kind.DELIVERED, "2.0.0", "facturation@bonclient.example")
    assert v.recipients[0].action == "relayed"


def test_multi_recipient_dsn_reports_every_recipient_with_its_own_kind() -> None:
    v = verdict("dsn-multi-mixed.eml")
    got = [(r.rcpt, r.kind, r.reason, r.status) for r in v.recipients]
    assert got == [
        ("j.durand@groupe-durand.example", Kind.HARD_BOUNCE, Reason.USER_UNKNOWN, "5.1.1"),
        ("compta@groupe-durand.example", Kind.SOFT_BOUNCE, Reason.MAILBOX_FULL, "5.2.2"),
        ("direction@groupe-durand.example", Kind.DELIVERED, Reason.DELIVERED, "2.1.5"),
    ]
    assert v.kind == Kind.HARD_BOUNCE  # the message's kind is its first recipient's


@pytest.mark.parametrize(
    ("sample", "back"),
    [
        ("autoreply-fr.eml", date(2027, 1, 5)),  # "de retour le 5 janvier", written 14 Dec 2026
        ("autoreply-en.eml", date(2026, 3, 23)),  # "back on Monday 23 March"
        ("autoreply-de.eml", date(2026, 8, 24)),  # "ab dem 24.08.2026 wieder erreichbar"
        ("autoreply-es.eml", date(2026, 8, 17)),  # "hasta el 17 de agosto"
        ("autoreply-it.eml", date(2026, 5, 4)),  # "rientro previsto il 4 maggio 2026"
        ("autoreply-nl.eml", date(2026, 8, 3)),  # "weer aanwezig op maandag 3 augustus"
        ("autoreply-gmail-vacation.eml", date(2026, 8, 16)),  # "jusqu'au 15/08 inclus"
    ],
)
def test_auto_replies_in_six_languages_give_the_return_date(sample: str, back: date) -> None:
    v = verdict(sample)
    assert (v.kind, v.reason, v.challenge) == (Kind.AUTO_REPLY, Reason.VACATION, False)
    assert v.return_date == back
    assert v.rcpt == v.from_addr
    assert v.text


def test_auto_reply_keeps_the_id_of_the_invoice_it_answers() -> None:
    assert verdict("autoreply-fr.eml").message_id == "<inv.FA-2026-2001.d2001@facturier.example>"


@pytest.mark.parametrize(
    ("text", "back"),
    [
        ("Je reviens le 5 janvier.", date(2027, 1, 5)),
        ("je serai de retour lundi 4 janvier 2027", date(2027, 1, 4)),
        ("I will return on January 5", date(2027, 1, 5)),
        ("I'll be back January 5th", date(2027, 1, 5)),
        ("Ich bin ab dem 5. Januar wieder im Büro", date(2027, 1, 5)),
        ("zurück am 18.12.", date(2026, 12, 18)),
        ("estaré fuera hasta el 3 de enero", date(2027, 1, 3)),
        ("sono assente fino al 7 gennaio", date(2027, 1, 7)),
        ("ik ben afwezig tot en met 4 januari", date(2027, 1, 5)),  # inclusive: back the day after
        ("back on 2027-01-04", date(2027, 1, 4)),
        ("Out of office from 3 to 14 May", None),  # no wording that names the return day
    ],
)
def test_return_date_wordings(text: str, back: date | None) -> None:
    assert return_date(text, date(2026, 12, 14)) == back


def test_received_date_resolves_the_year_of_a_return_date() -> None:
    raw = (SAMPLES / "autoreply-fr.eml").read_bytes()
    assert classify(raw, received=date(2026, 12, 30)).return_date == date(2027, 1, 5)
    assert classify(raw, received=date(2026, 1, 2)).return_date == date(2026, 1, 5)


def test_auto_reply_recognised_by_subject_alone() -> None:
    raw = b"From: a@client.example\nTo: factures@facturier.example\nSubject: Out of Office: Invoice 12\n\nAway.\n"
    v = classify(raw)
    assert v.kind == Kind.AUTO_REPLY and v.return_date is None


def test_auto_reply_from_null_sender_with_a_failure_word_in_our_subject_is_not_a_bounce() -> None:
    raw = (
        b"Return-Path: <>\nFrom: Anne <anne@client.example>\nTo: factures@facturier.example\n"
        b"Subject: Automatic reply: Returned goods credit note\nAuto-Submitted: auto-replied\n"
        b"Date: Mon, 20 Apr 2026 08:00:00 +0200\n\nI am out of the office until 3 May. Error in my calendar.\n"
    )
    v = classify(raw)
    assert (v.kind, v.return_date) == (Kind.AUTO_REPLY, date(2026, 5, 3))


def test_person_writing_about_an_error_or_an_absence_is_a_reply() -> None:
    for subject in (b"Re: absence de paiement", b"Re: error on invoice 12", b"Re: returned goods"):
        raw = (
            b"From: p@client.example\nTo: factures@facturier.example\nSubject: " + subject + b"\n"
            b"In-Reply-To: <inv.1@facturier.example>\n\nThe delivery failed, there is an error on line 3.\n"
        )
        assert classify(raw).kind == Kind.REPLY, subject


def test_newsletter_without_reply_headers_is_unknown_not_a_reply() -> None:
    raw = b"From: news@shop.example\nTo: f@facturier.example\nSubject: Deals\nList-Id: <d.shop.example>\n\nBuy\n"
    assert classify(raw).kind == Kind.UNKNOWN


def test_challenge_response_is_an_auto_reply_that_asks_for_proof() -> None:
    v = verdict("challenge-response.eml")
    assert (v.kind, v.reason, v.challenge) == (Kind.AUTO_REPLY, Reason.CHALLENGE, True)


def test_arf_complaint_names_the_complaining_recipient() -> None:
    v = verdict("arf-abuse.eml")
    assert (v.kind, v.reason, v.feedback_type) == (Kind.COMPLAINT, Reason.FEEDBACK, "abuse")
    assert v.rcpt == "jean.plaignant@fai-exemple.example"
    assert v.message_id == "<inv.FA-2026-3001.d3001@facturier.example>"


def test_microsoft_jmrp_complaint_without_arf_report() -> None:
    v = verdict("jmrp-complaint.eml")
    assert (v.kind, v.rcpt, v.format) == (Kind.COMPLAINT, "camille.durand@outlook.example", "complaint")
    assert v.message_id == "<inv.FA-2026-1811.d1616@facturier.example>"


def test_rfc8098_read_receipt() -> None:
    v = verdict("mdn-displayed.eml")
    assert (v.kind, v.disposition, v.rcpt) == (Kind.READ_RECEIPT, "displayed", "anne.leroy@client-lecteur.example")
    assert v.message_id == "<inv.FA-2026-4001.d4001@facturier.example>"


def test_outlook_read_receipt_without_mdn_part() -> None:
    v = verdict("outlook-read.eml")
    assert (v.kind, v.format, v.rcpt) == (Kind.READ_RECEIPT, "read-subject", "p.noel@client-outlook.example")


def test_human_reply_to_our_invoice() -> None:
    v = verdict("human-reply.eml")
    assert (v.kind, v.reason) == (Kind.REPLY, Reason.REPLY)
    assert v.in_reply_to == "<inv.FA-2026-5001.d5001@facturier.example>"
    assert v.message_id == v.in_reply_to
    assert "facture rectificative" in v.text
    assert v.from_addr == "n.fabre@client-humain.example"


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.eml")))
def test_crlf_and_cr_only_line_ends_classify_like_lf(sample: str) -> None:
    raw = (SAMPLES / sample).read_bytes()
    lf = classify(raw)
    assert classify(raw.replace(b"\n", b"\r\n")) == lf
    assert classify(raw.replace(b"\n", b"\r")) == lf


@pytest.mark.parametrize(
    "raw",
    [b"", b"   \n\n", b"\x00\xff\xfe garbage \x80", b"no headers at all\n", b"\n\nbody only", bytes(range(256)) * 20],
)
def test_empty_or_garbage_input_is_unknown_without_exception(raw: bytes) -> None:
    assert classify(raw).kind == Kind.UNKNOWN


def test_absurd_notices_are_bounded() -> None:
    # A plain-text notice names a few recipients; a DSN lists every recipient of the message,
    # so its bound is far above any real message (the ingestion keeps one verdict per recipient).
    from facturier.returns.classify.dsn import RECIPIENT_LIMIT as DSN_LIMIT
    from facturier.returns.classify.vendors.generic import RECIPIENT_LIMIT as TEXT_LIMIT

    head = b"From: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail Returned to Sender\n"
    text = head + b"\n" + b"".join(b"<a%d@b.example>: 550 5.1.1 user unknown\n" % i for i in range(5000))
    assert len(classify(text).recipients) == TEXT_LIMIT
    fields = b"Final-Recipient: rfc822; a%d@b.example\nAction: failed\nStatus: 5.1.1\n\n"
    report = b"".join(fields % i for i in range(DSN_LIMIT + 50))
    dsn = head + b"Content-Type: multipart/report; boundary=b\n\n--b\nContent-Type: message/delivery-status\n\n"
    assert len(classify(dsn + report + b"--b--\n").recipients) == DSN_LIMIT


def test_non_bytes_input_is_unknown() -> None:
    assert classify("not bytes").kind == Kind.UNKNOWN  # type: ignore[arg-type]


def test_verdict_as_dict_is_json_ready() -> None:
    import json

    data = verdict("dsn-multi-mixed.eml").as_dict()
    decoded = json.loads(json.dumps(data))
    assert decoded["kind"] == "hard_bounce"
    assert decoded["recipients"][1]["reason"] == "mailbox_full"
    assert json.loads(json.dumps(verdict("autoreply-it.eml").as_dict()))["return_date"] == "2026-05-04"


def test_hard_reasons_are_exactly_the_invalid_address_ones() -> None:
    assert {Reason.USER_UNKNOWN, Reason.HOST_UNKNOWN, Reason.HAS_MOVED, Reason.NOT_ACCEPTED} == HARD_REASONS
