from django.apps import AppConfig


class WorklistConfig(AppConfig):
    name = "facturier.worklist"
    label = "worklist"
