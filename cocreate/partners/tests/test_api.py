"""The partners endpoints of the JSON API: the pages' rules and services, answered in JSON."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cocreate.api.tests.test_needs_api import NewEvents
from cocreate.partners import services
from cocreate.partners.models import ServiceItem, ServiceOrder

from .conftest import jpeg, user_of

pytestmark = pytest.mark.django_db
S = ServiceOrder.Status


def test_service_list_and_placing_an_order(api, token, cast, item):
    resident = token("resident")
    body = api.get("partners_service_list", token=resident).json()
    assert [i["id"] for i in body["items"]] == [item.pk] and body["next"] is None
    assert body["items"][0]["unit"]["name"] == item.offer.unit.name
    with NewEvents() as events:
        short = api.post("partners_order_place", token=resident, json_body={"item": item.pk, "description": "修"})
        made = api.post("partners_order_place", token=resident, json_body={"item": item.pk,
                                                                             "description": "厨房水管漏水"},
                        headers={"Idempotency-Key": "order-1"})
        again = api.post("partners_order_place", token=resident, json_body={"item": item.pk,
                                                                              "description": "厨房水管漏水"},
                         headers={"Idempotency-Key": "order-1"})
    assert short.status_code == 400 and short.json()["fields"]["description"]
    assert made.status_code == 201 and made.json()["status"] == "placed" and made.json()["mine"]
    assert again["Idempotent-Replayed"] == "true"
    assert events.actions == ["service_order.placed"] and ServiceOrder.objects.count() == 1
    mine = api.get("partners_my_orders", token=resident).json()
    assert [o["id"] for o in mine["items"]] == [made.json()["id"]]


def test_claim_race_over_the_api_the_second_member_gets_409(api, token, order, member, member2):
    first = api.post("partners_order_claim", order_id=order.pk, token=token(user_of(member)))
    assert first.status_code == 200 and first.json()["assigned_to_me"]
    second = api.post("partners_order_claim", order_id=order.pk, token=token(user_of(member2)))
    assert second.status_code == 404  # no longer waiting: not theirs to see
    order.refresh_from_db()
    assert order.member == member


def test_second_claim_while_still_visible_is_a_conflict(api, token, order, member, member2, monkeypatch):
    """Seen as waiting by both (the look-up ran before the other's claim): the locked row decides."""
    from cocreate.partners import selectors

    seen = selectors.resident_order(user_of(member2), order.pk)
    services.order_claim(actor=user_of(member), order=order)
    monkeypatch.setattr(selectors, "resident_order", lambda user, order_id: seen)
    refused = api.post("partners_order_claim", order_id=order.pk, token=token(user_of(member2)), language="en")
    assert refused.status_code == 409 and refused.json()["detail"] == "Someone has already taken this order."


def test_member_accepts_and_completes_with_a_photo_then_the_resident_rates_once(api, token, cast, order, member,
                                                                                  client):
    services.order_dispatch(actor=cast["cadre"], order=order, member=member)
    worker = token(user_of(member))
    tasks = api.get("partners_tasks", token=worker).json()
    assert tasks["member"] and [o["id"] for o in tasks["assigned"]] == [order.pk]
    assert api.post("partners_order_accept", order_id=order.pk, token=worker).json()["status"] == "accepted"
    url = reverse("api:partners_order_complete", kwargs={"order_id": order.pk})
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "gray").save(out, "JPEG")
    headers = {"Authorization": f"Bearer {worker}", "Accept-Language": "en"}
    no_photo = client.post(url, {"minutes": "30"}, headers=headers)
    assert no_photo.status_code == 400 and "photo" in no_photo.json()["fields"]
    done = client.post(url, {"minutes": "30", "note": "好了",
                             "photo": SimpleUploadedFile("d.jpg", out.getvalue(), content_type="image/jpeg")},
                       headers=headers)
    assert done.status_code == 200 and done.json()["minutes"] == 30 and done.json()["has_photo"]
    assert api.post("partners_order_rate", order_id=order.pk, token=worker,
                    json_body={"rating": 5}).status_code == 403
    resident = token("resident")
    assert api.post("partners_order_rate", order_id=order.pk, token=resident,
                    json_body={"rating": 6}).status_code == 422
    rated = api.post("partners_order_rate", order_id=order.pk, token=resident, json_body={"rating": 4})
    assert rated.status_code == 200 and rated.json()["rating"] == 4
    again = api.post("partners_order_rate", order_id=order.pk, token=resident, json_body={"rating": 1})
    assert again.status_code == 409 and ServiceOrder.objects.get(pk=order.pk).rating == 4


def test_a_resident_gets_403_on_staff_endpoints_and_404_outside_scope(api, token, cast, org_tree, order, member):
    resident = token("resident")
    assert api.get("partners_staff_orders", node_id=org_tree.community.pk, token=resident).status_code == 403
    assert api.post("partners_staff_dispatch", order_id=order.pk, token=resident,
                    json_body={"member": member.pk}).status_code == 403
    neighbour = token("neighbour_cadre")
    assert api.get("partners_staff_order", order_id=order.pk, token=neighbour).status_code == 404
    assert api.post("partners_staff_dispatch", order_id=order.pk, token=neighbour,
                    json_body={"member": member.pk}).status_code == 404
    grid = token("grid_worker")
    assert api.get("partners_staff_order", order_id=order.pk, token=grid).json()["can_manage"] is False
    assert api.post("partners_staff_dispatch", order_id=order.pk, token=grid,
                    json_body={"member": member.pk}).status_code == 404
    assert ServiceOrder.objects.get(pk=order.pk).status == S.PLACED


def test_cadre_pairs_offers_lists_dispatches_and_reads_stats(api, token, cast, org_tree, unit, member, category):
    from cocreate.needs import services as needs_services
    from cocreate.orgs.services import partner_unit_register

    hospital = partner_unit_register(actor=None, node=org_tree.county, name="县医院", kind="医院")
    need = needs_services.need_raise(actor=cast["resident"], person=org_tree.resident_person,
                                     text="厨房水管漏水需要维修", category=category)
    cadre, node = token("cadre"), org_tree.community.pk
    with NewEvents() as events:
        paired = api.post("partners_staff_pairing_add", node_id=node, token=cadre,
                          json_body={"unit": hospital.pk, "since": "2025-01-01"})
        twice = api.post("partners_staff_pairing_add", node_id=node, token=cadre,
                         json_body={"unit": hospital.pk, "since": "2025-01-01"})
        offer = api.post("partners_staff_offer_create", node_id=node, token=cadre, json_body={
            "unit": hospital.pk, "title": "上门维修水电", "category": "repair",
            "description": "党员志愿者上门修理水管、电灯"})
    assert paired.status_code == 201 and twice.status_code == 409
    assert offer.status_code == 201 and [s["need"] for s in offer.json()["suggestions"]] == [need.pk]
    assert events.actions == ["partner_unit.paired", "offer.created"]
    listed = api.post("partners_staff_service_publish", offer_id=offer.json()["id"], token=cadre,
                      json_body={"need": need.pk})
    assert listed.status_code == 201 and listed.json()["services"][0]["need"] == need.pk
    item = ServiceItem.objects.get()
    order = services.order_place(actor=cast["resident"], person=org_tree.resident_person, item=item,
                                 description="厨房水管漏水")
    dispatched = api.post("partners_staff_dispatch", order_id=order.pk, token=cadre, json_body={"member": member.pk})
    assert dispatched.status_code == 200 and dispatched.json()["status"] == "dispatched"
    services.order_accept(actor=user_of(member), order=order)
    services.order_complete(actor=user_of(member), order=order, minutes=50, photo=jpeg())
    stats = api.get("partners_staff_stats", node_id=node, token=token("street_official")).json()
    assert stats["members"][0]["minutes"] == 50 and stats["units"][0]["id"] == unit.pk
    listing = api.get("partners_staff_orders", node_id=node, token=cadre, query={"status": "done"}).json()
    assert [o["id"] for o in listing["items"]] == [order.pk]


def test_staff_order_list_pages_by_keyset(api, token, cast, org_tree, item):
    made = [services.order_place(actor=cast["resident"], person=org_tree.resident_person, item=item,
                                 description=f"第{n}张服务单").pk for n in range(5)]
    cadre, seen, cursor = token("cadre"), [], None
    while True:
        body = api.get("partners_staff_orders", node_id=org_tree.community.pk, token=cadre,
                       query={"limit": 2, **({"before": cursor} if cursor else {})}).json()
        seen += [o["id"] for o in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == sorted(made, reverse=True)
