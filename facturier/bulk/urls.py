from __future__ import annotations

from django.urls import path

from facturier.bulk import views

app_name = "bulk"

urlpatterns = [
    path("", views.index, name="index"),
    path("start/", views.start, name="start"),
    path("<int:job_id>/", views.detail, name="detail"),
    path("<int:job_id>/progress/", views.progress, name="progress"),
]
