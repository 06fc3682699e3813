from __future__ import annotations

from django.urls import path

from facturier.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.delivery_list, name="delivery-list"),
    path("deliveries/<int:pk>/redeliver/", views.redeliver, name="redeliver"),
    path("endpoints/", views.endpoints, name="endpoints"),
    path("endpoints/new/", views.endpoint_new, name="endpoint-new"),
    path("endpoints/<int:pk>/active/", views.endpoint_active, name="endpoint-active"),
    path("endpoints/<int:pk>/rotate-secret/", views.endpoint_rotate, name="endpoint-rotate"),
    path("endpoints/<int:pk>/delete/", views.endpoint_delete, name="endpoint-delete"),
]
