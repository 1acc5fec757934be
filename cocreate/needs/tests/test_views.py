"""The needs pages: each page answers the right role, live suggestions, bad input answers 400
and writes nothing, fixed query counts on the community list. (Who may open which URL is
also walked for every role in tests/test_url_role_matrix.py.)"""

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from cocreate.audit.models import AuditEvent
from cocreate.needs import services
from cocreate.needs.models import Need, NeedPhoto, Support, Visit, VisitCampaign
from cocreate.notify.backends import LocmemSmsBackend
from cocreate.notify.models import Message
from cocreate.orgs.models import Person

from .conftest import head, jpeg_bytes, photo

pytestmark = pytest.mark.django_db

S = Need.Status


def raise_need(person, category, text="我们小区的路灯晚上不亮", **kwargs) -> Need:
    actor = Person.objects.select_related("user").get(pk=person.pk).user
    return services.need_raise(actor=actor, person=person, text=text, category=category, **kwargs)


def writes() -> tuple:
    return (Need.objects.count(), Support.objects.count(), NeedPhoto.objects.count(), Visit.objects.count(),
            VisitCampaign.objects.count(), AuditEvent.objects.count())


def text_of(response) -> str:
    return response.content.decode()


def need_form(category, /, **overrides) -> dict:
    return {"text": "小区路灯坏了", "category": category.pk, "place": "household", "node": "", "latitude": "",
            "longitude": "", **overrides}


# --- resident pages ----------------------------------------------------------------------------

def test_resident_needs_home_shows_my_needs_and_the_common_ground(client, signed_in, cast, org_tree, category,
                                                                   neighbours):
    mine = raise_need(org_tree.resident_person, category, text="小区路灯坏了")
    theirs = raise_need(head(neighbours[0]), category, text="楼道堆放杂物")
    signed_in(cast["resident"])
    response = client.get(reverse("needs:home"))
    page = text_of(response)
    assert response.status_code == 200
    assert "小区路灯坏了" in page and "楼道堆放杂物" in page
    assert reverse("needs:detail", args=[mine.pk]) in page
    assert reverse("needs:support", args=[theirs.pk]) in page  # not yet supported: a button
    assert reverse("needs:support", args=[mine.pk]) not in page  # raised by my household


def test_resident_home_links_to_needs_and_messages(client, signed_in, cast):
    signed_in(cast["resident"])
    page = text_of(client.get(reverse("residents:home")))
    assert reverse("needs:home") in page and reverse("needs:messages") in page


def test_suggestions_fragment_returns_the_similar_open_need(client, signed_in, cast, org_tree, category, neighbours):
    similar = raise_need(head(neighbours[0]), category, text="我们小区的路灯晚上不亮")
    raise_need(head(neighbours[1]), category, text="楼道堆放杂物")
    elsewhere = raise_need(org_tree.neighbour_household.members.get(), category, text="小区路灯坏了")
    signed_in(cast["resident"])
    response = client.get(reverse("needs:suggest"), {"text": "小区路灯坏了"}, HTTP_HX_REQUEST="true")
    page = text_of(response)
    assert response.status_code == 200
    assert "我们小区的路灯晚上不亮" in page and "楼道堆放杂物" not in page
    assert f'hx-post="{reverse("needs:support", args=[similar.pk])}"' in page
    assert reverse("needs:detail", args=[elsewhere.pk]) not in page  # another community
    assert "<html" not in page  # a fragment
    assert text_of(client.get(reverse("needs:suggest"), {"text": "x"})).strip() == ""


def test_raise_page_asks_for_suggestions_while_typing(client, signed_in, cast, category):
    signed_in(cast["resident"])
    page = text_of(client.get(reverse("needs:raise")))
    assert f'hx-get="{reverse("needs:suggest")}"' in page
    assert 'hx-trigger="input changed delay:400ms"' in page
    assert 'id="suggestions"' in page and "<script>" not in page


def test_resident_raises_a_need_with_photos(client, signed_in, cast, org_tree, category, media):
    signed_in(cast["resident"])
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make; a GPS block is dropped the same way
    response = client.post(reverse("needs:raise"), {
        **need_form(category), "photos": [photo("a.jpg", exif=exif), photo("b.png")]})
    need = Need.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("needs:detail", args=[need.pk])
    assert (need.person, need.channel, need.support_count) == (org_tree.resident_person, Need.Channel.SELF, 1)
    stored = [Image.open(p.image.path) for p in need.photos.all()]
    assert [im.format for im in stored] == ["JPEG", "JPEG"]
    assert all(not im.getexif() for im in stored)  # re-encoded without EXIF
    page = text_of(client.get(response["Location"]))
    assert "小区路灯坏了" in page and reverse("needs:photo", args=[need.pk, need.photos.first().pk]) in page
    picture = client.get(reverse("needs:photo", args=[need.pk, need.photos.first().pk]))
    assert picture.status_code == 200 and picture["Content-Type"] == "image/jpeg"


def _not_a_photo():
    return SimpleUploadedFile("fake.jpg", b"<html>not an image</html>", content_type="image/jpeg")


def _big_photo():
    noise = Image.effect_noise((2600, 2600), 128).convert("RGB")
    out = io.BytesIO()
    noise.save(out, "PNG")
    assert out.tell() > 5 * 1024 * 1024
    return SimpleUploadedFile("big.png", out.getvalue(), content_type="image/png")


@pytest.mark.parametrize(("overrides", "message"), [
    ({"text": "灯"}, "at least 4"),
    ({"category": "999999"}, "Select a valid choice"),
    ({"place": "point"}, "Needed for a point on the map"),
    ({"place": "point", "latitude": "95", "longitude": "114.3"}, "less than or equal to 90"),
    ({"place": "node"}, "Choose the building or hamlet"),
    ({"photos": "not_a_photo"}, "This file is not a photo"),
    ({"photos": "ten"}, "At most 9 photos"),
    ({"photos": "big"}, "5 MB or smaller"),
])
def test_bad_input_answers_400_with_a_message_and_writes_nothing(client, signed_in, cast, category, overrides,
                                                                   message):
    signed_in(cast["resident"])
    photos = overrides.pop("photos", None)
    data = need_form(category, **overrides)
    if photos == "not_a_photo":
        data["photos"] = [_not_a_photo()]
    elif photos == "ten":
        data["photos"] = [photo(f"{i}.jpg") for i in range(10)]
    elif photos == "big":
        data["photos"] = [_big_photo()]
    before = writes()
    response = client.post(reverse("needs:raise"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert message in text_of(response)
    assert writes() == before


def test_a_node_of_another_community_is_not_a_choice(client, signed_in, cast, org_tree, category):
    signed_in(cast["resident"])
    before = writes()
    response = client.post(reverse("needs:raise"), need_form(category, place="node", node=org_tree.neighbour_grid.pk))
    assert response.status_code == 400
    assert writes() == before


def test_support_from_the_detail_page_and_from_a_suggestion(client, signed_in, cast, org_tree, category, neighbours):
    need = raise_need(head(neighbours[0]), category, text="我们小区的路灯晚上不亮")
    signed_in(cast["resident"])
    detail = text_of(client.get(reverse("needs:detail", args=[need.pk])))
    assert reverse("needs:support", args=[need.pk]) in detail
    response = client.post(reverse("needs:support", args=[need.pk]))
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.support_count == 2
    again = client.post(reverse("needs:support", args=[need.pk]), HTTP_HX_REQUEST="true")
    assert again.status_code == 200 and "<html" not in text_of(again)
    need.refresh_from_db()
    assert need.support_count == 2
    other = raise_need(head(neighbours[1]), category, text="楼道堆放杂物")
    fragment = client.post(reverse("needs:support", args=[other.pk]), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "✓" in text_of(fragment)
    assert Support.objects.filter(need=other, household=org_tree.household).exists()


def test_individual_needs_stay_with_their_household(client, signed_in, cast, org_tree, category, neighbours):
    private = raise_need(head(neighbours[0]), category, text="家里老人需要助餐服务")
    services.need_transition(actor=cast["cadre"], need=private, status=S.ACCEPTED, assigned_node=org_tree.grid,
                             scope=Need.Scope.INDIVIDUAL)
    signed_in(cast["resident"])
    assert client.get(reverse("needs:detail", args=[private.pk])).status_code == 404
    assert "助餐" not in text_of(client.get(reverse("needs:suggest"), {"text": "老人需要助餐"}))


def test_messages_list_and_mark_read(client, signed_in, cast, org_tree, category):
    need = raise_need(org_tree.resident_person, category)
    services.need_transition(actor=cast["cadre"], need=need, status=S.DECLINED, note="路灯归市政管理")
    signed_in(cast["resident"])
    page = text_of(client.get(reverse("needs:messages")))
    assert reverse("needs:detail", args=[need.pk]) in page and reverse("needs:messages-read") in page
    assert "路灯归市政管理" in text_of(client.get(reverse("needs:detail", args=[need.pk])))
    response = client.post(reverse("needs:messages-read"))
    assert response.status_code == 302
    assert not Message.objects.filter(user=cast["resident"], read_at__isnull=True).exists()


def test_someone_without_a_household_is_told_so(client, signed_in, cast):
    signed_in(cast["cadre"])
    for name in ("needs:home", "needs:raise"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "not linked to a household" in text_of(client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en"))
    assert client.post(reverse("needs:raise"), {"text": "小区路灯坏了"}).status_code == 200
    assert not Need.objects.exists()


# --- staff: the community list ---------------------------------------------------------------------

def test_community_list_as_cadre_and_404_elsewhere(client, signed_in, cast, org_tree, category, neighbours):
    raise_need(head(neighbours[0]), category, text="小区路灯坏了")
    raise_need(head(neighbours[1]), category, text="我们小区的路灯晚上不亮")
    signed_in(cast["cadre"])
    response = client.get(reverse("needs_staff:list", args=[org_tree.community.pk]))
    page = text_of(response)
    assert response.status_code == 200
    assert "小区路灯坏了" in page and "最大公约数" in page
    assert client.get(reverse("needs_staff:list", args=[org_tree.neighbour.pk])).status_code == 404
    signed_in(cast["grid_worker"])
    assert client.get(reverse("needs_staff:list", args=[org_tree.grid.pk])).status_code == 200
    assert client.get(reverse("needs_staff:list", args=[org_tree.community.pk])).status_code == 404
    signed_in(cast["street_official"])
    street = text_of(client.get(reverse("needs_staff:list", args=[org_tree.street.pk])))
    assert reverse("needs_staff:list", args=[org_tree.community.pk]) in street  # the communities table


def test_a_large_cluster_shows_five_similar_needs_and_how_many_more(client, signed_in, cast, org_tree, category,
                                                                    neighbours):
    for n in range(8):
        raise_need(head(neighbours[n]), category, text=f"小区{n}号楼的路灯晚上不亮")
    signed_in(cast["cadre"])
    page = text_of(client.get(reverse("needs_staff:list", args=[org_tree.community.pk])))
    clusters = page.split('class="cluster-members"')[1].split("</ul>")[0]
    assert clusters.count("<a href=") == 5
    assert "另有2条类似需求" in clusters
    english = text_of(client.get(reverse("needs_staff:list", args=[org_tree.community.pk]),
                                 HTTP_ACCEPT_LANGUAGE="en"))
    assert "and 2 more similar needs" in english


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_community_list_query_count_does_not_grow_with_the_needs(client, signed_in, cast, org_tree, category,
                                                                 neighbours):
    people = [head(h) for h in neighbours]
    texts = ["小区路灯坏了", "楼道堆放杂物", "下水道堵了", "希望增加停车位", "健身器材坏了"]
    for i in range(5):
        raise_need(people[i], category, text=texts[i])
    signed_in(cast["cadre"])
    url = reverse("needs_staff:list", args=[org_tree.community.pk])
    client.get(url)  # warm caches (session, content types)
    few = _list_queries(client, url)
    for i in range(35):
        raise_need(people[i % 10], category, text=f"{texts[i % 5]}（第{i}次反映）")
    client.get(url)  # the new needs made the cached 最大公约数 stale: computed again (two queries), once
    many = _list_queries(client, url)
    assert many == few
    assert _list_queries(client, url + "?order=support") == few


def test_show_more_pages_by_keyset(client, signed_in, cast, org_tree, category, neighbours):
    people = [head(h) for h in neighbours]
    made = [raise_need(people[i % 10], category, text=f"第{i}号需求请处理") for i in range(35)]
    signed_in(cast["cadre"])
    url = reverse("needs_staff:list", args=[org_tree.community.pk])
    page = text_of(client.get(url))
    cursor = re.search(r"before=(\d+\.\d+)", page)[1]
    more = client.get(url, {"before": cursor, "order": "new"}, HTTP_HX_REQUEST="true")
    rows = text_of(more)
    assert more.status_code == 200 and "<html" not in rows
    shown = [int(n) for n in re.findall(r"/staff/needs/(\d+)/", rows)]
    assert shown == [n.pk for n in sorted(made, key=lambda n: -n.pk)[30:]]
    assert client.get(url, {"before": "x'; drop"}).status_code == 200  # a bad cursor is ignored


# --- staff: one need ----------------------------------------------------------------------------------

def test_triage_accepts_and_declines_with_a_reason(client, signed_in, cast, org_tree, category):
    need = raise_need(org_tree.resident_person, category)
    signed_in(cast["grid_worker"])
    url = reverse("needs_staff:triage", args=[need.pk])
    detail = text_of(client.get(reverse("needs_staff:detail", args=[need.pk])))
    assert url in detail and reverse("needs_staff:merge", args=[need.pk]) not in detail  # no merge right
    before = writes()
    response = client.post(url, {"status": "accepted", "note": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "Say who handles it" in text_of(response)
    response = client.post(url, {"status": "declined", "note": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "Say why the need is declined" in text_of(response)
    response = client.post(url, {"status": "resolved", "note": "ok"})  # not allowed from "received"
    assert response.status_code == 400
    assert writes() == before
    need.refresh_from_db()
    assert need.status == S.RECEIVED
    response = client.post(url, {"status": "accepted", "assigned_node": org_tree.grid.pk,
                                 "assigned_to": cast["grid_worker"].pk, "scope": "common", "note": "本周内修"})
    assert response.status_code == 302
    need.refresh_from_db()
    assert (need.status, need.assigned_node, need.assigned_to, need.scope) == (
        S.ACCEPTED, org_tree.grid, cast["grid_worker"], "common")
    signed_in(cast["neighbour_cadre"])
    assert client.post(url, {"status": "declined", "note": "不管"}).status_code == 404


def test_merge_page_offers_similar_needs_and_merges(client, signed_in, cast, org_tree, category, neighbours):
    source = raise_need(org_tree.resident_person, category, text="小区路灯坏了")
    target = raise_need(head(neighbours[0]), category, text="我们小区的路灯晚上不亮")
    raise_need(head(neighbours[1]), category, text="楼道堆放杂物")
    signed_in(cast["cadre"])
    url = reverse("needs_staff:merge", args=[source.pk])
    page = text_of(client.get(url))
    assert "我们小区的路灯晚上不亮" in page and "楼道堆放杂物" not in page
    before = writes()
    assert client.post(url, {"target": "999999"}).status_code == 400
    assert writes() == before
    response = client.post(url, {"target": target.pk})
    assert response.status_code == 302 and response["Location"] == reverse("needs_staff:detail", args=[target.pk])
    source.refresh_from_db()
    target.refresh_from_db()
    assert (source.status, source.merged_into, target.support_count) == (S.MERGED, target, 2)
    assert client.get(url).status_code == 404  # merged: nothing more to merge


# --- staff: recording for a resident ------------------------------------------------------------------

def test_household_page_links_to_recording_a_need(client, signed_in, cast, org_tree):
    link = reverse("needs_staff:record", args=[org_tree.household.pk])
    signed_in(cast["grid_worker"])
    assert link in text_of(client.get(reverse("orgs:household", args=[org_tree.household.pk])))
    signed_in(cast["street_official"])
    assert link not in text_of(client.get(reverse("orgs:household", args=[org_tree.household.pk])))


def test_link_head_records_a_need_with_a_slip_photo(client, signed_in, cast, org_tree, category):
    signed_in(cast["link_head"])
    url = reverse("needs_staff:record", args=[org_tree.household.pk])
    page = text_of(client.get(url))
    assert "张*明" in page and "张小明" not in page  # members masked
    response = client.post(url, {**need_form(category), "person": org_tree.resident_person.pk,
                                 "consent_method": "slip", "consent_slip": photo("slip.jpg")})
    need = Need.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:household", args=[org_tree.household.pk])  # no needs.view
    assert (need.recorded_by, need.channel, need.consent_method) == (cast["link_head"], "proxy", "slip")
    event = AuditEvent.objects.get(action="need.raised")
    assert (event.actor_id, event.on_behalf_of_id) == (cast["link_head"].pk, org_tree.resident_person.pk)


@pytest.mark.parametrize("data", [
    {"consent_method": ""},
    {"consent_method": "slip"},  # no photo of the slip
    {"consent_method": "slip", "consent_slip": "fake"},
    {"consent_method": "sms", "person": "spouse"},  # no phone
    {"person": ""},
])
def test_recording_without_consent_answers_400_and_writes_nothing(client, signed_in, cast, org_tree, category,
                                                                  data):
    signed_in(cast["grid_worker"])
    data = {**need_form(category), "person": org_tree.resident_person.pk, **data}
    if data.get("person") == "spouse":
        data["person"] = org_tree.household.members.get(relation="spouse").pk
    if data.get("consent_slip") == "fake":
        data["consent_slip"] = _not_a_photo()
    before = writes()
    response = client.post(reverse("needs_staff:record", args=[org_tree.household.pk]), data)
    assert response.status_code == 400
    assert "⚠" in text_of(response)
    assert writes() == before


def test_sms_consent_sends_a_code_and_the_worker_types_it_back(client, signed_in, cast, org_tree, category,
                                                               django_capture_on_commit_callbacks):
    signed_in(cast["grid_worker"])
    LocmemSmsBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("needs_staff:record", args=[org_tree.household.pk]), {
            **need_form(category), "person": org_tree.resident_person.pk, "consent_method": "sms"})
    need = Need.objects.get()
    consent_url = reverse("needs_staff:consent", args=[need.pk])
    assert response.status_code == 302 and response["Location"] == consent_url
    [(phone, sms)] = LocmemSmsBackend.outbox
    code = re.search(r"\d{6}", sms)[0]
    assert phone == "+8613800138000"
    page = text_of(client.get(consent_url))
    assert "138****8000" in page
    wrong = "000000" if code != "000000" else "111111"
    bad = client.post(consent_url, {"code": wrong})
    assert bad.status_code == 400
    need.refresh_from_db()
    assert need.consent_confirmed_at is None
    assert client.post(consent_url, {"code": "12"}).status_code == 400
    ok = client.post(consent_url, {"code": code})
    assert ok.status_code == 302 and ok["Location"] == reverse("needs_staff:detail", args=[need.pk])
    need.refresh_from_db()
    assert need.consent_confirmed_at is not None
    event = AuditEvent.objects.get(action="need.consent_confirmed")
    assert (event.actor_id, event.on_behalf_of_id) == (cast["grid_worker"].pk, org_tree.resident_person.pk)


# --- staff: campaigns and the weekly report ---------------------------------------------------------

def test_campaign_create_progress_and_a_visit_with_a_need(client, signed_in, cast, org_tree, category, neighbours):
    signed_in(cast["cadre"])
    url = reverse("needs_staff:campaign-create", args=[org_tree.community.pk])
    before = writes()
    bad = client.post(url, {"title": "秋季敲门", "starts_on": "2026-11-30", "ends_on": "2026-11-01"})
    assert bad.status_code == 400 and writes() == before
    response = client.post(url, {"title": "秋季敲门", "starts_on": "2026-11-01", "ends_on": "2026-11-30"})
    campaign = VisitCampaign.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("needs_staff:campaign",
                                                                           args=[campaign.pk])
    signed_in(cast["grid_worker"])
    page = text_of(client.get(reverse("needs_staff:campaign", args=[campaign.pk])))
    visit_url = reverse("needs_staff:visit", args=[campaign.pk, org_tree.household.pk])
    assert "0/11" in page and visit_url in page
    response = client.post(visit_url, {
        "visit-at_home": "on", "visit-special_care": "on", "visit-notes": "老人独居",
        "need-person": org_tree.resident_person.pk, "need-text": "希望楼道装扶手", "need-category": category.pk,
        "need-place": "household", "need-consent_method": "slip", "need-consent_slip": photo("slip.jpg")})
    assert response.status_code == 302
    visit = Visit.objects.get()
    need = Need.objects.get()
    assert (visit.special_care, need.visit, need.channel) == (True, visit, Need.Channel.VISIT)
    page = text_of(client.get(reverse("needs_staff:campaign", args=[campaign.pk])))
    assert "1/11" in page and visit_url not in page
    assert client.post(visit_url, {"visit-at_home": "on"}).status_code == 409
    # A visit without a need; and a need without consent rolls the visit back too.
    second = reverse("needs_staff:visit", args=[campaign.pk, neighbours[0].pk])
    before = writes()
    refused = client.post(second, {"visit-at_home": "on", "need-person": head(neighbours[0]).pk,
                                   "need-text": "想要一个快递柜", "need-category": category.pk})
    assert refused.status_code == 400 and writes() == before
    assert client.post(second, {"visit-at_home": ""}).status_code == 302
    assert Visit.objects.count() == 2 and Need.objects.count() == 1


def test_link_head_sees_their_part_of_a_campaign(client, signed_in, cast, org_tree, neighbours):
    campaign = services.campaign_create(actor=cast["cadre"], node=org_tree.community, title="敲门",
                                        starts_on=datetime.date(2026, 11, 1), ends_on=datetime.date(2026, 11, 30))
    signed_in(cast["link_head"])
    page = text_of(client.get(reverse("needs_staff:campaign", args=[campaign.pk])))
    assert "0/1" in page and neighbours[0].address not in page
    assert client.get(reverse("needs_staff:visit", args=[campaign.pk, neighbours[0].pk])).status_code == 404


def test_weekly_clearance_page(client, signed_in, cast, org_tree, category):
    import time_machine

    with time_machine.travel(datetime.datetime(2026, 11, 2, 9, tzinfo=datetime.UTC), tick=False):
        need = raise_need(org_tree.resident_person, category)
    with time_machine.travel(datetime.datetime(2026, 11, 9, 9, tzinfo=datetime.UTC), tick=False):
        signed_in(cast["cadre"])
        response = client.get(reverse("needs_staff:clearance", args=[org_tree.community.pk]))
    page = text_of(response)
    assert response.status_code == 200
    assert f'data-testid="overdue-{org_tree.grid.pk}">1<' in page
    assert reverse("needs_staff:detail", args=[need.pk]) in page
    signed_in(cast["neighbour_cadre"])
    assert client.get(reverse("needs_staff:clearance", args=[org_tree.community.pk])).status_code == 404


def test_staff_index_and_nav(client, signed_in, cast, org_tree):
    signed_in(cast["cadre"])
    response = client.get(reverse("needs_staff:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("needs_staff:list", args=[org_tree.community.pk])
    page = text_of(client.get(response["Location"]))
    assert reverse("needs_staff:index") in page and reverse("needs_staff:campaigns") in page
    signed_in(cast["link_head"])
    page = text_of(client.get(reverse("needs_staff:index")))
    assert reverse("needs_staff:record", args=[org_tree.household.pk]) in page
    signed_in(cast["resident"])
    assert client.get(reverse("needs_staff:index")).status_code == 403


def test_staff_photo_and_slip(client, signed_in, cast, org_tree, category):
    from django.core.files.base import ContentFile

    need = services.need_raise(actor=cast["grid_worker"], person=org_tree.resident_person, text="家门口路灯坏了",
                               category=category, consent_method="slip",
                               consent_slip=ContentFile(jpeg_bytes(), name="s.jpg"),
                               photos=[ContentFile(jpeg_bytes(), name="p.jpg")])
    signed_in(cast["grid_worker"])
    detail = text_of(client.get(reverse("needs_staff:detail", args=[need.pk])))
    assert reverse("needs_staff:slip", args=[need.pk]) in detail
    assert client.get(reverse("needs_staff:slip", args=[need.pk])).status_code == 200
    photo_url = reverse("needs_staff:photo", args=[need.pk, need.photos.get().pk])
    assert client.get(photo_url).status_code == 200
    signed_in(cast["neighbour_grid_worker"] if "neighbour_grid_worker" in cast else cast["neighbour_cadre"])
    assert client.get(photo_url).status_code == 404
