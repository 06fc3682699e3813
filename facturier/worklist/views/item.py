"""An item's page (GET /worklist/<pk>/) and its actions (POST, operators): assign, comment, close,
correct the address and resend, mark an address verified, classify the return again, decide on an
uncertain dispatch. An htmx POST gets the item's panel back, re-rendered; a plain POST redirects to
the page (the forms work without JavaScript)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from facturier.crm.models import EmailStatus
from facturier.dashboard.labels import WORK_ITEM_KIND_LABELS, label
from facturier.dispatch.states import State
from facturier.returns.models import InboundState
from facturier.returns.selectors import inbound_view
from facturier.web.access import reader_required
from facturier.web.views.htmx import vary_on_htmx, wants_fragment
from facturier.worklist import actions, decisions, selectors
from facturier.worklist.forms import CloseForm, CommentForm, CorrectAddressForm, DecisionForm, VerifyForm
from facturier.worklist.models import WorkItem, WorkItemKind, WorkItemState
from facturier.worklist.services import (
    WorkItemActionError,
    work_item_assign,
    work_item_close_by,
    work_item_comment,
)
from facturier.worklist.views.access import can_act, operator_required

REPROCESSABLE = (InboundState.UNMATCHED, InboundState.FAILED, InboundState.STORED)


def _item(pk: int) -> WorkItem:
    try:
        return selectors.work_item_get(pk=pk)
    except WorkItem.DoesNotExist:
        raise Http404 from None


def _context(request: HttpRequest, pk: int, **extra: Any) -> dict[str, Any]:
    try:
        detail = selectors.work_item_detail(pk=pk)
    except WorkItem.DoesNotExist:
        raise Http404 from None
    item = detail.item
    is_open = item.state == WorkItemState.OPEN
    acts = can_act(request.user) and is_open
    active = [e for e in detail.emails if e.active]
    old = item.dispatch.recipient if item.dispatch and item.dispatch.channel == "email" else ""
    if old.lower() not in {e.address.lower() for e in active}:
        old = next((e.address for e in active if e.status == EmailStatus.INVALID), "")
    previous, following = selectors.work_item_neighbours(item=item)
    context = {
        "item": item,
        "kind_label": label(WORK_ITEM_KIND_LABELS, item.kind),
        "detail": detail,
        "message": inbound_view(inbound=item.inbound) if item.inbound else None,
        "is_open": is_open,
        "can_act": acts,
        "can_comment": can_act(request.user),
        "assigned_to_me": item.assignee_id == request.user.pk,
        "close_form": CloseForm(),
        "comment_form": CommentForm(),
        # An uncertain dispatch is about whether a message left, not about the address.
        "correct_form": CorrectAddressForm(addresses=[e.address for e in active], initial_old=old)
        if active and item.kind != WorkItemKind.UNCERTAIN_DISPATCH
        else None,
        "unverified": [e for e in active if e.status != EmailStatus.VERIFIED],
        "decide": acts
        and item.kind == WorkItemKind.UNCERTAIN_DISPATCH
        and item.dispatch is not None
        and item.dispatch.state == State.UNCERTAIN,
        "decision_form": DecisionForm(),
        "can_reclassify": acts and item.inbound is not None and item.inbound.state in REPROCESSABLE,
        "previous_pk": previous,
        "next_pk": following,
        "notice": "",
        "error": "",
    }
    return context | extra


@require_GET
@reader_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "worklist/detail.html", _context(request, pk))


def _answer(request: HttpRequest, pk: int, *, notice: str = "", error: str = "") -> HttpResponse:
    if wants_fragment(request):
        return vary_on_htmx(render(request, "worklist/_item.html", _context(request, pk, notice=notice, error=error)))
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    return redirect("worklist:detail", pk=pk)


def _form_error(form: forms.Form) -> str:
    for field, errors in form.errors.items():
        name = form.fields[field].label if field in form.fields else ""
        return f"{name} : {errors[0]}" if name else str(errors[0])
    return _("Check the form.")


def _run(request: HttpRequest, pk: int, action: Callable[[WorkItem], str]) -> HttpResponse:
    item = _item(pk)
    try:
        notice = action(item)
    except WorkItemActionError as exc:
        return _answer(request, pk, error=_("Not done: %(reason)s") % {"reason": exc.message})
    return _answer(request, pk, notice=notice)


@require_POST
@operator_required
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    def act(item: WorkItem) -> str:
        work_item_assign(item=item, user_id=request.user.pk)
        return _("Assigned to you.")

    return _run(request, pk, act)


@require_POST
@operator_required
def unassign(request: HttpRequest, pk: int) -> HttpResponse:
    def act(item: WorkItem) -> str:
        work_item_assign(item=item, user_id=None)
        return _("Unassigned.")

    return _run(request, pk, act)


@require_POST
@operator_required
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _answer(request, pk, error=_form_error(form))

    def act(item: WorkItem) -> str:
        work_item_comment(item=item, user_id=request.user.pk, text=form.cleaned_data["text"])
        return _("Comment added.")

    return _run(request, pk, act)


@require_POST
@operator_required
def close(request: HttpRequest, pk: int) -> HttpResponse:
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _answer(request, pk, error=_form_error(form))

    def act(item: WorkItem) -> str:
        work_item_close_by(item=item, resolution=form.cleaned_data["resolution"], user_id=request.user.pk)
        return _("Closed.")

    return _run(request, pk, act)


@require_POST
@operator_required
def correct_address(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(pk)
    active = list(item.customer.emails.filter(active=True).values_list("address", flat=True)) if item.customer else []
    form = CorrectAddressForm(request.POST, addresses=active)
    if not form.is_valid():
        return _answer(request, pk, error=_form_error(form))

    def act(item: WorkItem) -> str:
        result = actions.work_item_correct_address(
            item=item,
            old_address=form.cleaned_data["old_address"],
            new_address=form.cleaned_data["new_address"],
            user=request.user,
        )
        resent = len(result.resent)
        return ngettext(
            "Address corrected to %(address)s; %(n)d invoice sent again; item closed.",
            "Address corrected to %(address)s; %(n)d invoices sent again; item closed.",
            resent,
        ) % {"address": result.new_email.address, "n": resent}

    return _run(request, pk, act)


@require_POST
@operator_required
def verify_address(request: HttpRequest, pk: int) -> HttpResponse:
    form = VerifyForm(request.POST)
    if not form.is_valid():
        return _answer(request, pk, error=_form_error(form))

    def act(item: WorkItem) -> str:
        email = actions.work_item_mark_address_verified(
            item=item, email_id=form.cleaned_data["email"], user=request.user
        )
        return _("%(address)s marked verified.") % {"address": email.address}

    return _run(request, pk, act)


@require_POST
@operator_required
def reclassify(request: HttpRequest, pk: int) -> HttpResponse:
    def act(item: WorkItem) -> str:
        state = actions.work_item_reclassify(item=item, user=request.user)
        if state == InboundState.PROCESSED:
            return _("Classified again: the return is now tied to its dispatch.")
        if state == InboundState.UNMATCHED:
            return _("Classified again: still tied to no dispatch.")
        return _("Classified again: processing failed; see the message's error.")

    return _run(request, pk, act)


@require_POST
@operator_required
def mark_sent(request: HttpRequest, pk: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""

    def act(item: WorkItem) -> str:
        decisions.uncertain_mark_sent(item=item, user=request.user, note=note)
        return _("Marked sent; item closed.")

    return _run(request, pk, act)


@require_POST
@operator_required
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""

    def act(item: WorkItem) -> str:
        decisions.uncertain_resend(item=item, user=request.user, note=note)
        return _("A new dispatch goes out now; item closed.")

    return _run(request, pk, act)
