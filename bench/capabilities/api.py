"""The JSON API's lists (/api/v1/): the first page of a community's needs, topics and ballots
for a resident, and of a community's needs, meetings and ballots for a county official, on the
rows the needs, meetings and ballots modules built (this module adds none). The projects lists
are in projects.py. Signed in with the session, as the web front end does (the mini-program's
bearer token costs the same token look-up instead of the session read).
"""

from bench.loadgen import Request, Scenario

NAME = "api"


def available() -> bool:
    from django.apps import apps

    return all(apps.is_installed(f"cocreate.{app}") for app in ("api", "needs", "meetings", "decisions"))


def generate(scale) -> dict:
    return {"seconds": 0.0, "reused": True}


def fixtures(scale, sessions) -> dict:
    from bench.capabilities.orgs import _root
    from cocreate.orgs.models import Kind, OrgUnit, Person, Role, RoleGrant

    root = _root()
    communities = OrgUnit.objects.in_subtree(root).of_kind(Kind.COMMUNITY).order_by("path")
    community = communities[communities.count() // 2]
    official = sessions.staff_user("bench_county", display_name="规模测试县干部")
    RoleGrant.objects.get_or_create(user=official, node=root, role=Role.COUNTY_OFFICIAL, revoked_at=None)
    heads = Person.objects.in_subtree(community).filter(relation=Person.Relation.HEAD).order_by("id")[: scale.users]
    residents = [sessions.resident_for(person, label=f"bench api resident {i}") for i, person in enumerate(heads)]
    return {
        "community": community.pk,
        "staff_cookies": [sessions.mint(official) for _ in range(scale.users)],
        "resident_cookies": [sessions.mint(user) for user in residents],
    }


def scenarios(t: dict) -> list[Scenario]:
    def as_each(path: str, cookies: list[str]) -> list[Request]:
        return [Request(path, headers={"Cookie": c, "Accept": "application/json"}) for c in cookies]

    staff, residents, community = t["staff_cookies"], t["resident_cookies"], t["community"]
    lists = [
        ("api_needs_resident", "API: my community's needs, resident (first page)", "/api/v1/needs", residents),
        ("api_topics_resident", "API: my community's topics, resident (first page)", "/api/v1/topics", residents),
        ("api_ballots_resident", "API: the ballots I may vote on, resident (first page)", "/api/v1/ballots",
         residents),
        ("api_needs_staff", "API: a community's needs, staff (first page)", f"/api/v1/staff/nodes/{community}/needs",
         staff),
        ("api_meetings_staff", "API: a community's meetings, staff (first page)",
         f"/api/v1/staff/nodes/{community}/meetings", staff),
        ("api_ballots_staff", "API: a community's ballots, staff (first page)",
         f"/api/v1/staff/nodes/{community}/ballots", staff),
    ]
    return [Scenario(name, title, NAME, as_each(path, cookies), expect_text='"items"')
            for name, title, path, cookies in lists]
