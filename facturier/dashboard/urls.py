from __future__ import annotations

from django.urls import path

from facturier.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
]
