from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "cocreate.orgs"
    label = "orgs"

    def ready(self) -> None:
        from cocreate.audit.services import subscribe

        from .selectors import TREE_EVENTS, forget_tree_figures

        def forget(event) -> None:
            forget_tree_figures()  # now and after the commit (core/generations.py)

        for action in TREE_EVENTS:
            subscribe(action, forget)
