from __future__ import annotations

from django.urls import path

from facturier.letters import views

app_name = "letters"

urlpatterns = [
    path("", views.batches, name="batches"),
    path("batches/<int:pk>/<str:kind>.file", views.batch_file, name="batch-file"),
    path("batches/<int:pk>/print/", views.batch_print, name="batch-print"),
    path("batches/<int:pk>/posted/", views.batch_posted, name="batch-posted"),
    path("correct/<str:customer_ref>/", views.correct_address, name="correct"),
]
