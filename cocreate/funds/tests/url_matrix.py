"""This app's part of the URL × role matrix (see cocreate/core/url_matrix.py).

Funds are read by officials (funds.view: cadres, street and county officials, the platform
administrator); a county fund is seen by the officials above it and by the cadres of the
communities inside it, who apply to it. A fund is created on a county (county officials) or a
street (street and county officials); payments are recorded by the officials of the fund's own
node. The allocation notice (page, PDF and JSON) is public once the fund allocates; the approval
vote is for residents of the fund's area (the 联户长 lives in the fixture household, so they
are one). POST-only views answer 405 to GET.
"""

from cocreate.core.url_matrix import (
    MISSING_ID,
    NOBODY,
    OWN_COMMUNITY,
    RESIDENT,
    VIEW_COMMUNITY,
    VIEW_NEIGHBOUR,
    Case,
    Redirect,
    api_signed_in,
    api_staff,
    everyone,
    signed_in_page,
    staff_page,
)

SEE_COUNTY_POOL = ("cadre", "neighbour_cadre", "street_official", "county_official", "platform_admin")
VIEW_COUNTY = ("county_official", "platform_admin")
IN_AREA = OWN_COMMUNITY

MATRIX: dict[str, list[Case]] = {
    # --- resident and public pages under /funds/ ---
    "funds:home": [Case("funds of my area", expect=signed_in_page())],
    "funds:vote": [
        Case("county fund, allocating", {"pool_id": "fund_pool"}, IN_AREA),
        Case("draft fund", {"pool_id": "fund_draft_pool"}, NOBODY),
        Case("missing", {"pool_id": MISSING_ID}, NOBODY),
    ],
    **{
        name: [
            Case("allocating: public", {"pool_id": "fund_pool"}, everyone(200)),
            Case("draft: not public", {"pool_id": "fund_draft_pool"}, everyone(404)),
            Case("missing", {"pool_id": MISSING_ID}, everyone(404)),
        ]
        for name in ("funds:notice", "funds:notice-pdf")
    },
    # --- staff pages under /staff/funds/ ---
    "funds_staff:index": [Case("start", expect={
        **staff_page("link_head", "grid_worker", "neighbour_grid_worker", "audit_admin", "security_admin"),
        "cadre": Redirect("funds_staff:list", "community"),
        "neighbour_cadre": Redirect("funds_staff:list", "neighbour"),
        "street_official": Redirect("funds_staff:list", "street"),
        "county_official": Redirect("funds_staff:list", "county"),
        "platform_admin": Redirect("funds_staff:list", "county"),
    })],
    "funds_staff:list": [
        Case("community", {"node_id": "community"}, staff_page(*VIEW_COMMUNITY)),
        Case("neighbour", {"node_id": "neighbour"}, staff_page(*VIEW_NEIGHBOUR)),
        Case("county", {"node_id": "county"}, staff_page(*VIEW_COUNTY)),
        Case("missing", {"node_id": MISSING_ID}, staff_page()),
    ],
    "funds_staff:pool-create": [
        Case("county", {"node_id": "county"}, staff_page("county_official")),
        Case("street", {"node_id": "street"}, staff_page("street_official", "county_official")),
        Case("community: no funds there", {"node_id": "community"}, staff_page()),
    ],
    "funds_staff:pool": [
        Case("county fund", {"pool_id": "fund_pool"}, staff_page(*SEE_COUNTY_POOL)),
        Case("missing", {"pool_id": MISSING_ID}, staff_page()),
    ],
    "funds_staff:apply": [
        Case("county fund", {"pool_id": "fund_pool"}, staff_page("cadre", "neighbour_cadre")),
        Case("missing", {"pool_id": MISSING_ID}, staff_page()),
    ],
    "funds_staff:application": [
        Case("community", {"application_id": "fund_application"}, staff_page(*VIEW_COMMUNITY)),
        Case("neighbour", {"application_id": "fund_neighbour_application"}, staff_page(*VIEW_NEIGHBOUR)),
        Case("missing", {"application_id": MISSING_ID}, staff_page()),
    ],
    "funds_staff:pay": [
        Case("county fund's application", {"application_id": "fund_application"}, staff_page("county_official")),
        Case("missing", {"application_id": MISSING_ID}, staff_page()),
    ],
    **{name: [Case("POST only", {"pool_id": "fund_pool"}, staff_page(others=405))]
       for name in ("funds_staff:pool-status", "funds_staff:run")},
    **{name: [Case("POST only", {"application_id": "fund_application"}, staff_page(others=405))]
       for name in ("funds_staff:submit", "funds_staff:review")},
    "funds_staff:approve": [Case("POST only", {"allocation_id": "fund_allocation"}, staff_page(others=405))],
    # --- the JSON API ---
    **{
        name: [
            Case("allocating: public", {"pool_id": "fund_pool"}, everyone(200)),
            Case("draft: not public", {"pool_id": "fund_draft_pool"}, everyone(404)),
        ]
        for name in ("api:funds_notice", "api:funds_notice_pdf")
    },
    "api:funds_ballot": [
        Case("county fund", {"pool_id": "fund_pool"}, api_signed_in(404, **{RESIDENT: 200, "link_head": 200})),
        Case("draft fund", {"pool_id": "fund_draft_pool"}, api_signed_in(404)),
    ],
    "api:funds_staff_pools": [
        Case("community", {"node_id": "community"}, api_staff(*VIEW_COMMUNITY)),
        Case("neighbour", {"node_id": "neighbour"}, api_staff(*VIEW_NEIGHBOUR)),
        Case("missing", {"node_id": MISSING_ID}, api_staff()),
    ],
    "api:funds_staff_pool_create": [Case("GET lists (same URL)", {"node_id": "county"}, api_staff(*VIEW_COUNTY))],
    "api:funds_staff_pool": [
        Case("county fund", {"pool_id": "fund_pool"}, api_staff(*SEE_COUNTY_POOL)),
        Case("missing", {"pool_id": MISSING_ID}, api_staff()),
    ],
    "api:funds_staff_application": [
        Case("community", {"application_id": "fund_application"}, api_staff(*VIEW_COMMUNITY)),
        Case("neighbour", {"application_id": "fund_neighbour_application"}, api_staff(*VIEW_NEIGHBOUR)),
    ],
    "api:funds_vote": [Case("POST only", {"pool_id": "fund_pool"}, everyone(405))],
    **{name: [Case("POST only", {"pool_id": "fund_pool"}, everyone(405))]
       for name in ("api:funds_staff_pool_status", "api:funds_staff_pool_run", "api:funds_staff_application_create")},
    **{name: [Case("POST only", {"application_id": "fund_application"}, everyone(405))]
       for name in ("api:funds_staff_application_submit", "api:funds_staff_application_review",
                    "api:funds_staff_disbursement")},
    "api:funds_staff_allocation_approve": [Case("POST only", {"allocation_id": "fund_allocation"}, everyone(405))],
}


def world(objects: dict, users: dict) -> dict:
    """A county fund that is allocating, with an approved application of the community (and an
    approved allocation of it) and one of the neighbour (a proposal); a draft fund."""
    from cocreate.funds import services
    from cocreate.funds.models import Allocation, AllocationRun, Application
    from cocreate.projects.models import Project

    county = objects["county"]

    def project(node, title):
        return Project.objects.create(community=node, node=node, path=node.path, title=title, scope="道路",
                                      budget_fen=1_000_000)

    pool = services.pool_create(actor=None, node=county, year=2026, name="县级以奖代补", budget_fen=5_000_000,
                                rate_permille=1000, counted_kinds=["cash", "labour"], method="proportional")
    services.pool_set_status(actor=None, pool=pool, status="open")
    draft = services.pool_create(actor=None, node=county, year=2026, name="草稿资金", budget_fen=1_000,
                                 rate_permille=1000, counted_kinds=["cash"], method="score")

    def application(node, title, award):
        return Application.objects.create(
            pool=pool, project=project(node, title), community=node, path=node.path, requested_fen=award,
            award_fen=award, status=Application.Status.APPROVED, prepared_by=users["cadre"])

    mine = application(objects["community"], "幸福路硬化", 300_000)
    theirs = application(objects["neighbour"], "友谊路照明", 200_000)
    services.pool_set_status(actor=None, pool=pool, status="allocating")
    run = AllocationRun.objects.create(pool=pool, method=pool.method, budget_fen=pool.budget_fen,
                                       requested_fen=500_000, ran_by=users["county_official"])
    approved = Allocation.objects.create(pool=pool, run=run, application=mine, amount_fen=300_000, reason="full",
                                         proposed_by=users["county_official"])
    services.allocation_approve(actor=_checker(objects), allocation=approved)
    proposal = Allocation.objects.create(pool=pool, run=run, application=theirs, amount_fen=200_000, reason="full",
                                         proposed_by=users["county_official"])
    return {"fund_pool": pool, "fund_draft_pool": draft, "fund_application": mine,
            "fund_neighbour_application": theirs, "fund_allocation": proposal}


def _checker(objects):
    """A second county official, who approves what the first one ran."""
    from cocreate.accounts.services import staff_user_create
    from cocreate.orgs.models import Role, RoleGrant

    user = staff_user_create(actor=None, username="fundchecker", password="Matrix#Pass2026", display_name="复核人")
    RoleGrant.objects.create(user=user, node=objects["county"], role=Role.COUNTY_OFFICIAL)
    return user
