"""Partners pages: the resident's journey on the phone pages (order, rate), the member's (claim,
accept, report done with a photo), the cadre's console (offer, list, dispatch, stats), fixed
query counts on the lists."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from cocreate.partners import services
from cocreate.partners.models import ResourceOffer, ServiceItem, ServiceOrder

from .conftest import jpeg, user_of

pytestmark = pytest.mark.django_db
S = ServiceOrder.Status


def _upload(name="done.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    out = io.BytesIO()
    Image.new("RGB", (16, 16), "gray").save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_resident_sees_the_service_list_and_places_an_order(client, signed_in, cast, item):
    signed_in(cast["resident"])
    page = client.get(reverse("partners:list")).content.decode()
    assert item.title in page and f"?item={item.pk}" in page
    form = client.get(reverse("partners:order-new"), {"item": item.pk}).content.decode()
    assert f'<option value="{item.pk}" selected>' in form
    assert client.post(reverse("partners:order-new"), {"item": item.pk, "description": "修"}).status_code == 400
    response = client.post(reverse("partners:order-new"), {"item": item.pk, "description": "厨房水管漏水"})
    made = ServiceOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("partners:order", args=[made.pk])
    assert made.item == item and made.person.user == cast["resident"]
    assert "厨房水管漏水" in client.get(reverse("partners:orders")).content.decode()


def test_member_claims_accepts_and_reports_done_then_the_resident_rates(client, signed_in, cast, order, member):
    signed_in(user_of(member))
    tasks = client.get(reverse("partners:tasks")).content.decode()
    assert reverse("partners:order", args=[order.pk]) in tasks
    assert client.post(reverse("partners:claim", args=[order.pk])).status_code == 302
    assert client.post(reverse("partners:accept", args=[order.pk])).status_code == 302
    complete = reverse("partners:complete", args=[order.pk])
    assert client.post(complete, {"hours": "0", "minutes": "0", "photo": _upload()}).status_code == 400
    assert client.post(complete, {"hours": "1", "minutes": "15"}).status_code == 400  # no photo
    report = {"hours": "1", "minutes": "15", "photo": _upload(), "note": "修好了"}
    assert client.post(complete, report).status_code == 302
    order.refresh_from_db()
    assert order.status == S.DONE and order.minutes == 75
    assert client.get(reverse("partners:photo", args=[order.pk]))["Content-Type"] == "image/jpeg"
    assert client.post(reverse("partners:rate", args=[order.pk]), {"rating": "5"}).status_code == 403
    assert ServiceOrder.objects.get(pk=order.pk).rating is None  # the member may not rate
    client.logout()
    signed_in(cast["resident"])
    page = client.get(reverse("partners:order", args=[order.pk])).content.decode()
    assert 'id="rate-form"' in page
    assert client.post(reverse("partners:rate", args=[order.pk]), {"rating": "9"}).status_code == 400
    assert client.post(reverse("partners:rate", args=[order.pk]), {"rating": "4", "comment": "好"}).status_code == 302
    assert client.post(reverse("partners:rate", args=[order.pk]), {"rating": "1"}).status_code == 302  # refused
    order.refresh_from_db()
    assert order.status == S.RATED and order.rating == 4
    assert 'id="rate-form"' not in client.get(reverse("partners:order", args=[order.pk])).content.decode()


def test_a_resident_who_is_not_a_member_sees_the_notice_and_cannot_claim(client, signed_in, cast, order):
    signed_in(cast["link_head"])
    assert "not registered as a Party member" in client.get(reverse("partners:tasks")).content.decode()
    assert client.post(reverse("partners:claim", args=[order.pk])).status_code == 404  # not theirs to see
    assert ServiceOrder.objects.get(pk=order.pk).status == S.PLACED


def test_cadre_adds_an_offer_lists_it_and_dispatches(client, signed_in, cast, org_tree, unit, pairing, member):
    signed_in(cast["cadre"])
    offers = reverse("partners_staff:offers", args=[org_tree.community.pk])
    assert client.post(offers, {"unit": unit.pk, "title": "", "category": "repair"}).status_code == 400
    response = client.post(offers, {"unit": unit.pk, "title": "上门维修", "category": "repair",
                                    "capacity": "每周六"})
    offer = ResourceOffer.objects.get()
    assert response["Location"] == reverse("partners_staff:offer", args=[offer.pk])
    assert client.post(reverse("partners_staff:offer", args=[offer.pk]), {"title": ""}).status_code == 302
    assert ServiceItem.objects.get().title == "上门维修"
    order = services.order_place(actor=cast["resident"], person=org_tree.resident_person,
                                 item=ServiceItem.objects.get(), description="灯坏了请来修")
    detail = reverse("partners_staff:order", args=[order.pk])
    assert "id_member" in client.get(detail).content.decode()
    assert client.post(reverse("partners_staff:dispatch", args=[order.pk]), {}).status_code == 400
    assert client.post(reverse("partners_staff:dispatch", args=[order.pk]), {"member": member.pk}).status_code == 302
    order.refresh_from_db()
    assert order.status == S.DISPATCHED and order.member == member


def test_grid_worker_reads_but_cannot_manage(client, signed_in, cast, org_tree, order, member, unit):
    signed_in(cast["grid_worker"])
    assert client.get(reverse("partners_staff:order", args=[order.pk])).status_code == 200
    assert "id_member" not in client.get(reverse("partners_staff:order", args=[order.pk])).content.decode()
    assert client.post(reverse("partners_staff:dispatch", args=[order.pk]), {"member": member.pk}).status_code == 404
    assert client.post(reverse("partners_staff:offers", args=[org_tree.community.pk]),
                       {"unit": unit.pk, "title": "义诊", "category": "health"}).status_code == 404
    assert ServiceOrder.objects.get(pk=order.pk).status == S.PLACED and ResourceOffer.objects.count() == 1


def test_grid_worker_places_an_order_for_a_resident_with_a_slip(client, signed_in, cast, org_tree, item):
    signed_in(cast["grid_worker"])
    url = reverse("partners_staff:order-for", args=[org_tree.household.pk])
    spouse = org_tree.household.members.get(relation="spouse")
    data = {"person": spouse.pk, "item": item.pk, "description": "门锁坏了要换", "consent_confirmed": "on"}
    assert client.post(url, data).status_code == 400  # no slip
    assert client.post(url, {**data, "consent_slip": _upload("slip.jpg")}).status_code == 302
    made = ServiceOrder.objects.get()
    assert made.person == spouse and made.recorded_by == cast["grid_worker"]


def test_pairing_page_pairs_and_ends(client, signed_in, cast, org_tree, unit):
    from cocreate.orgs.models import Pairing

    signed_in(cast["cadre"])
    url = reverse("partners_staff:pairings", args=[org_tree.community.pk])
    assert client.post(url, {"unit": unit.pk, "since": "2025-01-01"}).status_code == 302
    pairing = Pairing.objects.get()
    assert unit.name in client.get(url).content.decode()
    assert client.post(reverse("partners_staff:pairing-end", args=[pairing.pk])).status_code == 302
    assert not Pairing.objects.exists()


def test_order_lists_page_by_keyset_with_a_fixed_number_of_queries(
        client, signed_in, cast, org_tree, item, member, django_assert_max_num_queries):
    for n in range(7):
        services.order_place(actor=cast["resident"], person=org_tree.resident_person, item=item,
                             description=f"第{n}张服务单")
    signed_in(cast["cadre"])
    url = reverse("partners_staff:orders", args=[org_tree.community.pk])
    client.get(url)  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        page = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert page.count("第") == 7
    for n in range(40):
        services.order_place(actor=cast["resident"], person=org_tree.resident_person, item=item,
                             description=f"更多的单{n}")
    with django_assert_max_num_queries(len(first)):
        more = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "before=" in more and more.count("partners_staff") == 0


def test_stats_page_shows_hours_per_member(client, signed_in, cast, order, member, org_tree):
    services.order_dispatch(actor=cast["cadre"], order=order, member=member)
    services.order_accept(actor=user_of(member), order=order)
    services.order_complete(actor=user_of(member), order=order, minutes=95, photo=jpeg())
    signed_in(cast["street_official"])
    page = client.get(reverse("partners_staff:stats", args=[org_tree.street.pk])).content.decode()
    assert "1:35" in page and member.unit.name in page
