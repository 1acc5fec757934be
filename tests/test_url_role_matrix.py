"""The URL × role matrix (security.md A-8, A-11, tests 12 and 13).

Every URL pattern of the project is walked from the resolver; each must have an entry in
MATRIX, so a page added without deciding who may open it fails
`test_every_url_pattern_has_a_matrix_entry`. Each entry lists concrete cases (which node,
household or person the URL is built with) and the answer each role must get:

* 200, or a redirect to a named page (the login pages included),
* 403 for a resident on a management page (refused before any object is looked up),
* 404 for an object outside the viewer's subtree, exactly like a missing one,
* 405 for GET on a POST-only view.
"""

import datetime
import importlib

import pytest
from django.urls import reverse

from cocreate.audit.models import AuditEvent
from cocreate.core.testing import url_entries
from cocreate.core.url_matrix import (
    ANONYMOUS,
    LOGIN,
    MANAGE_GRID,
    MANAGE_NEIGHBOUR_GRID,
    MISSING_ID,
    RESIDENT,
    ROLES,
    STAFF_LOGIN,
    STAFF_ROLES,
    TEL,
    VIEW_COMMUNITY,
    VIEW_NEIGHBOUR,
    Case,
    Redirect,
    everyone,
    staff_page,
)
from cocreate.orgs.models import Household, Person, Role, RoleGrant

pytestmark = pytest.mark.django_db

APP_MATRICES = ("cocreate.meetings.tests.url_matrix", "cocreate.decisions.tests.url_matrix",
                "cocreate.projects.tests.url_matrix", "cocreate.funds.tests.url_matrix",
                "cocreate.partners.tests.url_matrix", "cocreate.api.tests.url_matrix")


def _app_matrices() -> list:
    return [importlib.import_module(name) for name in APP_MATRICES]


MATRIX: dict[str, list[Case]] = {
    "core:home": [Case("start", expect={
        ANONYMOUS: LOGIN, RESIDENT: Redirect("residents:home"),
        **dict.fromkeys(STAFF_ROLES, Redirect("orgs:console"))})],
    "core:health": [Case("public", expect=everyone(200))],
    "core:robots": [Case("public", expect=everyone(200))],
    "accounts:login": [Case("public", expect=everyone(200))],
    # The code page needs the phone typed on the first page of this same session.
    "accounts:login-code": [Case("without a phone", expect=everyone(LOGIN))],
    "accounts:staff-login": [Case("public", expect=everyone(200))],
    "accounts:staff-verify": [Case("second step", expect={
        ANONYMOUS: STAFF_LOGIN, RESIDENT: Redirect("core:home"), **dict.fromkeys(STAFF_ROLES, 200)})],
    "accounts:logout": [Case("POST only", expect=everyone(405))],
    "accounts:elder-mode": [Case("POST only", expect=everyone(405))],
    "accounts:set-language": [Case("POST only", expect=everyone(405))],
    "accounts:password-change": [Case("staff only", expect={
        ANONYMOUS: STAFF_LOGIN, RESIDENT: 404, **dict.fromkeys(STAFF_ROLES, 200)})],
    "accounts:totp-setup": [Case("own device", expect=staff_page(*STAFF_ROLES))],
    "residents:home": [Case("own home", expect={ANONYMOUS: LOGIN, **dict.fromkeys(ROLES[1:], 200)})],
    "residents:call": [
        # The 联户长 linked to the resident's household (the link_head account is that person).
        Case("own 联户长", {"person_id": "leader"}, {
            ANONYMOUS: LOGIN, **dict.fromkeys(ROLES[1:], 404), RESIDENT: TEL, "link_head": TEL}),
        Case("someone else", {"person_id": "neighbour_person"}, {ANONYMOUS: LOGIN, **dict.fromkeys(ROLES[1:], 404)}),
    ],
    "audit:list": [Case("audit trail", expect=staff_page("street_official", "county_official", "audit_admin"))],
    "orgs:console": [Case("start", expect={
        **staff_page("link_head", "audit_admin", "security_admin"),
        "grid_worker": Redirect("orgs:node", "grid"),
        "neighbour_grid_worker": Redirect("orgs:node", "neighbour_grid"),
        "cadre": Redirect("orgs:node", "community"),
        "neighbour_cadre": Redirect("orgs:node", "neighbour"),
        "street_official": Redirect("orgs:node", "street"),
        "county_official": Redirect("orgs:node", "county"),
        "platform_admin": Redirect("orgs:node", "county"),
    })],
    "orgs:node": [
        Case("community", {"node_id": "community"}, staff_page(*VIEW_COMMUNITY)),
        Case("neighbour", {"node_id": "neighbour"}, staff_page(*VIEW_NEIGHBOUR)),
        Case("grid", {"node_id": "grid"}, staff_page("grid_worker", *VIEW_COMMUNITY)),
        Case("neighbour grid", {"node_id": "neighbour_grid"}, staff_page("neighbour_grid_worker", *VIEW_NEIGHBOUR)),
        Case("street", {"node_id": "street"}, staff_page("street_official", "county_official", "platform_admin")),
        Case("missing", {"node_id": MISSING_ID}, staff_page()),
    ],
    "orgs:household-create": [
        Case("grid", {"node_id": "grid"}, staff_page(*MANAGE_GRID)),
        Case("neighbour grid", {"node_id": "neighbour_grid"}, staff_page(*MANAGE_NEIGHBOUR_GRID)),
    ],
    "orgs:household-export": [
        Case("community", {"node_id": "community"}, staff_page("cadre", "street_official", "county_official")),
        Case("neighbour", {"node_id": "neighbour"},
             staff_page("neighbour_cadre", "street_official", "county_official")),
    ],
    "orgs:household-import": [
        Case("community", {"node_id": "community"}, staff_page("cadre", "platform_admin")),
        Case("neighbour", {"node_id": "neighbour"}, staff_page("neighbour_cadre", "platform_admin")),
    ],
    "orgs:import-template": [
        Case("community", {"node_id": "community"}, staff_page("cadre", "platform_admin")),
        Case("neighbour", {"node_id": "neighbour"}, staff_page("neighbour_cadre", "platform_admin")),
    ],
    "orgs:household": [
        Case("in the grid", {"household_id": "household"}, staff_page("link_head", "grid_worker", *VIEW_COMMUNITY)),
        Case("neighbour's", {"household_id": "neighbour_household"},
             staff_page("neighbour_grid_worker", *VIEW_NEIGHBOUR)),
        Case("missing", {"household_id": MISSING_ID}, staff_page()),
    ],
    **{
        name: [
            Case("in the grid", {"household_id": "household"}, staff_page(*MANAGE_GRID)),
            Case("neighbour's", {"household_id": "neighbour_household"}, staff_page(*MANAGE_NEIGHBOUR_GRID)),
        ]
        for name in ("orgs:household-edit", "orgs:household-move", "orgs:member-add")
    },
    "orgs:person-edit": [
        Case("in the grid", {"person_id": "resident_person"}, staff_page(*MANAGE_GRID)),
        Case("neighbour's", {"person_id": "neighbour_person"}, staff_page(*MANAGE_NEIGHBOUR_GRID)),
        Case("missing", {"person_id": MISSING_ID}, staff_page()),
    ],
    "orgs:reveal-phone": [Case("POST only", {"person_id": "resident_person"}, staff_page(others=405))],
    # --- needs (决策共谋): resident pages under /me/needs/, staff pages under /staff/needs/ ---
    **{
        name: [Case("own pages", expect={ANONYMOUS: LOGIN, **dict.fromkeys(ROLES[1:], 200)})]
        for name in ("needs:home", "needs:raise", "needs:suggest", "needs:messages")
    },
    "needs:messages-read": [Case("POST only", expect={ANONYMOUS: LOGIN, **dict.fromkeys(ROLES[1:], 405)})],
    # A resident sees the needs of their own community (the 联户长 lives in the same household).
    "needs:detail": [
        Case("own community", {"need_id": "need"}, {
            ANONYMOUS: LOGIN, **dict.fromkeys(ROLES[1:], 404), RESIDENT: 200, "link_head": 200}),
        Case("neighbour community", {"need_id": "neighbour_need"}, {ANONYMOUS: LOGIN, **dict.fromkeys(ROLES[1:], 404)}),
        Case("missing", {"need_id": MISSING_ID}, {ANONYMOUS: LOGIN, **dict.fromkeys(ROLES[1:], 404)}),
    ],
    "needs:support": [Case("POST only", {"need_id": "need"}, {ANONYMOUS: LOGIN, **dict.fromkeys(ROLES[1:], 405)})],
    "needs:photo": [
        Case("own community", {"need_id": "need", "photo_id": "photo"}, {
            ANONYMOUS: LOGIN, **dict.fromkeys(ROLES[1:], 404), RESIDENT: 200, "link_head": 200}),
        Case("photo of another need", {"need_id": "neighbour_need", "photo_id": "photo"},
             {ANONYMOUS: LOGIN, **dict.fromkeys(ROLES[1:], 404)}),
    ],
    "needs_staff:index": [Case("start", expect={
        **staff_page("link_head", "audit_admin", "security_admin"),
        "grid_worker": Redirect("needs_staff:list", "grid"),
        "neighbour_grid_worker": Redirect("needs_staff:list", "neighbour_grid"),
        "cadre": Redirect("needs_staff:list", "community"),
        "neighbour_cadre": Redirect("needs_staff:list", "neighbour"),
        "street_official": Redirect("needs_staff:list", "street"),
        "county_official": Redirect("needs_staff:list", "county"),
        "platform_admin": Redirect("needs_staff:list", "county"),
    })],
    **{
        name: [
            Case("community", {"node_id": "community"}, staff_page(*VIEW_COMMUNITY)),
            Case("grid", {"node_id": "grid"}, staff_page("grid_worker", *VIEW_COMMUNITY)),
            Case("neighbour", {"node_id": "neighbour"}, staff_page(*VIEW_NEIGHBOUR)),
            Case("missing", {"node_id": MISSING_ID}, staff_page()),
        ]
        for name in ("needs_staff:list", "needs_staff:clearance")
    },
    "needs_staff:campaign-create": [
        Case("community", {"node_id": "community"}, staff_page("cadre")),
        Case("grid", {"node_id": "grid"}, staff_page("cadre")),
        Case("neighbour", {"node_id": "neighbour"}, staff_page("neighbour_cadre")),
    ],
    # Recording for a resident: grid worker and cadre in their subtree, a 联户长 for linked households.
    "needs_staff:record": [
        Case("linked household", {"household_id": "household"}, staff_page("link_head", "grid_worker", "cadre")),
        Case("neighbour's", {"household_id": "neighbour_household"},
             staff_page("neighbour_grid_worker", "neighbour_cadre")),
        Case("missing", {"household_id": MISSING_ID}, staff_page()),
    ],
    "needs_staff:detail": [
        Case("in the grid", {"need_id": "need"}, staff_page("grid_worker", *VIEW_COMMUNITY)),
        Case("neighbour's", {"need_id": "neighbour_need"}, staff_page("neighbour_grid_worker", *VIEW_NEIGHBOUR)),
        Case("missing", {"need_id": MISSING_ID}, staff_page()),
    ],
    "needs_staff:photo": [
        Case("in the grid", {"need_id": "need", "photo_id": "photo"}, staff_page("grid_worker", *VIEW_COMMUNITY)),
        Case("photo of another need", {"need_id": "neighbour_need", "photo_id": "photo"}, staff_page()),
    ],
    "needs_staff:slip": [
        Case("slip consent", {"need_id": "slip_need"}, staff_page("grid_worker", *VIEW_COMMUNITY)),
        Case("no slip", {"need_id": "need"}, staff_page()),
    ],
    "needs_staff:triage": [Case("POST only", {"need_id": "need"}, staff_page(others=405))],
    "needs_staff:merge": [
        Case("in the grid", {"need_id": "need"}, staff_page("cadre")),
        Case("neighbour's", {"need_id": "neighbour_need"}, staff_page("neighbour_cadre")),
    ],
    "needs_staff:consent": [
        Case("waiting for the SMS code", {"need_id": "sms_need"}, staff_page("link_head", "grid_worker", "cadre")),
        Case("slip consent", {"need_id": "slip_need"}, staff_page()),
    ],
    "needs_staff:campaigns": [Case("own area", expect=staff_page(*STAFF_ROLES))],
    "needs_staff:campaign": [
        Case("community campaign", {"campaign_id": "campaign"}, staff_page(
            "link_head", "grid_worker", "cadre", "street_official", "county_official", "platform_admin")),
        Case("missing", {"campaign_id": MISSING_ID}, staff_page()),
    ],
    "needs_staff:visit": [
        Case("household in the area", {"campaign_id": "campaign", "household_id": "household"},
             staff_page("link_head", "grid_worker", "cadre")),
        Case("household outside the area", {"campaign_id": "campaign", "household_id": "neighbour_household"},
             staff_page()),
    ],
}

for _module in _app_matrices():
    assert not MATRIX.keys() & _module.MATRIX.keys(), f"{_module.__name__} repeats matrix entries"
    MATRIX |= _module.MATRIX

CASES = [(name, case) for name, cases in MATRIX.items() for case in cases]


# --- the world the matrix is played in -----------------------------------------------------

@pytest.fixture
def world(org_tree, cast, settings, tmp_path):
    """The fixture tree and cast, plus a grid worker of the neighbouring grid, a system
    administrator, and a phone for the 联户长 (so that residents can dial them)."""
    from cocreate.orgs import services

    settings.MEDIA_ROOT = tmp_path / "media"  # photos and slips of the needs below
    leader = Person.objects.get(user=cast["link_head"])
    services.person_update(actor=None, person=leader, data={"phone": "13600136000"})
    objects = {
        "county": org_tree.county, "street": org_tree.street, "community": org_tree.community,
        "neighbour": org_tree.neighbour, "grid": org_tree.grid, "neighbour_grid": org_tree.neighbour_grid,
        "household": org_tree.household, "neighbour_household": org_tree.neighbour_household,
        "resident_person": org_tree.resident_person, "leader": leader,
        "neighbour_person": org_tree.neighbour_household.members.get(),
    }
    users = {
        **cast,
        "neighbour_grid_worker": _staff("gridworker2", org_tree.neighbour_grid, Role.GRID_WORKER),
        "platform_admin": _staff("sysadmin", org_tree.county, Role.PLATFORM_ADMIN),
    }
    objects |= _needs_world(objects, cast)
    for module in _app_matrices():
        objects |= module.world(objects, users)
    return {"objects": objects, "users": users}


def _needs_world(objects, cast) -> dict:
    """A need with a photo in the grid, one in the neighbouring community, two recorded for the
    resident by the grid worker (SMS consent pending, signed slip), and a community campaign."""
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    from cocreate.needs import services as needs
    from cocreate.needs.models import Category

    def jpeg() -> ContentFile:
        out = io.BytesIO()
        Image.new("RGB", (8, 8), "gray").save(out, "JPEG")
        return ContentFile(out.getvalue(), name="photo.jpg")

    category = Category.objects.get_or_create(code="lighting", defaults={"name": "路灯照明", "name_en": "Lighting"})[0]
    resident, worker = objects["resident_person"], cast["grid_worker"]
    need = needs.need_raise(actor=cast["resident"], person=resident, text="小区路灯坏了", category=category,
                            photos=[jpeg()])
    return {
        "need": need, "photo": need.photos.get(),
        "neighbour_need": needs.need_raise(actor=None, person=objects["neighbour_person"], text="楼道堆放杂物",
                                           category=category),
        "sms_need": needs.need_raise(actor=worker, person=resident, text="家门口下水道堵了", category=category,
                                     consent_method="sms"),
        "slip_need": needs.need_raise(actor=worker, person=resident, text="想申请助老餐", category=category,
                                      consent_method="slip", consent_slip=jpeg()),
        "campaign": needs.campaign_create(actor=cast["cadre"], node=objects["community"], title="秋季敲门行动",
                                          starts_on=datetime.date(2026, 11, 1), ends_on=datetime.date(2026, 11, 30)),
    }


def _staff(username, node, role):
    from cocreate.accounts.services import staff_user_create

    user = staff_user_create(actor=None, username=username, password="Matrix#Pass2026", display_name=username)
    RoleGrant.objects.create(user=user, node=node, role=role)
    return user


def _pk(world, ref) -> int:
    return ref if isinstance(ref, int) else world["objects"][ref].pk


def _outcome(response, world):
    """The answer in the matrix's vocabulary, to compare with the expected one."""
    if response.status_code != 302:
        return response.status_code
    location = response["Location"]
    if location.startswith("tel:"):
        return TEL
    path = location.split("?")[0]
    for expected in _redirects():
        args = [_pk(world, expected.obj)] if expected.obj else []
        if path == reverse(expected.to, args=args):
            return expected
    return f"302→{location}"


def _redirects() -> set[Redirect]:
    return {o for case in (c for _, c in CASES) for o in case.expect.values() if isinstance(o, Redirect)}


def _act_as(client, signed_in, world, role: str) -> None:
    client.logout()
    if role != ANONYMOUS:
        signed_in(world["users"][role])


# --- the tests -----------------------------------------------------------------------------

def test_every_url_pattern_has_a_matrix_entry():
    entries = url_entries()
    unnamed = [e.route for e in entries if not e.name]
    names = {e.name for e in entries}
    assert not unnamed, f"every URL needs a name to be in the matrix: {unnamed}"
    assert not names - MATRIX.keys(), f"URLs without a URL × role matrix entry: {sorted(names - MATRIX.keys())}"
    assert not MATRIX.keys() - names, f"matrix entries for URLs that no longer exist: {sorted(MATRIX.keys() - names)}"


def test_every_case_sets_an_outcome_for_every_role_and_every_url_kwarg():
    params = {e.name: set(e.params) for e in url_entries()}
    for name, case in CASES:
        assert set(case.expect) == set(ROLES), f"{name} [{case.label}] misses roles {set(ROLES) - set(case.expect)}"
        assert set(case.kwargs) == params[name], f"{name} [{case.label}] has kwargs {case.kwargs}"


@pytest.mark.parametrize(("name", "case"), CASES, ids=[f"{name}-{case.label}" for name, case in CASES])
def test_get_answers_every_role_as_the_matrix_says(client, signed_in, world, name, case):
    url = reverse(name, kwargs={k: _pk(world, v) for k, v in case.kwargs.items()})
    wrong = []
    for role in ROLES:
        _act_as(client, signed_in, world, role)
        got = _outcome(client.get(url), world)
        if got != case.expect[role]:
            wrong.append(f"{role}: expected {case.expect[role]}, got {got}")
    assert not wrong, f"GET {url}\n" + "\n".join(wrong)


# --- state-changing requests across the boundary -------------------------------------------

def household_form(address="2栋201", phone="13500135000") -> dict:
    return {
        "address": address, "occupancy": "resident",
        "consent_channel": "staff", "consent_evidence": "", "consent_confirmed": "on",
        "m-TOTAL_FORMS": "1", "m-INITIAL_FORMS": "0", "m-MIN_NUM_FORMS": "1", "m-MAX_NUM_FORMS": "20",
        "m-0-name": "钱多多", "m-0-relation": "head", "m-0-phone": phone, "m-0-gender": "", "m-0-birth_year": "",
    }


def test_grid_worker_registers_a_household_in_their_own_grid(client, signed_in, world):
    signed_in(world["users"]["grid_worker"])
    grid = world["objects"]["grid"]
    response = client.post(reverse("orgs:household-create", args=[grid.pk]), household_form())
    household = Household.objects.get(address="2栋201")
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:household", args=[household.pk])
    assert household.node == grid


@pytest.mark.parametrize(("role", "node"), [
    ("grid_worker", "neighbour_grid"),
    ("cadre", "neighbour_grid"),
    ("neighbour_grid_worker", "grid"),
    ("neighbour_cadre", "grid"),
    ("street_official", "grid"),  # sees the grid, may not register in it
    ("link_head", "grid"),
    ("audit_admin", "grid"),
])
def test_household_create_in_a_forbidden_node_is_404_and_creates_nothing(client, signed_in, world, role, node):
    signed_in(world["users"][role])
    households, people, events = Household.objects.count(), Person.objects.count(), AuditEvent.objects.count()
    response = client.post(reverse("orgs:household-create", args=[world["objects"][node].pk]), household_form())
    assert response.status_code == 404
    assert (Household.objects.count(), Person.objects.count()) == (households, people)
    assert AuditEvent.objects.count() == events


WRITES = {
    "orgs:household-edit": ("household", {"address": "被改的地址", "occupancy": "vacant"}),
    "orgs:household-move": ("household", {"to_node": "neighbour_grid"}),
    "orgs:member-add": ("household", {"name": "钱多多", "relation": "child", "consent_channel": "staff",
                                      "consent_confirmed": "on"}),
    "orgs:person-edit": ("resident_person", {"name": "改名", "relation": "head", "clear_phone": "on"}),
    "orgs:reveal-phone": ("resident_person", {"reason": "想打个电话"}),
}


def _snapshot(world) -> tuple:
    household, person = world["objects"]["household"], world["objects"]["resident_person"]
    household.refresh_from_db()
    person.refresh_from_db()
    return (household.address, household.occupancy, household.node_id, household.member_count,
            person.name, person.phone_enc, Person.objects.count(), AuditEvent.objects.count())


@pytest.mark.parametrize("name", WRITES)
@pytest.mark.parametrize("role", ["neighbour_cadre", "neighbour_grid_worker"])
def test_writes_on_the_neighbouring_community_answer_404_and_change_nothing(client, signed_in, world, name, role):
    obj, data = WRITES[name]
    data = {k: (world["objects"][v].pk if v in world["objects"] else v) for k, v in data.items()}
    signed_in(world["users"][role])
    before = _snapshot(world)
    response = client.post(reverse(name, args=[world["objects"][obj].pk]), data)
    assert response.status_code == 404
    assert _snapshot(world) == before


def test_grid_worker_cannot_move_a_household_into_the_neighbouring_grid(client, signed_in, world):
    signed_in(world["users"]["grid_worker"])
    household = world["objects"]["household"]
    before = _snapshot(world)
    response = client.post(reverse("orgs:household-move", args=[household.pk]),
                           {"to_node": world["objects"]["neighbour_grid"].pk})
    assert response.status_code == 400
    assert _snapshot(world) == before
