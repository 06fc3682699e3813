from __future__ import annotations

from django.urls import path

from facturier.web.views import home

app_name = "web"

urlpatterns = [
    path("", home.index, name="home"),
    path("invoices/", home.index, name="invoice-list"),
]
