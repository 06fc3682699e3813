"""Taking back a letter that still waits for its print batch, once the invoice went out by e-mail
after all (the address was corrected before the cut-off): no paper, no postage, no second copy."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from facturier.crm.activities import customer_activity_record
from facturier.dispatch.services import dispatch_transition
from facturier.dispatch.states import State
from facturier.letters.models import BatchState, Letter, LetterState, PrintBatch


def letters_withdraw(
    *, invoice_ids: list[int], reason: str, actor: str, user_id: int | None, now: dt.datetime
) -> list[Letter]:
    """Withdraw the letters of these invoices still queued in an open batch: the postal dispatch is
    cancelled with the reason on the invoice's timeline, the customer's CRM timeline (and webhooks)
    hear of it, the letter leaves the batch. Letters already handed to the printer are left alone.

    The open batches are locked first, so a cut-off starting now (batch_close claims with
    UPDATE ... WHERE state = 'open') waits for this transaction and never prints a withdrawn letter.
    """
    if not invoice_ids:
        return []
    queued = Letter.objects.filter(invoice_id__in=invoice_ids, state=LetterState.QUEUED, batch__state=BatchState.OPEN)
    withdrawn: list[Letter] = []
    with transaction.atomic():
        batch_ids = set(queued.values_list("batch_id", flat=True))
        locked = list(
            PrintBatch.objects.select_for_update()
            .filter(pk__in=batch_ids, state=BatchState.OPEN)
            .values_list("pk", flat=True)
        )
        letters = queued.filter(batch_id__in=locked).select_related("dispatch", "invoice", "customer")
        for letter in letters:
            summary = f"letter withdrawn from print batch {letter.batch_id}: {reason}"
            dispatch_transition(
                dispatch=letter.dispatch,
                to=State.CANCELLED,
                kind="letter_withdrawn",
                summary=summary,
                evidence={"letter": letter.pk, "batch": letter.batch_id, "reason": reason},
                actor=actor,
                user_id=user_id,
                at=now,
            )
            customer_activity_record(
                customer=letter.customer,
                invoice=letter.invoice,
                kind="letter_withdrawn",
                summary=f"Invoice {letter.invoice.number}: {summary}",
                data={"letter": letter.pk, "batch": letter.batch_id, "reason": reason},
                at=now,
            )
            pdf = letter.pdf
            letter.delete()
            # The file goes only once the withdrawal is committed (a rollback keeps both).
            transaction.on_commit(lambda pdf=pdf: pdf.storage.delete(pdf.name))
            withdrawn.append(letter)
    return withdrawn
