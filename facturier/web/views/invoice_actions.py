"""The actions of the invoice page (operators): resend now or at a time, reschedule, cancel.

Each is a POST (CSRF-checked by the middleware) that checks the role on the server, calls one
invoice service, says what happened in a message and goes back to the invoice."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from facturier.invoices.models import Invoice
from facturier.invoices.services import invoice_cancel, invoice_reschedule, invoice_resend
from facturier.web.access import operator_required
from facturier.web.labels import resend_reason
from facturier.web.selectors import invoice_by_number

ACTIONS = ("resend_now", "resend_at", "reschedule", "cancel")
PAST_TOLERANCE = dt.timedelta(minutes=5)


class SendAtForm(forms.Form):
    # datetime-local, read in the current time zone (Django makes it aware).
    send_at = forms.DateTimeField(required=False)

    def clean_send_at(self) -> dt.datetime | None:
        value: dt.datetime | None = self.cleaned_data.get("send_at")
        if value is not None and value < timezone.now() - PAST_TOLERANCE:
            raise forms.ValidationError(_("is in the past"))
        return value


@require_POST
@operator_required
def invoice_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    invoice = invoice_by_number(number)
    if invoice is None:
        raise Http404
    form = SendAtForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("send_at", []):
            messages.error(request, _("Send time: %(error)s") % {"error": error})
        return redirect("web:invoice-detail", number=invoice.number)
    send_at = form.cleaned_data.get("send_at")
    if action == "resend_at" and send_at is None:
        messages.error(request, _("Send time: %(error)s") % {"error": _("required for this action")})
        return redirect("web:invoice-detail", number=invoice.number)
    _run(request, invoice, action, send_at)
    return redirect("web:invoice-detail", number=invoice.number)


def _run(request: HttpRequest, invoice: Invoice, action: str, send_at: dt.datetime | None) -> None:
    actor, user_id = request.user.get_username(), request.user.pk
    if action in ("resend_now", "resend_at"):
        at = send_at if action == "resend_at" else None
        [result] = invoice_resend(numbers=[invoice.number], send_at=at, actor=actor, user_id=user_id)
        if result.status == "resent":
            messages.success(request, _("Invoice %(number)s will be sent again.") % {"number": invoice.number})
        else:
            messages.warning(
                request,
                _("Invoice %(number)s was not resent: %(reason)s")
                % {"number": invoice.number, "reason": resend_reason(result.reason)},
            )
    elif action == "reschedule":
        moved = invoice_reschedule(invoice=invoice, send_at=send_at, actor=actor, user_id=user_id)
        if moved:
            messages.success(request, _("Sending rescheduled."))
        else:
            messages.warning(request, _("Nothing is scheduled: nothing to reschedule."))
    else:
        cancelled = invoice_cancel(invoice=invoice, actor=actor, user_id=user_id)
        if cancelled:
            messages.success(request, _("Scheduled sending cancelled."))
        else:
            messages.warning(request, _("Nothing is scheduled: nothing to cancel."))
