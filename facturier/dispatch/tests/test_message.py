from __future__ import annotations

import email
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest

from facturier.dispatch.message import attachment_filename, build_message, header_safe, verp_address
from facturier.dispatch.models import Dispatch
from facturier.dispatch.services import dispatch_create
from facturier.testing.factories import make_customer, make_invoice, make_pdf

pytestmark = pytest.mark.django_db


def _dispatch(**customer: Any) -> Dispatch:
    from django.utils import timezone

    invoice = make_invoice(customer=make_customer(**customer), pdf=make_pdf(2, text="facture"))
    return dispatch_create(invoice=invoice, recipient="compta@client.example", send_at=timezone.now())


def _parse(data: bytes) -> EmailMessage:
    msg = email.message_from_bytes(data, policy=default_policy)
    assert isinstance(msg, EmailMessage)
    return msg


def test_message_has_our_headers_and_the_verp_envelope(settings: Any) -> None:
    settings.FACTURIER_FROM = "Facturation <factures@invoices.example.com>"
    settings.FACTURIER_REPLY_TO = "Compta <compta@invoices.example.com>"
    settings.FACTURIER_RETURN_PATH = "bounces@invoices.example.com"
    settings.FACTURIER_MESSAGE_ID_DOMAIN = "invoices.example.com"
    dispatch = _dispatch(name="Dupont SARL")
    out = build_message(dispatch)
    msg = _parse(out.data)
    assert out.envelope_from == f"bounces+{dispatch.token}@invoices.example.com"
    assert out.message_id == f"<{dispatch.token}@invoices.example.com>" == msg["Message-ID"]
    assert msg["From"] == "Facturation <factures@invoices.example.com>"
    assert msg["Reply-To"] == "Compta <compta@invoices.example.com>"
    assert msg["To"] == "Dupont SARL <compta@client.example>"
    assert msg["X-Facturier-Dispatch"] == dispatch.token
    assert msg["Date"] is not None
    assert dispatch.invoice.number in msg["Subject"]


def test_no_reply_to_when_unset(settings: Any) -> None:
    settings.FACTURIER_REPLY_TO = ""
    assert "Reply-To" not in _parse(build_message(_dispatch()).data)


def test_the_pdf_is_attached_unchanged() -> None:
    dispatch = _dispatch()
    out = build_message(dispatch)
    [attachment] = list(_parse(out.data).iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"{dispatch.invoice.number}.pdf"
    with dispatch.invoice.pdf.open("rb") as f:
        assert attachment.get_content() == f.read()


def test_wire_format_is_crlf_and_ascii() -> None:
    data = build_message(_dispatch(name="Société Générale Ünïcode")).data
    assert b"\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")
    data.decode("ascii")  # 7-bit: any relay takes it, no SMTPUTF8 needed


def test_non_ascii_customer_and_file_names_are_encoded() -> None:
    customer = make_customer(name="Société Générale")
    invoice = make_invoice(customer=customer, number="FAC-été-2026")
    from django.utils import timezone

    dispatch = dispatch_create(invoice=invoice, recipient="a@b.example", send_at=timezone.now())
    out = build_message(dispatch)
    assert "filename*=utf-8''FAC-%C3%A9t%C3%A9-2026.pdf" in out.data.decode("ascii")  # RFC 2231
    msg = _parse(out.data)
    assert msg["To"].addresses[0].display_name == "Société Générale"
    assert next(msg.iter_attachments()).get_filename() == "FAC-été-2026.pdf"


@pytest.mark.parametrize(
    "evil", ["Evil\r\nBcc: victim@example.com", "Evil\nBcc: victim@example.com", "Evil\rBcc: x@y.z"]
)
def test_crlf_in_customer_name_cannot_inject_a_header(evil: str) -> None:
    msg = _parse(build_message(_dispatch(name=evil)).data)
    assert msg["Bcc"] is None
    assert "\n" not in str(msg["To"]) and "\r" not in str(msg["To"])
    assert "Bcc: victim" in str(msg["To"]) or "Bcc: x@y.z" in str(msg["To"])  # kept, folded into the name


def test_crlf_in_invoice_number_cannot_inject_a_header() -> None:
    invoice = make_invoice(number="F-1\r\nBcc: victim@example.com")
    from django.utils import timezone

    dispatch = dispatch_create(invoice=invoice, recipient="a@b.example", send_at=timezone.now())
    msg = _parse(build_message(dispatch).data)
    assert msg["Bcc"] is None
    assert "\n" not in msg["Subject"]
    assert "\n" not in next(msg.iter_attachments()).get_filename()


@pytest.mark.parametrize(
    ("language", "word"), [("fr", "Facture"), ("en", "Invoice"), ("de", "Rechnung"), ("it", "Facture")]
)
def test_subject_and_body_follow_the_customer_language(language: str, word: str) -> None:
    msg = _parse(build_message(_dispatch(language=language)).data)
    assert msg["Subject"].startswith(word)
    body = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert body is not None and html is not None
    assert word.lower() in body.get_content().lower()
    assert word.lower() in html.get_content().lower()


def test_html_body_escapes_the_customer_name() -> None:
    html = _parse(build_message(_dispatch(name="<script>x</script>")).data).get_body(("html",))
    assert html is not None
    assert "<script>" not in html.get_content()


def test_header_safe_folds_control_characters() -> None:
    assert header_safe("a\r\nb\x00c\u2028d ") == "a b c d"


def test_attachment_filename_drops_path_separators() -> None:
    assert attachment_filename("../../etc/passwd") == ".._.._etc_passwd.pdf"


def test_verp_address_uses_the_return_path(settings: Any) -> None:
    settings.FACTURIER_RETURN_PATH = "retours@mail.example.org"
    assert verp_address("abc123") == "retours+abc123@mail.example.org"


def test_a_list_of_addresses_is_not_a_recipient() -> None:
    from django.utils import timezone

    dispatch = dispatch_create(invoice=make_invoice(), recipient="a@b.example, c@d.example", send_at=timezone.now())
    with pytest.raises(ValueError, match="not one e-mail address"):
        build_message(dispatch)


@pytest.mark.parametrize(
    ("name", "value"),
    [("FACTURIER_FROM", "Facturation"), ("FACTURIER_RETURN_PATH", "bounces"), ("FACTURIER_REPLY_TO", "a@b, c@d")],
)
def test_unusable_sender_settings_are_reported(settings: Any, name: str, value: str) -> None:
    from facturier.dispatch.message import check_sender_settings

    setattr(settings, name, value)
    with pytest.raises(ValueError):
        check_sender_settings()


@pytest.mark.parametrize(
    ("name", "number"),
    [
        ("Dupont SARL", "F-2026-0001"),
        ("Société Générale Ünïcode", "FAC-été-2026"),
        ('Quote "and" \\ backslash, comma: colon@', "F/1"),
        ("Ω" * 80, "N" * 60),
        ("A very long but plain ASCII customer name " * 4, "F-2"),
    ],
)
def test_direct_writer_and_email_package_write_the_same_message(name: str, number: str, settings: Any) -> None:
    from django.utils import timezone

    from facturier.dispatch import message

    settings.FACTURIER_REPLY_TO = "Comptabilité <compta@invoices.example.com>"
    invoice = make_invoice(customer=make_customer(name=name), number=number, pdf=make_pdf(2, text="facture"))
    dispatch = dispatch_create(invoice=invoice, recipient="a@b.example", send_at=timezone.now())
    direct = build_message(dispatch)
    assert b"=_fx_" in direct.data  # the direct writer did it, not the fallback
    assert max(len(line) for line in direct.data.split(b"\r\n")) <= 998
    direct.data.decode("ascii")

    def parsed(data: bytes) -> tuple[object, ...]:
        msg = _parse(data)
        plain, html = msg.get_body(("plain",)), msg.get_body(("html",))
        [pdf] = list(msg.iter_attachments())
        assert plain is not None and html is not None and not msg.defects
        return (
            # Whitespace compared loosely: the email package's folding can double a space.
            *(" ".join(str(msg[h]).split()) for h in ("Subject", "From", "To", "Reply-To", "Message-ID")),
            msg["X-Facturier-Dispatch"],
            msg.get_content_type(),
            [part.get_content_type() for part in msg.walk()],
            plain.get_content(),
            html.get_content(),
            pdf.get_filename(),
            pdf.get_content(),
        )

    with dispatch.invoice.pdf.open("rb") as f:
        pdf = f.read()
    parts = message._Parts(
        subject=direct.subject,
        sender=message._address(settings.FACTURIER_FROM),
        to=message._address(dispatch.recipient, display_name=name),
        reply_to=message._address(settings.FACTURIER_REPLY_TO),
        message_id=direct.message_id,
        token=dispatch.token,
        text=_parse(direct.data).get_body(("plain",)).get_content(),  # type: ignore[union-attr]
        html=_parse(direct.data).get_body(("html",)).get_content(),  # type: ignore[union-attr]
        filename=message.attachment_filename(number),
    )
    assert parsed(direct.data) == parsed(message._write_with_email_package(parts, pdf))


def test_a_non_ascii_address_goes_through_the_email_package() -> None:
    from django.utils import timezone

    dispatch = dispatch_create(invoice=make_invoice(), recipient="josé@exemple.fr", send_at=timezone.now())
    try:
        out = build_message(dispatch)
    except Exception:  # the email package's own verdict on such an address (as before)
        return
    assert b"=_fx_" not in out.data
