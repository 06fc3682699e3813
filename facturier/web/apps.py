from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "facturier.web"
    label = "web"
