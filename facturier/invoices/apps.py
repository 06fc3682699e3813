from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "facturier.invoices"
    label = "invoices"
