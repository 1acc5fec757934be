"""Reads for the organisation pages. Each list is scoped first and has a fixed query count."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Substr

from cocreate.core import generations

from .models import Body, Household, HouseholdLink, Kind, OrgUnit, PartnerUnit, Person, Role, RoleGrant
from .permissions import NODES_SECONDS, cached_node

PAGE_SIZE = 50


@dataclass
class Coverage:
    households: int
    persons: int
    linked_households: int
    grids: int
    grids_with_worker: int

    @property
    def linked_share(self) -> int:
        """Share of households linked to a 联户长 or 党员中心户, in whole per cent."""
        return round(100 * self.linked_households / self.households) if self.households else 0

    @property
    def grid_share(self) -> int:
        return round(100 * self.grids_with_worker / self.grids) if self.grids else 0


# Coverage and per-child household counts scan a subtree: a county is 300,000 households and
# 900,000 persons, seconds a page. They are cached per node and forgotten whenever the tree's
# households, persons, links, grids or grid workers change (a generation number bumped by the
# audit events of those writes, see apps.py); five minutes is the backstop for writes that
# bypass the services (bulk loads).
TREE_FIGURES_SECONDS = 300
TREE_EVENTS = ("household.registered", "household.imported", "household.moved", "household.updated",
               "household.linked", "person.added", "person.updated", "person.account_linked", "orgunit.created",
               "role.granted", "role.revoked", "seed.scale")


def forget_tree_figures() -> None:
    generations.bump("orgs:tree")


def _tree_figures(name: str, node: OrgUnit, compute):
    return generations.cached("orgs:tree", f"{name}:{node.pk}", compute, TREE_FIGURES_SECONDS)


def node_coverage(*, node: OrgUnit) -> Coverage:
    return _tree_figures("coverage", node, lambda: _coverage(node))


def _coverage(node: OrgUnit) -> Coverage:
    households = Household.objects.in_subtree(node)
    linked = households.filter(Exists(HouseholdLink.objects.filter(household=OuterRef("pk"))))
    grids = OrgUnit.objects.in_subtree(node).of_kind(Kind.GRID)
    worker = RoleGrant.objects.filter(node=OuterRef("pk"), role=Role.GRID_WORKER, revoked_at__isnull=True)
    return Coverage(
        households=households.count(),
        persons=Person.objects.in_subtree(node).count(),
        linked_households=linked.count(),
        grids=grids.count(),
        grids_with_worker=grids.filter(Exists(worker)).count(),
    )


def node_children(*, node: OrgUnit) -> list[OrgUnit]:
    """Children with their household counts, in two queries whatever their number (one once the
    counts are cached)."""
    children = list(node.children.select_related("level").order_by("path"))
    if not children:
        return children
    prefix_len = len(children[0].path)
    counts = _tree_figures("child-households", node, lambda: dict(
        Household.objects.in_subtree(node)
        .annotate(child_path=Substr("path", 1, prefix_len))
        .values("child_path")
        .annotate(n=Count("id"))
        .values_list("child_path", "n")
    ))
    for child in children:
        child.household_count = counts.get(child.path, 0)
    return children


def node_breadcrumb(*, node: OrgUnit, roots: list[OrgUnit]) -> list[OrgUnit]:
    """Ancestors from the highest node the viewer may see down to this node."""
    visible_from = min((len(r.path) for r in roots if node.path.startswith(r.path)), default=len(node.path))
    return [n for n in node_ancestors(node) if len(n.path) >= visible_from]


def household_page(*, node: OrgUnit, after: tuple[str, int] | None = None, query: str = "",
                   size: int = PAGE_SIZE) -> tuple[list[Household], tuple[str, int] | None]:
    """One page of a subtree's households by keyset on (path, id): constant time at any depth.

    The page shows each row's node name and member_count, never the members: nodes come in
    a second query by id (docs/bench.md): a join made PostgreSQL hash the whole tree's
    nodes on every page, which grows with the county, not with the page."""
    qs = Household.objects.in_subtree(node).prefetch_related("node")
    if query:
        qs = qs.filter(Q(address__icontains=query) | Q(members__name__icontains=query)).distinct()
    if after:
        # path >= is implied by the OR; it is there so an index on (path, id) can seek to
        # the cursor instead of reading the subtree from its start (docs/bench.md).
        qs = qs.filter(Q(path__gte=after[0]), Q(path__gt=after[0]) | Q(path=after[0], id__gt=after[1]))
    rows = list(qs.order_by("path", "id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, ((rows[-1].path, rows[-1].id) if more else None)


def household_detail(*, household_id: int) -> Household | None:
    return (
        Household.objects.select_related("node__level", "custodian")
        .prefetch_related("members", "links__leader")
        .filter(pk=household_id)
        .first()
    )


def node_bodies(*, node: OrgUnit) -> list[Body]:
    return list(Body.objects.filter(node=node).annotate(member_total=Count("memberships")))


def node_partner_units(*, node: OrgUnit) -> list[PartnerUnit]:
    return list(PartnerUnit.objects.filter(Q(node=node) | Q(pairings__community=node)).distinct())


@dataclass
class ResidentHome:
    person: Person | None
    household: Household | None
    community: OrgUnit | None
    grid: OrgUnit | None
    grid_workers: list[Person]
    link_leaders: list[HouseholdLink]


def node_ancestors(node: OrgUnit) -> list[OrgUnit]:
    """The node and its ancestors, from the top: read on most pages (breadcrumbs, a resident's
    community and grid), so cached per node. A node's ancestors never change."""
    return generations.kept(
        f"orgs:ancestors:{node.pk}",
        lambda: list(OrgUnit.objects.filter(path__in=node.ancestor_paths()).select_related("level")
                     .order_by("path")), NODES_SECONDS)


def ancestors_by_kind(node: OrgUnit) -> dict[str, OrgUnit]:
    return {n.kind: n for n in node_ancestors(node)}


def community_or_self(node: OrgUnit) -> OrgUnit:
    """The community or village a node lies in (itself if it is one), or the node itself when
    it lies in none (a street, the county)."""
    return ancestors_by_kind(node).get(Kind.COMMUNITY, node)


def grid_workers(grid: OrgUnit) -> list[Person]:
    """The grid's workers as residents see them; forgotten with the tree figures (role and
    person events)."""
    def read() -> list[Person]:
        worker_users = RoleGrant.objects.filter(node=grid, role=Role.GRID_WORKER, revoked_at__isnull=True)
        return list(Person.objects.filter(user__in=worker_users.values("user")))

    return _tree_figures("grid-workers", grid, read)


def resident_home(*, user) -> ResidentHome:
    """What a resident sees first: their household, community, grid worker and 联户长."""
    person = Person.objects.select_related("household").filter(user=user).first()
    household = person.household if person else None
    if household is None:
        return ResidentHome(person, None, None, None, [], [])
    household.node = cached_node(household.node_id)  # not joined: a wide join costs more to plan than to run
    ancestors = ancestors_by_kind(household.node)
    community = ancestors.get(Kind.COMMUNITY)
    grid = ancestors.get(Kind.GRID)
    workers = grid_workers(grid) if grid is not None else []
    links = list(HouseholdLink.objects.filter(household=household).select_related("leader"))
    return ResidentHome(person, household, community, grid, workers, links)


def households_linked_to(*, user) -> list[Household]:
    """The households a 联户长 or 党员中心户 looks after."""
    return list(Household.objects.filter(links__leader__user=user).distinct().order_by("path", "id")[:500])
