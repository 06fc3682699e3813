"""The print batches page (/letters/) and the address-correction form (/letters/correct/<ref>/)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from facturier.accounts.roles import Role, has_role
from facturier.crm.address_correction import AddressCorrectionError, customer_email_correct
from facturier.crm.models import Customer
from facturier.letters.batches import batch_close, batch_mark_posted
from facturier.letters.models import BatchState, PrintBatch
from facturier.letters.selectors import PAGE, batch_list, customer_emails
from facturier.web.access import operator_required, reader_required


def _operator_only(request: HttpRequest) -> None:
    if not has_role(request.user, Role.OPERATOR):
        raise PermissionDenied("operators only")


@require_GET
@reader_required
def batches(request: HttpRequest) -> HttpResponse:
    context = {"batches": batch_list()[:PAGE], "can_act": has_role(request.user, Role.OPERATOR), "S": BatchState}
    return render(request, "letters/batches.html", context)


@require_GET
@reader_required
def batch_file(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    batch = get_object_or_404(PrintBatch, pk=pk)
    stored = batch.pdf if kind == "pdf" else batch.manifest
    if not stored:
        raise Http404("not built yet")
    return FileResponse(stored.open("rb"), as_attachment=True, filename=stored.name.rsplit("/", 1)[-1])


@require_POST
@operator_required
def batch_print(request: HttpRequest, pk: int) -> HttpResponse:
    """Print an open batch now (before its cut-off), or send a failed one again."""
    batch = get_object_or_404(PrintBatch, pk=pk)
    done = batch_close(batch_id=batch.pk, now=timezone.now(), retry=batch.state == BatchState.FAILED)
    if done is None:
        messages.warning(request, _("Batch %(pk)s is already being printed.") % {"pk": pk})
    elif done.state == BatchState.FAILED:
        messages.error(request, _("Batch %(pk)s could not be printed: %(error)s") % {"pk": pk, "error": done.error})
    else:
        messages.success(request, _("Batch %(pk)s handed over: %(output)s") % {"pk": pk, "output": done.output})
    return redirect("letters:batches")


@require_POST
@operator_required
def batch_posted(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(PrintBatch, pk=pk, state=BatchState.HANDED_OVER)
    batch_mark_posted(batch=batch, user_id=request.user.pk)
    messages.success(request, _("Batch %(pk)s marked as posted.") % {"pk": pk})
    return redirect("letters:batches")


# The correction service's refusals (English for the API), as the correction page shows them.
CORRECTION_ERRORS = {
    "invalid_address": gettext_lazy("“%(address)s” is not a valid e-mail address"),
    "not_active": gettext_lazy("“%(address)s” is not an active address of %(customer)s"),
    "unchanged": gettext_lazy("the new address is the same as the old one"),
}


def _correction_error(exc: AddressCorrectionError) -> str:
    text = CORRECTION_ERRORS.get(exc.code)
    return str(text) % exc.params if text is not None else exc.message


class EmailCorrectionForm(forms.Form):
    old_address = forms.EmailField(label=gettext_lazy("Invalid address"))
    new_address = forms.EmailField(label=gettext_lazy("Corrected address"))


@require_http_methods(["GET", "POST"])
@reader_required  # every role sees the form; only operators may post it
def correct_address(request: HttpRequest, customer_ref: str) -> HttpResponse:
    if request.method == "POST":
        _operator_only(request)  # before any lookup: a viewer learns nothing from a POST
    customer = get_object_or_404(Customer, external_ref=customer_ref)
    invalid = customer.emails.filter(active=True, status="invalid").first()
    form = EmailCorrectionForm(request.POST or None, initial={"old_address": invalid.address if invalid else ""})
    if request.method == "POST" and form.is_valid():
        try:
            result = customer_email_correct(
                customer=customer,
                old_address=form.cleaned_data["old_address"],
                new_address=form.cleaned_data["new_address"],
                actor=f"user:{request.user.get_username()}",
                user_id=request.user.pk,
            )
        except AddressCorrectionError as exc:
            form.add_error(exc.field, _correction_error(exc))
        else:
            messages.success(
                request,
                _("Address corrected; %(closed)s work item(s) closed, %(resent)s invoice(s) sent again.")
                % {"closed": len(result.closed_items), "resent": len(result.resent)},
            )
            return redirect("letters:correct", customer_ref=customer.external_ref)
    context = {
        "customer": customer,
        "form": form,
        "emails": customer_emails(customer=customer),
        "can_act": has_role(request.user, Role.OPERATOR),
    }
    return render(request, "letters/correct.html", context)
