from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "facturier.dashboard"
    label = "dashboard"
