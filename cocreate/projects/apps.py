from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    """共建: projects traced back to their decision, funding plans, contributions and honour rolls."""

    name = "cocreate.projects"
    label = "projects"

    def ready(self) -> None:
        from cocreate.orgs.models import Role
        from cocreate.orgs.permissions import OFFICIALS, register_actions

        register_actions({
            # Reading projects, plans and the ledger on the staff console.
            "projects.view": {Role.GRID_WORKER, *OFFICIALS},
            # Creating projects, the plan, progress, status, and confirming, recording and reversing
            # contributions: the community's cadres.
            "projects.manage": {Role.CADRE},
            # The valuation table (person-day value, material prices) is the county's (or a street's).
            "projects.configure_valuation": {Role.COUNTY_OFFICIAL, Role.STREET_OFFICIAL},
        })
