"""Demo topics and meetings for 团结社区 of the demo county (`manage.py seed_demo`).

Everything goes through the meetings services with the demo accounts as actors, so the demo
carries the same audit trail as real use: two topics with posts, options and seconders, a
past 屋场会 with check-ins, a show of hands, minutes and a task, and an upcoming 议事会.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cocreate.accounts.models import User
from cocreate.needs.models import Need
from cocreate.orgs import demo as orgs_demo
from cocreate.orgs.models import OrgUnit, Person

from . import services
from .models import Meeting, Topic

COMMUNITY = orgs_demo.SCOPE_NAMES["community"]
GRID = orgs_demo.SCOPE_NAMES["grid"]
LIGHTS = "团结小区路灯改造"


def _resident() -> User:
    """The demo resident's account, as her first SMS login would create it (she posts and
    seconds in the demo discussion)."""
    from cocreate.accounts.services import resident_account_for_phone

    return resident_account_for_phone(phone_e164="+86" + orgs_demo.DEMO_RESIDENT_PHONE)


def _topics(community: OrgUnit, cadre, people: dict) -> list[Topic]:
    needs = list(Need.objects.filter(community=community, status__in=[Need.Status.RECEIVED, Need.Status.ACCEPTED])
                 .order_by("-support_count", "id")[:2])
    lights = services.topic_create(actor=cadre, node=community, title=LIGHTS, needs=needs,
                                   description="小区里不少路灯晚上不亮，老人夜里出门不方便。大家看看怎么改、钱从哪里出。")
    first = services.post_add(actor=people["resident"], topic=lights, body="3栋后面那段路最黑，晚上接孩子都要打手电。")
    services.post_add(actor=people["linkhead"], topic=lights, body="我挨家问过，大多数人愿意换成LED的，省电。",
                      parent=first)
    services.post_add(actor=people["grid"], topic=lights, body="网格里统计了一下，一共有14盏灯需要更换。")
    led = services.option_propose(actor=people["resident"], topic=lights, title="全部换成LED路灯",
                                  description="14盏灯全部更换，物业负责日常维护。", cost_fen=2_100_000)
    services.option_second(actor=people["linkhead"], option=led)
    services.option_second(actor=people["grid"], option=led)
    solar = services.option_propose(actor=people["linkhead"], topic=lights, title="主干道装太阳能灯",
                                    description="只在主干道装8盏太阳能灯，不用拉电线。", cost_fen=1_280_000)
    services.option_second(actor=people["resident"], option=solar)

    parking = services.topic_create(actor=cadre, node=community, title="电动车集中充电棚选址",
                                    description="楼道里充电不安全，想在小区里建一个集中充电棚，请大家说说放在哪里合适。")
    services.post_add(actor=people["linkhead"], topic=parking, body="建议放在北门空地，离住户远一点更安全。")
    services.option_propose(actor=cadre, topic=parking, title="北门空地建充电棚", cost_fen=4_500_000,
                            description="建20个充电位，刷卡充电。")
    return [lights, parking]


def _past_meeting(grid: OrgUnit, host, topic: Topic) -> Meeting:
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=7)
    meeting = services.meeting_schedule(actor=host, node=grid, kind=Meeting.Kind.WUCHANG, title="路灯改造屋场会",
                                        place="团结小区3栋门前空地", starts_at=start,
                                        ends_at=start + timedelta(hours=2), agenda=[topic, "楼道杂物清理"])
    services.meeting_set_status(actor=host, meeting=meeting, status=Meeting.Status.OPEN)
    present = list(Person.objects.filter(household__meeting_invitations__meeting=meeting)
                   .order_by("household__path", "id")[:12])
    for person in present:
        services.checkin_by_host(actor=host, meeting=meeting, person=person)
    first, second = meeting.agenda.order_by("order")
    services.tally_record(actor=host, item=first, votes_for=9, votes_against=1, votes_abstain=2)
    services.tally_record(actor=host, item=second, votes_for=11, votes_against=0, votes_abstain=1)
    services.minutes_record(actor=host, meeting=meeting, minutes=(
        "一、路灯改造：多数居民赞成全部换成LED路灯，费用请社区向街道申请，不足部分由小区公共收益补足。\n"
        "二、楼道杂物：下周六组织志愿者统一清理，各楼栋长负责通知。"))
    services.task_add(actor=host, meeting=meeting, title="向街道提交路灯改造经费申请", owner=host,
                      due_on=timezone.localdate() + timedelta(days=14))
    services.task_add(actor=host, meeting=meeting, title="组织楼道杂物清理", owner_name="各楼栋长",
                      due_on=timezone.localdate() - timedelta(days=1))
    services.meeting_set_status(actor=host, meeting=meeting, status=Meeting.Status.CLOSED)
    return meeting


def _upcoming_meeting(community: OrgUnit, cadre, topics: list[Topic]) -> Meeting:
    start = timezone.now().replace(hour=19, minute=0, second=0, microsecond=0) + timedelta(days=5)
    return services.meeting_schedule(actor=cadre, node=community, kind=Meeting.Kind.YISHI, title="居民议事会",
                                     place="团结社区党群服务中心二楼会议室", starts_at=start,
                                     ends_at=start + timedelta(hours=2), agenda=[*topics, "其他事项"])


@transaction.atomic
def seed() -> dict[str, int] | None:
    """Idempotent: None when the demo topics are already there (or there is no demo county)."""
    community = OrgUnit.objects.filter(name=COMMUNITY).first()
    grid = OrgUnit.objects.filter(name=GRID).first()
    if community is None or grid is None or Topic.objects.filter(community=community, title=LIGHTS).exists():
        return None
    cadre = User.objects.get(username="cadre")
    people = {"resident": _resident(), "linkhead": User.objects.get(username="linkhead"),
              "grid": User.objects.get(username="grid")}
    topics = _topics(community, cadre, people)
    past = _past_meeting(grid, people["grid"], topics[0])
    upcoming = _upcoming_meeting(community, cadre, topics)
    return {"topics": len(topics), "meetings": 2, "invitations": past.invited_count + upcoming.invited_count,
            "attendances": past.attendances.count()}
