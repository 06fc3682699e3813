"""End to end from the entry point the bounce handlers call: address_invalid(dispatch_id=...)."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from facturier.crm.models import CustomerActivity, EmailStatus
from facturier.dispatch.models import Channel, DeliveryEvent, Dispatch
from facturier.dispatch.states import State
from facturier.letters.batches import cut_off_due
from facturier.letters.envelope import address_field
from facturier.letters.models import BatchState, Letter, LetterState, PrintBatch
from facturier.letters.next_step import address_invalid
from facturier.letters.tests.helpers import bounced_dispatch, dsn_evidence, invoice_pdf, pdf_text, placed_text
from facturier.testing.factories import make_customer, make_invoice
from facturier.webhooks.delivery import deliver_due
from facturier.webhooks.services import webhook_endpoint_create
from facturier.webhooks.signing import signature_valid
from facturier.webhooks.tests.receiver import webhook_receiver
from facturier.worklist.models import WorkItem, WorkItemKind, WorkItemState

pytestmark = pytest.mark.django_db


def test_a_hard_bounce_prints_the_invoice_with_a_cover_letter_and_tells_the_crm(
    dupont: Any, settings: Any, tmp_path: Path
) -> None:
    invoice = make_invoice(customer=dupont, number="F-2026-0042", pdf=invoice_pdf("F-2026-0042", pages=2))
    dispatch = bounced_dispatch(invoice)
    with webhook_receiver() as receiver:
        endpoint = webhook_endpoint_create(name="CRM", url=receiver.url)

        address_invalid(dispatch_id=dispatch.pk, evidence=dsn_evidence("compta@dupont.example"))

        # The letter: cover page with address and number, then both invoice pages.
        letter = Letter.objects.get()
        assert (letter.invoice, letter.source_dispatch, letter.state) == (invoice, dispatch, LetterState.QUEUED)
        pdf = letter.pdf.read()
        pages = pdf_text(pdf)
        assert len(pages) == 3 and letter.pages == 3
        assert "F-2026-0042" in pages[0] and "compta@dupont.example" in pages[0]
        assert "12 rue des Lilas" in pages[0] and "69003 Lyon" in pages[0]
        assert "INVOICE F-2026-0042 PAGE 1 OF 2" in pages[1] and "INVOICE F-2026-0042 PAGE 2 OF 2" in pages[2]

        # The address sits inside the envelope window of the chosen norm (right window, DIN 5008 B height).
        field = address_field("right")
        runs = {run.text: run for run in placed_text(pdf)}
        for line in ("Dupont SARL", "12 rue des Lilas", "69003 Lyon"):
            run = next(r for text, r in runs.items() if line in text)
            assert field.contains(run.x_mm, run.y_mm), f"{line!r} at ({run.x_mm:.1f}, {run.y_mm:.1f}) mm"
            assert run.y_mm >= field.recipient_top_mm, "below the return-address zone"

        # The invoice's timeline: a postal dispatch waiting for the cut-off.
        post = Dispatch.objects.get(channel=Channel.POST)
        assert (post.state, post.recipient) == (State.SCHEDULED, "Dupont SARL")
        batch = PrintBatch.objects.get()
        assert (letter.batch, batch.state, post.due_at) == (batch, BatchState.OPEN, batch.due_at)
        assert timezone.localtime(batch.due_at).strftime("%H:%M") == "16:00"

        # The CRM: the address is invalid, an activity tells it, a work item asks for the correction.
        assert dupont.emails.get().status == EmailStatus.INVALID
        activity = CustomerActivity.objects.get(kind="address_invalid")
        assert activity.invoice == invoice and activity.data["address"] == "compta@dupont.example"
        item = WorkItem.objects.get(kind=WorkItemKind.INVALID_ADDRESS)
        assert (item.state, item.customer, item.dispatch) == (WorkItemState.OPEN, dupont, dispatch)

        # At the cut-off the batch goes to the hot folder, with its manifest.
        assert cut_off_due(now=batch.due_at) == 1
        batch.refresh_from_db()
        post.refresh_from_db()
        assert batch.state == BatchState.HANDED_OVER and post.state == State.ACCEPTED
        hot = Path(settings.FACTURIER_PRINT_HOT_FOLDER)
        printed = hot / Path(batch.pdf.name).name
        assert pdf_text(printed.read_bytes())[1] == pages[1]
        with (hot / Path(batch.manifest.name).name).open() as fh:
            rows = list(csv.DictReader(fh))
        assert rows == [
            {
                "letter": str(letter.pk),
                "customer": dupont.external_ref,
                "invoice": "F-2026-0042",
                "first_page": "1",
                "pages": "3",
                "address": "Dupont SARL / 12 rue des Lilas / 69003 Lyon",
            }
        ]
        assert DeliveryEvent.objects.filter(dispatch=post, kind="letter_handed_over").exists()
        assert CustomerActivity.objects.filter(kind="letter_printed", invoice=invoice).exists()

        # The external CRM receives both steps, signed.
        assert deliver_due(now=batch.due_at) == 2  # the worker's clock at the cut-off
    kinds = []
    for request in receiver.requests:
        timestamp = int(request.headers["X-Facturier-Timestamp"])
        header = request.headers["X-Facturier-Signature"]
        assert signature_valid(
            secret=endpoint.secret, timestamp=timestamp, body=request.body, header=header, now=int(time.time())
        )
        kinds.append(json.loads(request.body)["type"])
    assert sorted(kinds) == ["address_invalid", "letter_printed"]


def test_a_second_call_for_the_same_bounce_adds_nothing(dupont: Any) -> None:
    dispatch = bounced_dispatch(make_invoice(customer=dupont))
    address_invalid(dispatch_id=dispatch.pk, evidence={"status": "5.1.1"})
    address_invalid(dispatch_id=dispatch.pk, evidence={"status": "5.1.1"})
    assert Letter.objects.count() == 1
    assert CustomerActivity.objects.filter(kind="address_invalid").count() == 1
    assert WorkItem.objects.filter(kind=WorkItemKind.INVALID_ADDRESS).count() == 1


def test_a_dispatch_that_did_not_bounce_is_ignored(dupont: Any) -> None:
    invoice = make_invoice(customer=dupont)
    from facturier.dispatch.services import dispatch_create

    dispatch = dispatch_create(invoice=invoice, recipient="compta@dupont.example", send_at=timezone.now())
    address_invalid(dispatch_id=dispatch.pk, evidence={})
    assert not Letter.objects.exists() and not WorkItem.objects.exists()


def test_policy_work_item_only_asks_for_the_address_but_prints_nothing(dupont: Any, settings: Any) -> None:
    settings.FACTURIER_ON_INVALID_ADDRESS = "work_item_only"
    dispatch = bounced_dispatch(make_invoice(customer=dupont))
    address_invalid(dispatch_id=dispatch.pk, evidence={"status": "5.1.1"})
    assert not Letter.objects.exists() and not Dispatch.objects.filter(channel=Channel.POST).exists()
    assert WorkItem.objects.filter(kind=WorkItemKind.INVALID_ADDRESS).exists()
    assert CustomerActivity.objects.get(kind="address_invalid").data["next_step"] == "work_item_only"


def test_a_customer_preference_overrides_the_company_policy(dupont: Any, settings: Any) -> None:
    settings.FACTURIER_ON_INVALID_ADDRESS = "work_item_only"
    dupont.preferences = {"on_invalid_address": "print", "post_timing": "immediate"}
    dupont.save()
    dispatch = bounced_dispatch(make_invoice(customer=dupont))
    address_invalid(dispatch_id=dispatch.pk, evidence={"status": "5.1.1"})
    letter = Letter.objects.get()
    # Immediate: its own batch, printed at once.
    assert letter.batch.immediate and letter.batch.state == BatchState.HANDED_OVER
    assert letter.dispatch.state == State.ACCEPTED and letter.state == LetterState.HANDED_OVER


def test_a_customer_without_postal_address_gives_a_no_postal_address_work_item() -> None:
    customer = make_customer(postal_line1="", postal_code="", postal_city="", emails=["x@nowhere.example"])
    dispatch = bounced_dispatch(make_invoice(customer=customer))
    address_invalid(dispatch_id=dispatch.pk, evidence={"status": "5.1.1"})
    item = WorkItem.objects.get(kind=WorkItemKind.NO_POSTAL_ADDRESS)
    assert "No postal address" in item.title and item.customer == customer
    assert not Letter.objects.exists() and not Dispatch.objects.filter(channel=Channel.POST).exists()
    # The rest still happened: the CRM knows and someone is asked for the e-mail address.
    assert WorkItem.objects.filter(kind=WorkItemKind.INVALID_ADDRESS).exists()
    assert CustomerActivity.objects.filter(kind="address_invalid").exists()


def test_a_typo_in_a_customer_preference_falls_back_to_the_company_policy(dupont: Any) -> None:
    dupont.preferences = {"on_invalid_address": "fax it"}
    dupont.save()
    dispatch = bounced_dispatch(make_invoice(customer=dupont))
    address_invalid(dispatch_id=dispatch.pk, evidence={"status": "5.1.1"})
    assert Letter.objects.filter(source_dispatch=dispatch).exists()
