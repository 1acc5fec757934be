from django.apps import AppConfig


class FundsConfig(AppConfig):
    """共建: 以奖代补 reward-fund pools, applications with maker-checker review, allocation and disbursement."""

    name = "cocreate.funds"
    label = "funds"

    def ready(self) -> None:
        from cocreate.orgs.models import Role
        from cocreate.orgs.permissions import OFFICIALS, register_actions

        register_actions({
            # Reading pools, applications with their working, reviews, votes and allocations.
            "funds.view": set(OFFICIALS),
            # Preparing and submitting a project's application: the community's cadres.
            "funds.prepare": {Role.CADRE},
            # The three review levels (村 → 镇/街道 → 县), each on the application's community.
            "funds.review_village": {Role.CADRE},
            "funds.review_street": {Role.STREET_OFFICIAL},
            "funds.review_county": {Role.COUNTY_OFFICIAL},
            # Creating a pool, moving its status, recording disbursements: on the pool's node
            # (a county official, or a street official for a street's own pool).
            "funds.manage_pool": {Role.COUNTY_OFFICIAL, Role.STREET_OFFICIAL},
            # Running the allocation method and approving its proposals (a second official).
            "funds.allocate": {Role.COUNTY_OFFICIAL, Role.STREET_OFFICIAL},
        })
