from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "facturier.webhooks"
    label = "webhooks"
