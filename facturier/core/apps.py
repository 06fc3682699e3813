from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "facturier.core"
    label = "core"

    def ready(self) -> None:
        from facturier.core.lookups import register

        register()
