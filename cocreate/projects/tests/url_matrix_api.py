"""The projects API's part of the URL × role matrix (see cocreate/core/url_matrix.py and
cocreate/api/tests/url_matrix.py), merged by this app's url_matrix.py: `API_MATRIX` into
`MATRIX`, `world_api` into `world`. The matrix signs in with a session (staff with the
second factor), which the API accepts like a token.

Residents read their own community's projects and their own pledges; a project's page and its
trace are public (the QR code on the site's notice board opens them). Staff read projects in
their subtree (projects.view: grid workers and officials); only the community's cadres manage
them. GET on a POST-only endpoint answers 405 whoever asks; a POST that shares its URL with a
GET (create a project, set the valuation) answers the GET.

The world's objects are named `api_*` so that they cannot collide with the pages' world."""

from cocreate.core.url_matrix import (
    MISSING_ID,
    VIEW_COMMUNITY,
    VIEW_NEIGHBOUR,
    Case,
    api_signed_in,
    api_staff,
    everyone,
)

COUNTY_VIEW = ("county_official", "platform_admin")
NOBODY = api_signed_in(404)

API_MATRIX: dict[str, list[Case]] = {
    # --- residents ---
    **{name: [Case("own account", expect=api_signed_in())]
       for name in ("api:projects_projects", "api:projects_my_pledges")},
    **{name: [
        Case("community project", {"project_id": "api_project"}, everyone(200)),
        Case("neighbour's project", {"project_id": "api_neighbour_project"}, everyone(200)),
        Case("missing", {"project_id": MISSING_ID}, everyone(404)),
    ] for name in ("api:projects_project", "api:projects_trace")},  # public, like the pages
    "api:projects_update_photo": [
        Case("with a photo", {"project_id": "api_project", "update_id": "api_update"}, everyone(200)),
        Case("another project's", {"project_id": "api_grid_project", "update_id": "api_update"}, everyone(404)),
        Case("missing", {"project_id": "api_project", "update_id": MISSING_ID}, everyone(404)),
    ],
    "api:projects_pledge": [Case("POST only", {"project_id": "api_project"}, everyone(405))],
    "api:projects_pledge_withdraw": [Case("POST only", {"pledge_id": "api_pledge"}, everyone(405))],
    # --- staff: lists and reads ---
    **{name: [
        Case("community", {"node_id": "community"}, api_staff(*VIEW_COMMUNITY)),
        Case("grid", {"node_id": "grid"}, api_staff("grid_worker", *VIEW_COMMUNITY)),
        Case("neighbour", {"node_id": "neighbour"}, api_staff(*VIEW_NEIGHBOUR)),
        Case("county", {"node_id": "county"}, api_staff(*COUNTY_VIEW)),
        Case("missing", {"node_id": MISSING_ID}, api_staff()),
    ] for name in ("api:projects_staff_projects", "api:projects_staff_project_create",  # GET lists (same URL)
                   "api:projects_staff_valuation", "api:projects_staff_valuation_set")},  # GET reads (same URL)
    **{name: [
        Case("community project", {"project_id": "api_project"}, api_staff(*VIEW_COMMUNITY)),
        Case("grid project", {"project_id": "api_grid_project"}, api_staff("grid_worker", *VIEW_COMMUNITY)),
        Case("neighbour's project", {"project_id": "api_neighbour_project"}, api_staff(*VIEW_NEIGHBOUR)),
        Case("missing", {"project_id": MISSING_ID}, api_staff()),
    ] for name in ("api:projects_staff_project", "api:projects_staff_pledges", "api:projects_staff_ledger")},
    "api:projects_staff_evidence": [
        Case("community entry", {"entry_id": "api_entry"}, api_staff(*VIEW_COMMUNITY)),
        Case("missing", {"entry_id": MISSING_ID}, api_staff()),
    ],
    # --- staff: writes (POST only) ---
    **{name: [Case("POST only", {"project_id": "api_project"}, everyone(405))]
       for name in ("api:projects_staff_project_status", "api:projects_staff_budget_line_add",
                    "api:projects_staff_source_add", "api:projects_staff_milestone_add", "api:projects_staff_task_add",
                    "api:projects_staff_progress", "api:projects_staff_contribution_record")},
    "api:projects_staff_budget_line_remove": [Case("POST only", {"line_id": "api_budget_line"}, everyone(405))],
    "api:projects_staff_source_remove": [Case("POST only", {"source_id": "api_source"}, everyone(405))],
    "api:projects_staff_milestone_reach": [Case("POST only", {"milestone_id": "api_milestone"}, everyone(405))],
    "api:projects_staff_task_done": [Case("POST only", {"task_id": "api_task"}, everyone(405))],
    **{name: [Case("POST only", {"pledge_id": "api_pledge"}, everyone(405))]
       for name in ("api:projects_staff_pledge_confirm", "api:projects_staff_pledge_decline")},
    "api:projects_staff_contribution_reverse": [Case("POST only", {"entry_id": "api_entry"}, everyone(405))],
    "api:projects_staff_material_price_set": [Case("POST only", {"node_id": "county"}, everyone(405))],
}


def world_api(objects: dict, users: dict) -> dict:
    """A project of the community (with a budget line, a funding source, a milestone, a task, a
    progress report with a photo, the resident's pledge and a ledger entry with its evidence), one
    of the grid and one of the neighbouring community, under the county's valuation table. Built
    from the shared world's needs."""
    import datetime
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    from cocreate.projects import services
    from cocreate.projects.services import Contributor, Gift, Origin

    def jpeg() -> ContentFile:
        out = io.BytesIO()
        Image.new("RGB", (8, 8), "gray").save(out, "JPEG")
        return ContentFile(out.getvalue(), name="evidence.jpg")

    def project(node, need, title):
        return services.project_create(actor=None, node=node, title=title, scope="更换路灯，整修路面",
                                       origin=Origin(needs=(need,)))

    services.valuation_set(actor=None, node=objects["county"], labour_day_fen=15000, hours_per_day=8)
    made = project(objects["community"], objects["need"], "小区路灯改造")
    resident = users["resident"]
    return {
        "api_project": made,
        "api_grid_project": project(objects["grid"], objects["need"], "1栋门前路面"),
        "api_neighbour_project": project(objects["neighbour"], objects["neighbour_need"], "楼道清理"),
        "api_budget_line": services.budget_line_add(actor=None, project=made, item="LED路灯", amount_fen=800_000),
        "api_source": services.funding_source_add(actor=None, project=made, kind="award", amount_fen=500_000),
        "api_milestone": services.milestone_add(actor=None, project=made, title="材料进场",
                                                due_date=datetime.date(2026, 12, 1)),
        "api_task": services.task_add(actor=None, project=made, title="联系施工队", owner_name="王师傅",
                                      due_date=datetime.date(2026, 12, 5)),
        "api_update": services.progress_post(actor=None, project=made, text="灯杆基础已浇筑", percent=30,
                                             photo=jpeg()),
        "api_pledge": services.pledge_make(actor=resident, project=made, gift=Gift(kind="labour", hours=8)),
        "api_entry": services.contribution_record(
            actor=None, project=made, contributor=Contributor(household=objects["household"]),
            gift=Gift(kind="cash", cash_fen=20_000), evidence=jpeg()),
    }
