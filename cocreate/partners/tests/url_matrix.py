"""This app's part of the URL × role matrix (see cocreate/core/url_matrix.py), pages and API.

Residents see their community's service list and their own orders; an order is visible to the
resident who placed it (not to the rest of the household: the 联户长 account lives there and gets
404), to the member it is assigned to, and — while it waits — to the dispatched members of its
community. Staff read in their subtree (partners.view); only the community's cadres manage
(partners.manage); placing an order for a resident follows needs' recording for a resident.
POST-only views answer 405 to GET (the API: for everyone, before the caller is checked)."""

import datetime

from cocreate.core.url_matrix import (
    IN_GRID,
    MISSING_ID,
    NOBODY,
    POST_ONLY,
    RESIDENT,
    VIEW_COMMUNITY,
    VIEW_NEIGHBOUR,
    Case,
    Redirect,
    api_signed_in,
    api_staff,
    everyone,
    signed_in_page,
    staff_page,
)

PLACER = {**NOBODY, RESIDENT: 200}
IN_NEIGHBOUR_GRID = ("neighbour_grid_worker", *VIEW_NEIGHBOUR)


def _node_cases(expect) -> list[Case]:
    return [
        Case("community", {"node_id": "community"}, expect(*VIEW_COMMUNITY)),
        Case("grid", {"node_id": "grid"}, expect(*IN_GRID)),
        Case("neighbour", {"node_id": "neighbour"}, expect(*VIEW_NEIGHBOUR)),
        Case("missing", {"node_id": MISSING_ID}, expect()),
    ]


MATRIX: dict[str, list[Case]] = {
    # --- resident pages under /me/services/ ---
    **{name: [Case("own pages", expect=signed_in_page())]
       for name in ("partners:list", "partners:order-new", "partners:orders", "partners:tasks")},
    "partners:order": [
        Case("placed by the resident", {"order_id": "service_order"}, PLACER),
        Case("neighbour community", {"order_id": "neighbour_order"}, NOBODY),
        Case("missing", {"order_id": MISSING_ID}, NOBODY),
    ],
    "partners:photo": [
        Case("done, with a photo", {"order_id": "service_order"}, PLACER),
        Case("no photo", {"order_id": "neighbour_order"}, NOBODY),
    ],
    **{name: [Case("POST only", {"order_id": "service_order"}, POST_ONLY)]
       for name in ("partners:rate", "partners:cancel", "partners:claim", "partners:accept", "partners:decline",
                    "partners:complete")},
    # --- staff pages under /staff/partners/ ---
    "partners_staff:index": [Case("start", expect={
        **staff_page("link_head", "audit_admin", "security_admin"),
        "grid_worker": Redirect("partners_staff:orders", "grid"),
        "neighbour_grid_worker": Redirect("partners_staff:orders", "neighbour_grid"),
        "cadre": Redirect("partners_staff:orders", "community"),
        "neighbour_cadre": Redirect("partners_staff:orders", "neighbour"),
        "street_official": Redirect("partners_staff:orders", "street"),
        "county_official": Redirect("partners_staff:orders", "county"),
        "platform_admin": Redirect("partners_staff:orders", "county"),
    })],
    **{name: _node_cases(staff_page) for name in (
        "partners_staff:orders", "partners_staff:offers", "partners_staff:services", "partners_staff:pairings",
        "partners_staff:stats")},
    "partners_staff:offer": [
        Case("community's offer", {"offer_id": "partner_offer"}, staff_page(*VIEW_COMMUNITY)),
        Case("neighbour's offer", {"offer_id": "neighbour_offer"}, staff_page(*VIEW_NEIGHBOUR)),
        Case("missing", {"offer_id": MISSING_ID}, staff_page()),
    ],
    "partners_staff:order": [
        Case("in the grid", {"order_id": "service_order"}, staff_page(*IN_GRID)),
        Case("neighbour's", {"order_id": "neighbour_order"}, staff_page(*IN_NEIGHBOUR_GRID)),
        Case("missing", {"order_id": MISSING_ID}, staff_page()),
    ],
    "partners_staff:order-photo": [
        Case("done, with a photo", {"order_id": "service_order"}, staff_page(*IN_GRID)),
        Case("no photo", {"order_id": "slip_order"}, staff_page()),
    ],
    "partners_staff:order-slip": [
        Case("placed for the resident", {"order_id": "slip_order"}, staff_page(*IN_GRID)),
        Case("placed by the resident", {"order_id": "service_order"}, staff_page()),
    ],
    "partners_staff:order-for": [
        Case("linked household", {"household_id": "household"}, staff_page("link_head", "grid_worker", "cadre")),
        Case("neighbour's", {"household_id": "neighbour_household"},
             staff_page("neighbour_grid_worker", "neighbour_cadre")),
        Case("missing", {"household_id": MISSING_ID}, staff_page()),
    ],
    "partners_staff:offer-deactivate": [Case("POST only", {"offer_id": "partner_offer"}, staff_page(others=405))],
    "partners_staff:service-withdraw": [Case("POST only", {"item_id": "partner_item"}, staff_page(others=405))],
    **{name: [Case("POST only", {"order_id": "service_order"}, staff_page(others=405))]
       for name in ("partners_staff:dispatch", "partners_staff:order-cancel")},
    "partners_staff:pairing-end": [Case("POST only", {"pairing_id": "partner_pairing"}, staff_page(others=405))],
    # --- the JSON API ---
    **{name: [Case("own account", expect=api_signed_in())]
       for name in ("api:partners_service_list", "api:partners_my_orders", "api:partners_tasks",
                    "api:partners_order_place")},  # order_place: GET lists (same URL)
    "api:partners_order": [
        Case("placed by the resident", {"order_id": "service_order"}, api_signed_in(404, **{RESIDENT: 200})),
        Case("neighbour community", {"order_id": "neighbour_order"}, api_signed_in(404)),
        Case("missing", {"order_id": MISSING_ID}, api_signed_in(404)),
    ],
    **{name: [Case("POST only", {"order_id": "service_order"}, everyone(405))]
       for name in ("api:partners_order_rate", "api:partners_order_cancel", "api:partners_order_claim",
                    "api:partners_order_accept", "api:partners_order_decline", "api:partners_order_complete",
                    "api:partners_staff_dispatch", "api:partners_staff_order_cancel")},
    **{name: _node_cases(api_staff) for name in (
        "api:partners_staff_orders", "api:partners_staff_offers", "api:partners_staff_offer_create",
        "api:partners_staff_services", "api:partners_staff_pairings", "api:partners_staff_pairing_add",
        "api:partners_staff_stats")},  # the POSTs share the GET's URL
    "api:partners_staff_order": [
        Case("in the grid", {"order_id": "service_order"}, api_staff(*IN_GRID)),
        Case("neighbour's", {"order_id": "neighbour_order"}, api_staff(*IN_NEIGHBOUR_GRID)),
        Case("missing", {"order_id": MISSING_ID}, api_staff()),
    ],
    "api:partners_staff_offer": [
        Case("community's offer", {"offer_id": "partner_offer"}, api_staff(*VIEW_COMMUNITY)),
        Case("neighbour's offer", {"offer_id": "neighbour_offer"}, api_staff(*VIEW_NEIGHBOUR)),
        Case("missing", {"offer_id": MISSING_ID}, api_staff()),
    ],
    **{name: [Case("POST only", {"offer_id": "partner_offer"}, everyone(405))]
       for name in ("api:partners_staff_offer_deactivate", "api:partners_staff_service_publish")},
    "api:partners_staff_service_withdraw": [Case("POST only", {"item_id": "partner_item"}, everyone(405))],
    "api:partners_staff_pairing_end": [Case("POST only", {"pairing_id": "partner_pairing"}, everyone(405))],
}


def _jpeg(name: str):
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "gray").save(out, "JPEG")
    return ContentFile(out.getvalue(), name=name)


def world(objects: dict, users: dict) -> dict:
    """A county unit paired with both communities, an offer and a listed service in each; an order
    the resident placed, done by a dispatched member with a photo; one the grid worker placed for
    the resident's spouse with a signed slip; and a waiting order in the neighbouring community."""
    from cocreate.orgs import services as orgs
    from cocreate.partners import services

    unit = orgs.partner_unit_register(actor=None, node=objects["county"], name="县住建局", kind="机关")
    since = datetime.date(2024, 3, 1)
    pairing = orgs.pairing_create(actor=None, unit=unit, community=objects["community"], since=since)
    orgs.pairing_create(actor=None, unit=unit, community=objects["neighbour"], since=since)
    helper = orgs.household_register(actor=None, node=objects["grid"], address="1栋902", occupancy="resident",
                                     members=[{"name": "钱党员", "relation": "head", "is_party_member": True}])
    member = orgs.dispatched_member_register(actor=None, person=helper.members.get(), unit=unit,
                                             home_community=objects["community"], grid=objects["grid"],
                                             reported_at=since)
    offer = services.offer_create(actor=None, unit=unit, community=objects["community"], title="上门维修水电")
    neighbour_offer = services.offer_create(actor=None, unit=unit, community=objects["neighbour"], title="义诊")
    item = services.item_publish(actor=None, offer=offer)
    neighbour_item = services.item_publish(actor=None, offer=neighbour_offer)
    order = services.order_place(actor=users["resident"], person=objects["resident_person"], item=item,
                                 description="厨房水管漏水")
    services.order_dispatch(actor=None, order=order, member=member)
    services.order_accept(actor=None, order=order)
    services.order_complete(actor=None, order=order, minutes=40, photo=_jpeg("done.jpg"))
    spouse = objects["household"].members.get(relation="spouse")
    slip_order = services.order_place(actor=users["grid_worker"], person=spouse, item=item, description="门锁坏了要换",
                                      consent_slip=_jpeg("slip.jpg"))
    neighbour_order = services.order_place(actor=None, person=objects["neighbour_person"], item=neighbour_item,
                                           description="想请医生上门量血压")
    return {
        "partner_unit": unit, "partner_pairing": pairing, "partner_offer": offer, "neighbour_offer": neighbour_offer,
        "partner_item": item, "service_order": order, "slip_order": slip_order, "neighbour_order": neighbour_order,
    }
