"""Demo reward fund of the demo county (`manage.py seed_demo`, after the projects demo, whose
projects apply to it).

Everything goes through the funds services with the demo accounts, so the demo carries the same
audit trail as real use: 枝江市's 2026 fund (¥500,000, 1:1 on cash, labour at ¥150 a person-day
and materials, at least 30% self-raised, ¥100,000 per project and ¥200,000 per community,
allocated proportionally), open for applications; the first demo project has a submitted
application waiting for the village review (maker-checker: another cadre of the community
reviews it), the second a draft. The demo has one cadre per community and one county official,
so it stops there. Idempotent: None when already there, or when there are no projects yet.
"""

from django.db import transaction
from django.utils import timezone

from cocreate.accounts.models import User
from cocreate.orgs import demo as orgs_demo
from cocreate.orgs.models import OrgUnit
from cocreate.projects.models import Project

from . import services
from .models import Pool

FUND_NAME = "共同缔造以奖代补资金"


def _apply(cadre, pool, project, *, submit: bool):
    requested = max(project.budget_fen // 2, 100)
    app = services.application_create(actor=cadre, pool=pool, project=project, requested_fen=requested,
                                      note="群众自筹、投工投劳已到位，申请以奖代补。")
    if submit:
        app = services.application_submit(actor=cadre, application=app)
    return app


@transaction.atomic
def seed() -> dict[str, int] | None:
    county = OrgUnit.objects.filter(name=orgs_demo.SCOPE_NAMES["county"], kind="county").first()
    community = OrgUnit.objects.filter(name=orgs_demo.SCOPE_NAMES["community"]).first()
    official = User.objects.filter(username="county").first()
    cadre = User.objects.filter(username="cadre").first()
    if None in (county, community, official, cadre):
        return None
    year = timezone.localdate().year
    if Pool.objects.filter(node=county, year=year, name=FUND_NAME).exists():
        return None
    projects = list(Project.objects.filter(community=community).exclude(status=Project.Status.CANCELLED)
                    .order_by("id")[:2])
    if not projects:
        return None  # the projects demo has not run: nothing can apply yet
    pool = services.pool_create(
        actor=official, node=county, year=year, name=FUND_NAME, budget_fen=50_000_000, rate_permille=1000,
        counted_kinds=["cash", "labour", "materials"], labour_day_fen=15_000, min_share_permille=300,
        cap_project_fen=10_000_000, cap_community_fen=20_000_000, method="proportional",
        notes="以奖代补资金按群众自筹（含投工投劳折资）1:1奖补，申报经村、镇、县三级审核后公示。")
    services.pool_set_status(actor=official, pool=pool, status="open")
    apps = [_apply(cadre, pool, p, submit=(n == 0)) for n, p in enumerate(projects)]
    return {"fund_pools": 1, "fund_applications": len(apps)}
