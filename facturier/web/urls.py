from __future__ import annotations

from django.urls import path

from facturier.web.views import customers, home, inbound, invoice_actions, invoice_detail, invoice_list, outbox

app_name = "web"

# Invoice numbers come from the ERP and may hold slashes ("2026/0042"): <path:>, with the PDF and
# action routes first so "…/pdf/" is not read as part of a number.
urlpatterns = [
    path("", home.index, name="home"),
    path("invoices/", invoice_list.invoice_list, name="invoice-list"),
    path("invoices/<path:number>/pdf/", invoice_detail.invoice_pdf, name="invoice-pdf"),
    path("invoices/<path:number>/do/<slug:action>/", invoice_actions.invoice_action, name="invoice-action"),
    path("invoices/<path:number>/", invoice_detail.invoice_detail_view, name="invoice-detail"),
    path("customers/", customers.customer_list, name="customer-list"),
    path("customers/<path:external_ref>/", customers.customer_detail_view, name="customer-detail"),
    path("returns/<int:pk>/", inbound.inbound_detail, name="inbound-detail"),
    path("outbox/", outbox.outbox_list, name="outbox"),
    path("outbox/<str:name>/", outbox.outbox_detail, name="outbox-detail"),
]
