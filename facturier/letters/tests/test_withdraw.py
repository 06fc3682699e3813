"""A letter still waiting for its print batch is withdrawn when the corrected address gets the
invoice by e-mail again; one already handed to the printer stays."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from facturier.crm.address_correction import customer_email_correct
from facturier.crm.models import CustomerActivity
from facturier.dispatch.models import Channel, DeliveryEvent, Dispatch
from facturier.dispatch.states import State
from facturier.letters.batches import batch_close
from facturier.letters.models import Letter, PrintBatch
from facturier.letters.next_step import address_invalid
from facturier.letters.tests.helpers import bounced_dispatch, invoice_pdf
from facturier.testing.factories import make_invoice

pytestmark = pytest.mark.django_db

OLD, NEW = "compta@dupont.example", "factures@dupont.example"


def _bounce_with_letter(customer: Any, number: str) -> Letter:
    invoice = make_invoice(customer=customer, number=number, pdf=invoice_pdf(number, pages=1))
    address_invalid(dispatch_id=bounced_dispatch(invoice).pk, evidence={"status": "5.1.1"})
    return Letter.objects.get(invoice=invoice)


def test_a_queued_letter_is_withdrawn_when_the_invoice_goes_out_by_e_mail_again(
    dupont: Any, django_capture_on_commit_callbacks: Any
) -> None:
    letter = _bounce_with_letter(dupont, "F-W-1")
    storage, pdf_name, postal = letter.pdf.storage, letter.pdf.name, letter.dispatch
    assert storage.exists(pdf_name) and postal.state == State.SCHEDULED
    with django_capture_on_commit_callbacks(execute=True):
        result = customer_email_correct(customer=dupont, old_address=OLD, new_address=NEW, actor="user:otto")
    assert [d.recipient for d in result.resent] == [NEW] and len(result.withdrawn_letters) == 1
    assert not Letter.objects.exists() and not storage.exists(pdf_name)
    postal.refresh_from_db()
    assert (postal.channel, postal.state) == (Channel.POST, State.CANCELLED)
    event = DeliveryEvent.objects.get(dispatch=postal, kind="letter_withdrawn")
    assert NEW in event.summary and event.evidence["letter"] == letter.pk
    activity = CustomerActivity.objects.get(kind="letter_withdrawn")
    assert activity.invoice_id == letter.invoice_id and "F-W-1" in activity.summary
    # The batch, now empty, is closed as done at the cut-off: nothing goes to the printer.
    batch = batch_close(batch_id=letter.batch_id, now=timezone.now())
    assert batch is not None and batch.state == "posted" and not batch.output


def test_a_letter_already_handed_to_the_printer_stays(dupont: Any) -> None:
    letter = _bounce_with_letter(dupont, "F-W-2")
    handed = batch_close(batch_id=letter.batch_id, now=timezone.now())
    assert handed is not None and handed.state == "handed_over"
    result = customer_email_correct(customer=dupont, old_address=OLD, new_address=NEW, actor="user:otto")
    assert len(result.resent) == 1 and result.withdrawn_letters == []
    letter.refresh_from_db()
    assert letter.state == "handed_over" and letter.dispatch.state == State.ACCEPTED
    assert not CustomerActivity.objects.filter(kind="letter_withdrawn").exists()


def test_no_withdrawal_when_the_policy_does_not_resend(dupont: Any, settings: Any) -> None:
    settings.FACTURIER_RESEND_ON_CORRECTION = False
    letter = _bounce_with_letter(dupont, "F-W-3")
    result = customer_email_correct(customer=dupont, old_address=OLD, new_address=NEW, actor="user:otto")
    assert result.resent == [] and result.withdrawn_letters == []
    assert Letter.objects.get().pk == letter.pk and PrintBatch.objects.get().state == "open"
    assert Dispatch.objects.get(pk=letter.dispatch_id).state == State.SCHEDULED
