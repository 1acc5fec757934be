from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cocreate.core"
    label = "core"

    def ready(self) -> None:
        from . import checks, choices  # noqa: F401 - importing checks registers them

        choices.install()
