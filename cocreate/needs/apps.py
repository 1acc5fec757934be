from django.apps import AppConfig


class NeedsConfig(AppConfig):
    name = "cocreate.needs"
    label = "needs"

    def ready(self) -> None:
        from cocreate.orgs.models import Role
        from cocreate.orgs.permissions import OFFICIALS, register_actions

        register_actions({
            # Recording a need or a support for a resident who is offline (代办), with consent.
            "needs.record_for_resident": {Role.LINK_HEAD, Role.GRID_WORKER, Role.CADRE},
            "needs.view": {Role.GRID_WORKER, *OFFICIALS},
            "needs.handle": {Role.GRID_WORKER, Role.CADRE},
            "needs.merge": {Role.CADRE},
            "needs.run_campaign": {Role.CADRE},
            "needs.visit": {Role.LINK_HEAD, Role.GRID_WORKER, Role.CADRE},
        })
