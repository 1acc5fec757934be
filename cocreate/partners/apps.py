from django.apps import AppConfig


class PartnersConfig(AppConfig):
    """共建: partner units and dispatched Party members — resource offers, the service list and service orders."""

    name = "cocreate.partners"
    label = "partners"

    def ready(self) -> None:
        from cocreate.orgs.models import Role
        from cocreate.orgs.permissions import OFFICIALS, register_actions

        register_actions({
            # Reading offers, the service list, orders, pairings and the hours and ratings.
            "partners.view": {Role.GRID_WORKER, *OFFICIALS},
            # Pairing units with the community, offers, the service list, dispatching and
            # cancelling orders: the community's cadres.
            "partners.manage": {Role.CADRE},
            # Placing an order for a resident without a phone (代办), with a signed slip, as
            # needs.record_for_resident: a 联户长 only for the households linked to them.
            "partners.order_for_resident": {Role.LINK_HEAD, Role.GRID_WORKER, Role.CADRE},
        })
