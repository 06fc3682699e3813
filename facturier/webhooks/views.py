"""The delivery log (/webhooks/) and the operator's manual redeliver."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from facturier.accounts.roles import Role, has_role
from facturier.webhooks.delivery import delivery_redeliver
from facturier.webhooks.models import DeliveryState, WebhookDelivery
from facturier.webhooks.selectors import PAGE, delivery_log, endpoint_list


def delivery_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    if state not in DeliveryState.values:
        state = ""
    context = {
        "deliveries": delivery_log(state=state)[:PAGE],
        "endpoints": endpoint_list(),
        "state": state,
        "states": DeliveryState.values,
        "can_act": has_role(request.user, Role.OPERATOR),
    }
    return render(request, "webhooks/delivery_list.html", context)


@require_POST
def redeliver(request: HttpRequest, pk: int) -> HttpResponse:
    if not has_role(request.user, Role.OPERATOR):
        raise PermissionDenied("operators only")
    delivery = get_object_or_404(WebhookDelivery, pk=pk)
    delivery_redeliver(delivery=delivery)
    messages.success(request, f"Delivery {delivery.pk} queued again; the worker sends it at its next pass.")
    return redirect("webhooks:delivery-list")
