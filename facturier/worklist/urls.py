from __future__ import annotations

from django.urls import path

from facturier.worklist import views

app_name = "worklist"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/close/", views.close, name="close"),
]
