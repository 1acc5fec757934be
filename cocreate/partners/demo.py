"""Demo offers, a service list and service orders for 团结社区 of the demo county (`manage.py
seed_demo`, after the orgs demo, which pairs 枝江市住建局 with the community and registers one of its
Party members there, 双报到).

Everything goes through the partners services, with the demo accounts as actors where there is
one, so the demo carries the same audit trail as real use: two offers of the unit, a service on
the list matched to a need and one listed alone, and orders in every state — rated, done and
waiting for the rating, accepted, waiting to be claimed, and cancelled. Idempotent: None when
already there.
"""

import io

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image

from cocreate.accounts.models import User
from cocreate.meetings import demo as meetings_demo
from cocreate.needs.models import Need
from cocreate.orgs.models import DispatchedMember, OrgUnit, Pairing, Person

from . import services
from .models import ResourceOffer, ServiceOrder

COMMUNITY = meetings_demo.COMMUNITY
REPAIRS = "党员上门维修水电"


def _photo() -> ContentFile:
    """A stand-in for the photo of the work done."""
    out = io.BytesIO()
    Image.new("RGB", (320, 240), "lightgray").save(out, "JPEG")
    return ContentFile(out.getvalue(), name="done.jpg")


def _member_account(member: DispatchedMember) -> User | None:
    """The member's account, as their first SMS login would create it (they work on their phone)."""
    from cocreate.accounts.services import resident_account_for_phone

    if not member.person.has_phone:
        return None
    resident_account_for_phone(phone_e164="+86" + member.person.phone_national())
    member.person.refresh_from_db()
    return member.person.user


def _orders(community: OrgUnit, cadre: User, item, member: DispatchedMember, worker: User | None) -> int:
    resident = meetings_demo._resident()
    me = Person.objects.get(user=resident)
    others = list(Person.objects.in_subtree(community).filter(relation=Person.Relation.HEAD, household__isnull=False)
                  .exclude(pk__in=[me.pk, member.person_id]).order_by("id")[:4])

    def place(person, text, actor=None):
        return services.order_place(actor=actor, person=person, item=item, description=text)

    rated = place(me, "厨房水龙头一直滴水，麻烦师傅来看看。", actor=resident)
    services.order_dispatch(actor=cadre, order=rated, member=member)
    services.order_accept(actor=worker, order=rated)
    services.order_complete(actor=worker, order=rated, minutes=50, photo=_photo(), note="更换了水龙头阀芯。")
    services.order_rate(actor=resident, order=rated, rating=5, comment="来得很及时，谢谢！")
    done = place(others[0], "卫生间的灯不亮了，家里只有老人。")
    services.order_claim(actor=worker, order=done) if worker else services.order_dispatch(
        actor=cadre, order=done, member=member)
    services.order_accept(actor=worker, order=done)
    services.order_complete(actor=worker, order=done, minutes=30, photo=_photo(), note="换了灯泡和开关。")
    accepted = place(others[1], "阳台下水管堵了，下雨天会漫水。")
    services.order_dispatch(actor=cadre, order=accepted, member=member)
    services.order_accept(actor=worker, order=accepted)
    place(others[2], "家里插座冒火花，想请人检查一下线路。")
    cancelled = place(me, "热水器不出热水。", actor=resident)
    services.order_cancel(actor=resident, order=cancelled, reason="物业已经修好了")
    return ServiceOrder.objects.filter(community=community).count()


@transaction.atomic
def seed() -> dict[str, int] | None:
    """Idempotent: None when the demo offers are already there (or there is no demo county)."""
    community = OrgUnit.objects.filter(name=COMMUNITY).first()
    if community is None or ResourceOffer.objects.filter(community=community, title=REPAIRS).exists():
        return None
    pairing = Pairing.objects.filter(community=community).select_related("unit").order_by("id").first()
    member = (DispatchedMember.objects.filter(home_community=community).select_related("person", "unit")
              .order_by("id").first())
    if pairing is None or member is None:
        return None
    cadre = User.objects.get(username="cadre")
    repairs = services.offer_create(actor=cadre, unit=pairing.unit, community=community, title=REPAIRS,
                                    description="住建局党员志愿者上门修理水管、水龙头、电灯和开关。", category="repair",
                                    capacity="每周六上午，两名党员")
    services.offer_create(actor=cadre, unit=pairing.unit, community=community, title="老旧小区房屋安全检查",
                          description="工程师入户查看房屋裂缝、阳台和楼道安全隐患。", category="other",
                          capacity="每月一次")
    need = (Need.objects.filter(community=community).open().filter(text__contains="水").order_by("-id").first())
    item = services.item_publish(actor=cadre, offer=repairs, need=need)
    orders = _orders(community, cadre, item, member, _member_account(member))
    return {"offers": 2, "services": 1, "orders": orders}
