from __future__ import annotations

from django.urls import path

from facturier.worklist.views import item, listing

app_name = "worklist"

urlpatterns = [
    path("", listing.index, name="index"),
    path("<int:pk>/", item.detail, name="detail"),
    path("<int:pk>/assign/", item.assign, name="assign"),
    path("<int:pk>/unassign/", item.unassign, name="unassign"),
    path("<int:pk>/comment/", item.comment, name="comment"),
    path("<int:pk>/close/", item.close, name="close"),
    path("<int:pk>/correct-address/", item.correct_address, name="correct-address"),
    path("<int:pk>/verify-address/", item.verify_address, name="verify-address"),
    path("<int:pk>/reclassify/", item.reclassify, name="reclassify"),
    path("<int:pk>/mark-sent/", item.mark_sent, name="mark-sent"),
    path("<int:pk>/resend/", item.resend, name="resend"),
]
