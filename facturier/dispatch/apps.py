from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "facturier.dispatch"
    label = "dispatch"
