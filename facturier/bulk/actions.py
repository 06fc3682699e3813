"""What each bulk action does to one chunk of invoices, through the invoice and letter services.

Each action returns one Outcome per invoice: done, or skipped with a short reason. A refusal the
service reports (invoice_resend's "skipped" results) or a precondition that does not hold (nothing
scheduled to cancel) is a skip; any exception propagates and fails the chunk, so a bug never
passes for "skipped".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from facturier.bulk.models import BulkAction
from facturier.dispatch.models import Dispatch
from facturier.dispatch.states import State
from facturier.invoices.models import Invoice
from facturier.invoices.services import invoice_resend, invoices_cancel, invoices_reschedule

NOTHING_SCHEDULED = "no scheduled dispatch"


@dataclass(frozen=True)
class Outcome:
    invoice_id: int
    number: str
    reason: str = ""  # empty: done
    detail: str = ""

    @property
    def ok(self) -> bool:
        return not self.reason


@dataclass(frozen=True)
class ActionContext:
    actor: str
    user_id: int | None
    send_at: dt.datetime | None  # resend_now: the chunk's "now"; reschedule: None = policy


ActionFn = Callable[[list[Invoice], ActionContext], list[Outcome]]


def _from_result(invoice: Invoice, result: object) -> Outcome:
    # invoice_resend reports per number: status "resent", or "skipped" with a reason sentence.
    if getattr(result, "status", "") == "resent":
        return Outcome(invoice.pk, invoice.number)
    reason = str(getattr(result, "reason", "") or "refused")
    return Outcome(invoice.pk, invoice.number, reason[:100])


def _service(name: str) -> Callable[..., Any]:
    # Looked up at call time: the letters service is written alongside this app, and print_now is
    # offered only once it exists (see available_actions).
    module, _, attr = name.rpartition(".")
    return getattr(import_module(module), attr)  # type: ignore[no-any-return]


def resend(invoices: list[Invoice], ctx: ActionContext) -> list[Outcome]:
    by_number = {inv.number: inv for inv in invoices}
    results = invoice_resend(numbers=list(by_number), send_at=ctx.send_at, actor=ctx.actor, user_id=ctx.user_id)
    outcomes: dict[int, Outcome] = {}
    for result in results:
        invoice = by_number.get(result.number)
        if invoice is not None:
            outcomes[invoice.pk] = _from_result(invoice, result)
    # An invoice the service did not mention was not resent: say so rather than count it done.
    return [outcomes.get(inv.pk) or Outcome(inv.pk, inv.number, "no result from the resend") for inv in invoices]


def _split_scheduled(invoices: list[Invoice], reason: str) -> tuple[list[Invoice], list[Outcome]]:
    """The invoices with a scheduled dispatch (locked until the chunk commits, so a worker cannot
    claim it between this check and the change), and skip outcomes for the others."""
    with_scheduled = set(
        Dispatch.objects.select_for_update()
        .filter(invoice_id__in=[inv.pk for inv in invoices], state=State.SCHEDULED)
        .order_by("id")
        .values_list("invoice_id", flat=True)
    )
    eligible = [inv for inv in invoices if inv.pk in with_scheduled]
    skipped = [Outcome(inv.pk, inv.number, reason) for inv in invoices if inv.pk not in with_scheduled]
    return eligible, skipped


def reschedule(invoices: list[Invoice], ctx: ActionContext) -> list[Outcome]:
    eligible, skipped = _split_scheduled(invoices, NOTHING_SCHEDULED)
    if eligible:
        # One call per chunk: the service computes the send time once per customer and writes one
        # audit entry for the chunk instead of one per invoice.
        invoices_reschedule(invoices=eligible, send_at=ctx.send_at, actor=ctx.actor, user_id=ctx.user_id)
    return [Outcome(inv.pk, inv.number) for inv in eligible] + skipped


def cancel(invoices: list[Invoice], ctx: ActionContext) -> list[Outcome]:
    eligible, skipped = _split_scheduled(invoices, NOTHING_SCHEDULED)
    if eligible:
        invoices_cancel(invoices=eligible, actor=ctx.actor, user_id=ctx.user_id)
    return [Outcome(inv.pk, inv.number) for inv in eligible] + skipped


def print_now(invoices: list[Invoice], ctx: ActionContext) -> list[Outcome]:
    letters_print_now = _service("facturier.letters.services.letters_print_now")
    result = letters_print_now(invoice_ids=[inv.pk for inv in invoices], actor=ctx.actor, user_id=ctx.user_id)
    printed = {letter.invoice_id for letter in result.letters}
    # An invoice that cannot be printed (no postal address, bad PDF) became a work item.
    problems = {item.invoice_id: item for item in result.problems}
    outcomes = []
    for inv in invoices:
        if inv.pk in printed:
            outcomes.append(Outcome(inv.pk, inv.number))
        elif (item := problems.get(inv.pk)) is not None:
            outcomes.append(Outcome(inv.pk, inv.number, str(item.kind)[:100], str(item.title)[:200]))
        else:
            outcomes.append(Outcome(inv.pk, inv.number, "not printed"))
    return outcomes


ACTIONS: dict[str, ActionFn] = {
    BulkAction.RESEND_NOW: resend,
    BulkAction.RESEND_AT: resend,
    BulkAction.RESCHEDULE: reschedule,
    BulkAction.CANCEL: cancel,
    BulkAction.PRINT_NOW: print_now,
}
# Actions that need params["send_at"]; reschedule without one takes the company policy's next time.
NEEDS_SEND_AT = frozenset({BulkAction.RESEND_AT})


def available_actions() -> list[str]:
    """Actions whose service is installed (print_now needs the letters app's service)."""
    available = []
    for action in ACTIONS:
        if action == BulkAction.PRINT_NOW:
            try:
                _service("facturier.letters.services.letters_print_now")
            except (ImportError, AttributeError):
                continue
        available.append(str(action))
    return available
