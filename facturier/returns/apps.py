from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "facturier.returns"
    label = "returns"
