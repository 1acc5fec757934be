"""Demo ballots and a 四议两公开 record for 团结社区 of the demo county (`manage.py seed_demo`,
after the meetings demo, whose topics they decide).

Everything goes through the decisions services, so the demo carries the same audit trail as real
use: the street-light topic has a published result (a show of hands at the 屋场会 plus the demo
resident's online vote) and a complete 四议两公开 record; the charging-shed topic has an open
yes / no ballot. Idempotent: None when already there.
"""

import io
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from cocreate.accounts.models import User
from cocreate.meetings import demo as meetings_demo
from cocreate.meetings.models import Meeting, Topic
from cocreate.orgs.models import OrgUnit, Person

from . import selectors, services
from .models import Ballot

LIGHTS_BALLOT = "路灯改造方案表决"
SHED_BALLOT = "是否在北门空地建电动车充电棚"


def _sheet() -> ContentFile:
    """A stand-in for the photo of the signed tally sheet."""
    out = io.BytesIO()
    Image.new("RGB", (320, 240), "white").save(out, "JPEG")
    return ContentFile(out.getvalue(), name="tally-sheet.jpg")


def _published_lights(lights: Topic, cadre, resident: User | None) -> Ballot:
    now = timezone.now()
    ballot = services.ballot_create(
        actor=cadre, topic=lights, title=LIGHTS_BALLOT, kind=Ballot.Kind.SINGLE, options=lights.options.all(),
        voter_unit=Ballot.Unit.HOUSEHOLD, opens_at=now - timedelta(days=8), closes_at=now + timedelta(days=1))
    services.ballot_open(actor=cadre, ballot=ballot)
    led, solar = (c.key for c in ballot.choices.all()[:2])
    person = Person.objects.filter(user=resident).first() if resident else None
    if person is not None and selectors.voter_identities(ballot, person):
        services.vote_cast(actor=resident, ballot=ballot, person=person, choices=[led])
    voted = {v.voter_key for v in ballot.votes.all()}
    roster = [v.key for v in selectors.eligible_voters(ballot) if v.key not in voted][:20]
    if roster:
        led_count = min(len(roster), 14)
        meeting = Meeting.objects.filter(community=lights.community, title="路灯改造屋场会").first()
        services.paper_tally_record(
            actor=cadre, ballot=ballot, method="hands", held_at=now - timedelta(days=7), meeting=meeting,
            counts={led: led_count, solar: len(roster) - led_count}, voter_keys=roster, sheet_photo=_sheet(),
            signatory_one="刘会计", signatory_two="王监委")
    services.ballot_close(actor=cadre, ballot=ballot)
    return services.ballot_publish(actor=cadre, ballot=ballot,
                                   note="多数居民选择全部换成LED路灯。感谢大家参与！实施进度将另行公示。")


def _four_deliberations(lights: Topic, cadre) -> int:
    today = timezone.localdate()
    procedure = services.procedure_start(actor=cadre, topic=lights, kind="four_deliberations")
    stages = [
        ("party_proposal", 20, {"body": "团结社区党委", "minutes_ref": "党委会议记录〔2025〕12号",
                                "content": "根据居民需求，提议对小区路灯进行改造。"}),
        ("committees", 18, {"body": "社区两委联席会议", "minutes_ref": "两委会议记录〔2025〕15号"}),
        ("members_review", 16, {"body": "社区党员大会", "expected": 42, "present": 35, "approving": 33,
                                "minutes_ref": "党员大会记录〔2025〕3号"}),
        ("villagers_resolution", 12, {"body": "居民代表会议", "resolution_body": "representatives_meeting",
                                      "expected": 45, "present": 38, "approving": 36,
                                      "minutes_ref": "居民代表会议决议〔2025〕2号"}),
        ("resolution_published", 10, {"body": "社区居务公开栏", "minutes_ref": "公示照片存档 第7号"}),
        ("results_published", 1, {"body": "社区居务公开栏", "minutes_ref": "实施结果公示 第9号",
                                  "content": "14盏LED路灯已全部安装完毕，经费使用明细同时公示。"}),
    ]
    for stage, days_ago, fields in stages:
        services.procedure_record_stage(actor=cadre, procedure=procedure, stage=stage,
                                        held_on=today - timedelta(days=days_ago), **fields)
    return len(stages)


def _open_shed(shed: Topic, cadre) -> Ballot:
    now = timezone.now()
    ballot = services.ballot_create(
        actor=cadre, topic=shed, title=SHED_BALLOT, kind=Ballot.Kind.YES_NO, rule=Ballot.Rule.MAJORITY,
        quorum_percent=50, voter_unit=Ballot.Unit.HOUSEHOLD, opens_at=now - timedelta(hours=2),
        closes_at=now + timedelta(days=10))
    return services.ballot_open(actor=cadre, ballot=ballot)


@transaction.atomic
def seed() -> dict[str, int] | None:
    community = OrgUnit.objects.filter(name=meetings_demo.COMMUNITY).first()
    lights = Topic.objects.filter(community=community, title=meetings_demo.LIGHTS).first() if community else None
    shed = Topic.objects.filter(community=community, title="电动车集中充电棚选址").first() if community else None
    if lights is None or shed is None or Ballot.objects.filter(topic=lights, title=LIGHTS_BALLOT).exists():
        return None
    cadre = User.objects.get(username="cadre")
    resident = meetings_demo._resident()  # the demo resident's account, as her first SMS login makes it
    shed_ballot = _open_shed(shed, cadre)  # before the lights result decides anything
    published = _published_lights(lights, cadre, resident)
    stages = _four_deliberations(lights, cadre)
    return {"ballots": 2, "votes": published.votes.count() + shed_ballot.votes.count(), "procedure_stages": stages}
