"""Demo projects for 团结社区 of the demo county (`manage.py seed_demo`, after the decisions demo,
whose published street-light result starts the first one).

Everything goes through the projects services, so the demo carries the same audit trail as real
use: the county's valuation table; the LED street-light project under construction, with its
budget, funding plan, milestones, tasks, progress, a ledger of labour, cash and materials from
households and a partner unit (one anonymous), and the demo resident's pledge waiting to be
confirmed; and a road project started directly from residents' needs, still being planned.
Idempotent: None when already there.
"""

import io
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from cocreate.accounts.models import User
from cocreate.decisions.models import Ballot
from cocreate.meetings import demo as meetings_demo
from cocreate.needs.models import Need
from cocreate.orgs.models import Household, OrgUnit, PartnerUnit, Person

from . import services
from .models import MaterialPrice, Project

LIGHTS_PROJECT = "团结小区LED路灯改造工程"
ROAD_PROJECT = "北门至菜市场巷道硬化"


def _photo(colour: str = "gray") -> ContentFile:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(out, "JPEG")
    return ContentFile(out.getvalue(), name="demo.jpg")


def _valuation(county: OrgUnit) -> None:
    services.valuation_set(actor=None, node=county, labour_day_fen=15000, hours_per_day=8)
    for name, unit, price in [("水泥", "吨", 48000), ("砂石", "方", 9500), ("红砖", "块", 50), ("电缆", "米", 1200)]:
        services.material_price_set(actor=None, node=county, name=name, unit=unit, price_fen=price)


def _plan(project: Project, cadre, lines, sources) -> None:
    for item, fen in lines:
        services.budget_line_add(actor=cadre, project=project, item=item, amount_fen=fen)
    for kind, fen, note in sources:
        services.funding_source_add(actor=cadre, project=project, kind=kind, amount_fen=fen, note=note)


def _ledger(project: Project, cadre, households: list[Household], unit: PartnerUnit | None) -> int:
    cable = MaterialPrice.objects.get(name="电缆")
    gifts = [
        services.Gift(kind="labour", hours=16), services.Gift(kind="cash", cash_fen=20000),
        services.Gift(kind="labour", hours=8), services.Gift(kind="cash", cash_fen=50000),
        services.Gift(kind="labour", hours=24), services.Gift(kind="equipment", value_fen=30000,
                                                              description="自家三轮车运材料 2 天"),
    ]
    entries = 0
    for n, (household, gift) in enumerate(zip(households, gifts, strict=False)):
        services.contribution_record(actor=cadre, project=project, gift=gift, evidence=_photo(),
                                     contributor=services.Contributor(household=household), anonymous=n == 3)
        entries += 1
    if unit is not None:
        services.contribution_record(actor=cadre, project=project, evidence=_photo(),
                                     contributor=services.Contributor(unit=unit),
                                     gift=services.Gift(kind="materials", material=cable, quantity=Decimal(300)))
        entries += 1
    return entries


def _lights(community: OrgUnit, cadre, resident: User | None) -> tuple[Project, int]:
    ballot = Ballot.objects.filter(topic__community=community, topic__title=meetings_demo.LIGHTS,
                                   status=Ballot.Status.PUBLISHED).first()
    option = ballot.topic.options.order_by("id").first() if ballot else None
    origin = services.Origin(topic=ballot.topic, ballot=ballot, option=option) if ballot else services.Origin(
        needs=tuple(Need.objects.filter(community=community)[:1]))
    project = services.project_create(
        actor=cadre, node=community, title=LIGHTS_PROJECT, origin=origin,
        scope="小区主干道和3条支路共更换LED路灯14盏，新敷设电缆300米，由居民投工投劳配合施工。")
    _plan(project, cadre,
          lines=[("LED灯具14盏", 4_200_000), ("电缆及配件", 600_000), ("专业安装", 1_200_000)],
          sources=[("resident_cash", 700_000, "居民自愿捐款"), ("labour", 600_000, "投工投劳折资"),
                   ("partner", 360_000, "县供电公司捐赠电缆"), ("award", 2_500_000, "申请以奖代补")])
    today = timezone.localdate()
    services.milestone_add(actor=cadre, project=project, title="材料到位", due_date=today - timedelta(days=5))
    services.milestone_add(actor=cadre, project=project, title="全部亮灯", due_date=today + timedelta(days=20))
    services.task_add(actor=cadre, project=project, title="通知各楼栋投工时间", owner_name="张敏",
                      due_date=today + timedelta(days=2))
    services.project_set_status(actor=cadre, project=project, status=Project.Status.BUILDING)
    services.progress_post(actor=cadre, project=project, text="灯杆基础浇筑完成，居民投工清理施工场地。",
                           percent=35, photo=_photo("darkgray"))
    households = list(Household.objects.filter(path__startswith=community.path).order_by("id")[:6])
    unit = PartnerUnit.objects.filter(pairings__community=community).first() or PartnerUnit.objects.first()
    entries = _ledger(project, cadre, households, unit)
    person = Person.objects.filter(user=resident).select_related("household").first() if resident else None
    if person is not None and person.household is not None:
        services.pledge_make(actor=resident, project=project, gift=services.Gift(kind="labour", hours=8))
    return project, entries


def _road(community: OrgUnit, cadre) -> Project:
    needs = tuple(Need.objects.filter(community=community).exclude(status=Need.Status.MERGED)
                  .order_by("-support_count")[:2])
    project = services.project_create(
        actor=cadre, node=community, title=ROAD_PROJECT, origin=services.Origin(needs=needs),
        scope="巷道长120米、宽3米，现为泥土路；硬化为15厘米厚水泥路面，两侧修排水沟。")
    _plan(project, cadre,
          lines=[("水泥路面", 3_600_000), ("排水沟", 900_000)],
          sources=[("resident_cash", 900_000, "沿街住户自筹"), ("labour", 450_000, "投工投劳")])
    return project


@transaction.atomic
def seed() -> dict[str, int] | None:
    community = OrgUnit.objects.filter(name=meetings_demo.COMMUNITY).first()
    if community is None or Project.objects.filter(community=community, title=LIGHTS_PROJECT).exists():
        return None
    cadre = User.objects.get(username="cadre")
    _valuation(community.parent.parent)  # the county: 枝江市 → 马家店街道 → 团结社区
    _lights_project, entries = _lights(community, cadre, meetings_demo._resident())
    _road(community, cadre)
    return {"projects": 2, "ledger entries": entries}
