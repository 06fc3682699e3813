from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "facturier.letters"
    label = "letters"
