"""The delivery log (/webhooks/) with the operator's manual redeliver, and the admin's endpoint
screen (/webhooks/endpoints/): add, deactivate, rotate the secret, delete."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from facturier.accounts.roles import Role, has_role
from facturier.web.access import admin_required, operator_required, reader_required
from facturier.webhooks.delivery import delivery_redeliver
from facturier.webhooks.events import EVENT_TYPES
from facturier.webhooks.forms import EndpointCreateForm
from facturier.webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from facturier.webhooks.selectors import PAGE, delivery_log, endpoint_list, endpoint_overview
from facturier.webhooks.services import (
    WebhookEndpointError,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_set_active,
)


@require_GET
@reader_required
def delivery_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    if state not in DeliveryState.values:
        state = ""
    context = {
        "deliveries": delivery_log(state=state)[:PAGE],
        "endpoints": endpoint_list(),
        "state": state,
        "states": DeliveryState.choices,
        "can_act": has_role(request.user, Role.OPERATOR),
        "can_manage": has_role(request.user, Role.ADMIN),
    }
    return render(request, "webhooks/delivery_list.html", context)


@require_POST
@operator_required
def redeliver(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery, pk=pk)
    delivery_redeliver(delivery=delivery)
    messages.success(
        request, _("Delivery %(pk)s queued again; the worker sends it at its next pass.") % {"pk": delivery.pk}
    )
    return redirect("webhooks:delivery-list")


# --- Endpoints (admin) ----------------------------------------------------------------------------


def _endpoints_page(request: HttpRequest, form: EndpointCreateForm | None = None, status: int = 200) -> HttpResponse:
    context = {"endpoints": endpoint_overview(), "form": form or EndpointCreateForm(), "event_types": EVENT_TYPES}
    return render(request, "webhooks/endpoint_list.html", context, status=status)


def _secret_page(request: HttpRequest, endpoint: WebhookEndpoint, *, rotated: bool) -> HttpResponse:
    # Shown on this answer only (no redirect: the secret is in no URL, no session, no message).
    return render(request, "webhooks/endpoint_secret.html", {"endpoint": endpoint, "rotated": rotated})


@require_GET
@admin_required
def endpoints(request: HttpRequest) -> HttpResponse:
    return _endpoints_page(request)


@never_cache  # the answer holds the secret: no cache may keep it
@require_POST
@admin_required
def endpoint_new(request: HttpRequest) -> HttpResponse:
    form = EndpointCreateForm(request.POST)
    if form.is_valid():
        try:
            endpoint = webhook_endpoint_create(
                name=form.cleaned_data["name"],
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                by=request.user,
            )
        except WebhookEndpointError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return _secret_page(request, endpoint, rotated=False)
    return _endpoints_page(request, form, status=400)


@require_POST
@admin_required
def endpoint_active(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    active = request.POST.get("active") == "1"
    webhook_endpoint_set_active(endpoint=endpoint, active=active, by=request.user)
    text = _("Endpoint %(name)s reactivated.") if active else _("Endpoint %(name)s deactivated.")
    messages.success(request, text % {"name": endpoint.name})
    return redirect("webhooks:endpoints")


@never_cache
@require_POST
@admin_required
def endpoint_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    webhook_endpoint_rotate_secret(endpoint=endpoint, by=request.user)
    return _secret_page(request, endpoint, rotated=True)


@require_POST
@admin_required
def endpoint_delete(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    name = endpoint.name
    try:
        webhook_endpoint_delete(endpoint=endpoint, by=request.user)
    except WebhookEndpointError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Endpoint %(name)s deleted.") % {"name": name})
    return redirect("webhooks:endpoints")
