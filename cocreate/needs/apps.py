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
        self._forget_common_ground_on_changes()

    @staticmethod
    def _forget_common_ground_on_changes() -> None:
        from cocreate.audit.services import subscribe

        from .models import Need
        from .selectors import forget_common_ground

        def forget(event) -> None:
            community_id = Need.objects.filter(pk=event.target_id).values_list("community_id", flat=True).first()
            if community_id is not None:
                forget_common_ground(community_id)  # now and after the commit

        for action in ("need.raised", "need.supported", "need.merged",
                       *(f"need.{status}" for status in Need.Status.values)):
            subscribe(action, forget)
