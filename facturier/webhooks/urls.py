from __future__ import annotations

from django.urls import path

from facturier.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.delivery_list, name="delivery-list"),
    path("deliveries/<int:pk>/redeliver/", views.redeliver, name="redeliver"),
]
