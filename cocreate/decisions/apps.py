from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "cocreate.decisions"
    label = "decisions"

    def ready(self) -> None:
        from cocreate.orgs.models import Role
        from cocreate.orgs.permissions import OFFICIALS, register_actions

        register_actions({
            # Reading ballots, tallies, owners' rolls and procedures on the staff console.
            "decisions.view": {Role.GRID_WORKER, *OFFICIALS},
            # Creating, opening, closing and publishing ballots, entering paper and show-of-hands
            # results, the owners' roll, and recording procedures: the community's cadres.
            "decisions.manage": {Role.CADRE},
        })
