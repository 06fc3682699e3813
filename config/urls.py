from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from facturier.api.app import api


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz),
    path("api/", api.urls),
    path("worklist/", include("facturier.worklist.urls")),
    path("webhooks/", include("facturier.webhooks.urls")),
    path("letters/", include("facturier.letters.urls")),
    path("bulk/", include("facturier.bulk.urls")),
    path("admin-users/", include("facturier.accounts.urls")),
    path("dashboard/", include("facturier.dashboard.urls")),
    path("", include("facturier.web.urls")),
]
