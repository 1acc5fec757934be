"""This app's part of the URL × role matrix (see cocreate/core/url_matrix.py).

The project page, its trace and its progress photos are public (the QR code on the site's notice
board opens them; names are masked). Pledging is for residents of the project's community (the
联户长 account lives in the fixture household, so it may too). Staff read projects in their subtree
(projects.view); the community's cadres manage them (projects.manage); the valuation table is the
county's and the street's (projects.configure_valuation). POST-only views answer 405 to GET.
"""

from cocreate.core.url_matrix import (
    IN_GRID,
    MISSING_ID,
    NOBODY,
    OWN_COMMUNITY,
    POST_ONLY,
    VIEW_COMMUNITY,
    VIEW_NEIGHBOUR,
    Case,
    Redirect,
    everyone,
    signed_in_page,
    staff_page,
)

from .url_matrix_api import API_MATRIX, world_api  # the JSON API's part

MATRIX: dict[str, list[Case]] = {
    **API_MATRIX,
    # --- resident and public pages under /me/projects/ ---
    "projects:list": [Case("own community's projects", expect=signed_in_page())],
    "projects:mine": [Case("own pledges", expect=signed_in_page())],
    "projects:withdraw": [Case("POST only", {"pledge_id": MISSING_ID},
                               POST_ONLY)],
    **{
        name: [
            Case("public", {"project_id": "project"}, everyone(200)),
            Case("another community's: public too", {"project_id": "neighbour_project"}, everyone(200)),
            Case("missing", {"project_id": MISSING_ID}, everyone(404)),
        ]
        for name in ("projects:detail", "projects:trace")
    },
    "projects:pledge": [
        Case("own community", {"project_id": "project"}, OWN_COMMUNITY),
        Case("neighbour community", {"project_id": "neighbour_project"},
             NOBODY),
    ],
    "projects:update-photo": [
        Case("public", {"project_id": "project", "update_id": "progress_update"}, everyone(200)),
        Case("photo of another project", {"project_id": "neighbour_project", "update_id": "progress_update"},
             everyone(404)),
    ],
    # --- staff pages under /staff/projects/ ---
    "projects_staff:index": [Case("start", expect={
        **staff_page("link_head", "audit_admin", "security_admin"),
        "grid_worker": Redirect("projects_staff:list", "grid"),
        "neighbour_grid_worker": Redirect("projects_staff:list", "neighbour_grid"),
        "cadre": Redirect("projects_staff:list", "community"),
        "neighbour_cadre": Redirect("projects_staff:list", "neighbour"),
        "street_official": Redirect("projects_staff:list", "street"),
        "county_official": Redirect("projects_staff:list", "county"),
        "platform_admin": Redirect("projects_staff:list", "county"),
    })],
    "projects_staff:list": [
        Case("community", {"node_id": "community"}, staff_page(*VIEW_COMMUNITY)),
        Case("grid", {"node_id": "grid"}, staff_page(*IN_GRID)),
        Case("neighbour", {"node_id": "neighbour"}, staff_page(*VIEW_NEIGHBOUR)),
        Case("missing", {"node_id": MISSING_ID}, staff_page()),
    ],
    "projects_staff:create": [
        Case("community", {"node_id": "community"}, staff_page("cadre")),
        Case("neighbour", {"node_id": "neighbour"}, staff_page("neighbour_cadre")),
        Case("missing", {"node_id": MISSING_ID}, staff_page()),
    ],
    "projects_staff:valuation": [
        Case("county", {"node_id": "county"}, staff_page("county_official")),
        Case("street", {"node_id": "street"}, staff_page("street_official", "county_official")),
    ],
    "projects_staff:project": [
        Case("community", {"project_id": "project"}, staff_page(*VIEW_COMMUNITY)),
        Case("neighbour", {"project_id": "neighbour_project"}, staff_page(*VIEW_NEIGHBOUR)),
        Case("missing", {"project_id": MISSING_ID}, staff_page()),
    ],
    "projects_staff:write": [Case("POST only", {"project_id": "project"},
                                  staff_page(others=405))],
    "projects_staff:evidence": [
        Case("community", {"entry_id": "ledger_entry"}, staff_page(*VIEW_COMMUNITY)),
        Case("missing", {"entry_id": MISSING_ID}, staff_page()),
    ],
}


def world(objects: dict, users: dict) -> dict:
    """A project in the community with a progress photo and a cash entry with its evidence photo;
    a project in the neighbouring community. Both start from a need of their community."""
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    from cocreate.needs.models import Category
    from cocreate.needs.services import need_raise
    from cocreate.projects import services

    def jpeg() -> ContentFile:
        out = io.BytesIO()
        Image.new("RGB", (8, 8), "white").save(out, "JPEG")
        return ContentFile(out.getvalue(), name="photo.jpg")

    category = Category.objects.get_or_create(code="roads", defaults={"name": "道路", "name_en": "Roads"})[0]

    def project(node, person, title):
        need = need_raise(actor=None, person=person, text=f"{title}的需求", category=category)
        return services.project_create(actor=None, node=node, title=title, scope="十盏太阳能路灯",
                                       origin=services.Origin(needs=(need,)))

    mine = project(objects["community"], objects["resident_person"], "安装路灯")
    update = services.progress_post(actor=None, project=mine, text="灯杆到货", percent=20, photo=jpeg())
    entry = services.contribution_record(
        actor=None, project=mine, contributor=services.Contributor(household=objects["household"]),
        gift=services.Gift(kind="cash", cash_fen=20000), evidence=jpeg())
    return {
        **world_api(objects, users),
        "project": mine, "progress_update": update, "ledger_entry": entry,
        "neighbour_project": project(objects["neighbour"], objects["neighbour_person"], "修补道路"),
    }
