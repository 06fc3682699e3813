from __future__ import annotations

from django.urls import path

from facturier.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.users, name="users"),
    path("new/", views.user_new, name="user-new"),
    path("<int:pk>/role/", views.user_role, name="user-role"),
    path("<int:pk>/active/", views.user_active, name="user-active"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/new/", views.token_new, name="token-new"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("audit/", views.audit, name="audit"),
]
