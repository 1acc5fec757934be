from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "cocreate.orgs"
    label = "orgs"

    def ready(self) -> None:
        from django.db import transaction

        from cocreate.audit.services import subscribe

        from .selectors import TREE_EVENTS, forget_tree_figures

        def forget(event) -> None:
            # Now, so this transaction's own later reads see its writes; and again after the
            # commit, so a reader that cached the old figures in between does not keep them.
            forget_tree_figures()
            transaction.on_commit(forget_tree_figures)

        for action in TREE_EVENTS:
            subscribe(action, forget)
