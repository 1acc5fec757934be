"""Demo needs for the demo county (`seed_demo` calls `seed()` after the orgs demo).

Each community gets needs its households would raise, in their words, with supports from
neighbours and the statuses a few weeks of work leave behind. The demo resident (杨桂芳)
raised one and supports another, so her pages are not empty. Deterministic, idempotent.
"""

import random

from django.db import transaction

from cocreate.core.crypto import blind_index
from cocreate.core.phones import normalise_phone
from cocreate.orgs.demo import DEMO_RESIDENT_PHONE, DEMO_ROOT, SEED
from cocreate.orgs.models import Household, Kind, OrgUnit, Person

from . import services
from .models import Category, Need

# (category code, text): what residents raise most often in a Hubei community or village.
NEEDS = (
    ("lighting", "小区路灯坏了，晚上回家看不清路"),
    ("lighting", "我们楼下的路灯晚上不亮"),
    ("roads", "进村的路坑坑洼洼，下雨天全是积水"),
    ("sanitation", "垃圾站旁边气味太大，夏天苍蝇多"),
    ("parking", "电动车没地方充电，都拉线到楼道里充"),
    ("facilities", "想在空地上装几个健身器材"),
    ("elderly", "老人多，希望办个老年食堂或者助餐点"),
    ("greening", "门口的绿化带没人管，杂草长得很高"),
    ("safety", "楼道里堆满了杂物，担心着火"),
    ("water", "自来水水压小，高楼层经常没水"),
    ("facilities", "希望有个地方让小孩放学后写作业"),
    ("roads", "小区门口没有减速带，车开得太快"),
)
NEEDS_PER_COMMUNITY = 8
MAX_SUPPORTERS = 12


def _communities(root: OrgUnit) -> list[OrgUnit]:
    return list(OrgUnit.objects.in_subtree(root).filter(kind=Kind.COMMUNITY).order_by("path"))


def _heads(community: OrgUnit) -> list[Person]:
    return list(Person.objects.in_subtree(community).filter(relation=Person.Relation.HEAD,
                                                             household__isnull=False).order_by("path", "id"))


def _raise_for_community(community: OrgUnit, rng: random.Random, categories: dict[str, Category]) -> list[Need]:
    heads = _heads(community)
    raised = []
    for code, text in rng.sample(NEEDS, NEEDS_PER_COMMUNITY):
        person = rng.choice(heads)
        need = services.need_raise(actor=None, person=person, text=text, category=categories[code])
        for supporter in rng.sample(heads, min(len(heads), rng.randint(0, MAX_SUPPORTERS))):
            if supporter.household_id != person.household_id:
                services.need_support(actor=None, need=need, person=supporter)
        raised.append(need)
    return raised


def _demo_resident_needs(categories: dict[str, Category]) -> int:
    """The demo resident raised one need and supports the most shared one of her community."""
    resident = Person.objects.filter(phone_index=blind_index(normalise_phone(DEMO_RESIDENT_PHONE)),
                                     relation=Person.Relation.HEAD).first()
    if resident is None or resident.household is None:
        return 0
    services.need_raise(actor=None, person=resident, text="单元门的门禁坏了好几天，外人随便进出",
                        category=categories["safety"])
    community = services.community_of(resident.household.node)
    top = (Need.objects.open().filter(community=community).exclude(household=resident.household)
           .order_by("-support_count", "id").first())
    if top is not None and not top.supports.filter(household=resident.household).exists():
        services.need_support(actor=None, need=top, person=resident)
    return 1


@transaction.atomic
def seed() -> dict[str, int] | None:
    root = OrgUnit.objects.filter(parent__isnull=True, name=DEMO_ROOT).first()
    if root is None or Need.objects.filter(path__startswith=root.path).exists():
        return None
    rng = random.Random(SEED)
    categories = {c.code: c for c in Category.objects.all()}
    needs = [need for community in _communities(root) for need in _raise_for_community(community, rng, categories)]
    own = _demo_resident_needs(categories)
    return {
        "needs": len(needs) + own,
        "supports": sum(Need.objects.filter(pk__in=[n.pk for n in needs]).values_list("support_count", flat=True)),
        "households raising": Household.objects.filter(needs__isnull=False).distinct().count(),
    }
