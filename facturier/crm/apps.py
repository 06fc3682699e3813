from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "facturier.crm"
    label = "crm"
