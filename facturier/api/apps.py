from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "facturier.api"
    label = "api"
