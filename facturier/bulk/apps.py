from django.apps import AppConfig


class BulkConfig(AppConfig):
    name = "facturier.bulk"
    label = "bulk"
