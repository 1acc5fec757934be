"""Reads for needs pages: scoped first, fixed query counts, keyset pages."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from cocreate.core import generations
from cocreate.orgs.models import Household, HouseholdLink, Kind, OrgUnit, RoleGrant

from . import similarity
from .models import Category, Need, Support, Visit, VisitCampaign

PAGE_SIZE = 30
SIMILAR_POOL = 500  # newest open needs of a community compared while typing


def _within(qs, node: OrgUnit):
    """Needs of a community by its indexed column, of any other node by path prefix."""
    return qs.filter(community=node) if node.kind == Kind.COMMUNITY else qs.filter(path__startswith=node.path)


def similar_open_needs(*, community: OrgUnit, text: str, exclude_id: int | None = None, limit: int = 5,
                       public_only: bool = False):
    """Open needs of the community that read like `text`, best first, with their score.
    `public_only` leaves out needs a cadre classified as individual (个性): residents see
    their neighbours' shared needs, not someone's private matter."""
    if len((text or "").strip()) < 2:
        return []
    pool = Need.objects.open().filter(community=community).exclude(pk=exclude_id)
    if public_only:
        pool = pool.exclude(scope=Need.Scope.INDIVIDUAL)
    pool = pool.select_related("category").order_by("-id")[:SIMILAR_POOL]
    return similarity.rank_similar(text, list(pool), limit=limit)


def _support_cursor(need: Need) -> tuple[int, int]:
    return need.support_count, need.id


def _id_cursor(need: Need) -> tuple[int, int]:
    return 0, need.id


def need_page(*, node: OrgUnit, status: str = "", order: str = "new", before: tuple[int, int] | None = None,
              size: int = PAGE_SIZE) -> tuple[list[Need], tuple[int, int] | None]:
    """A community's (or any node's) needs, newest or most supported first, by keyset:
    constant time at depth, one query a page."""
    qs = _within(Need.objects.all(), node).exclude(status=Need.Status.MERGED).select_related("category", "node")
    if status:
        qs = qs.filter(status=status)
    if order == "support":
        if before:
            qs = qs.filter(Q(support_count__lt=before[0]) | Q(support_count=before[0], id__lt=before[1]))
        rows = list(qs.order_by("-support_count", "-id")[: size + 1])
        cursor = _support_cursor
    else:
        if before:
            qs = qs.filter(id__lt=before[1])
        rows = list(qs.order_by("-id")[: size + 1])
        cursor = _id_cursor
    more = len(rows) > size
    rows = rows[:size]
    return rows, (cursor(rows[-1]) if more else None)


SIMILAR_SHOWN = 5


@dataclass(frozen=True)
class NeedRef:
    """What a cluster shows of a need. Clusters are cached per community and read on every
    needs page, so they hold this much and no more (a cluster can gather 200 needs)."""
    pk: int
    text: str
    support_count: int

    @classmethod
    def of(cls, need: Need) -> "NeedRef":
        return cls(need.pk, need.text, need.support_count)


@dataclass
class NeedCluster:
    representative: NeedRef
    members: list[NeedRef] = field(default_factory=list)
    household_count: int = 0  # distinct households supporting any member

    @property
    def households(self) -> int:
        return self.household_count or sum(n.support_count for n in self.members)

    @property
    def similar(self) -> list[NeedRef]:
        """The similar needs a list shows under the representative: a few, not a cluster of 40."""
        return self.members[1:1 + SIMILAR_SHOWN]

    @property
    def similar_hidden(self) -> int:
        return max(0, len(self.members) - 1 - SIMILAR_SHOWN)


COMMON_GROUND_SECONDS = 300


def _common_ground_generation(community_id: int) -> str:
    return f"needs:common-ground:{community_id}"


def forget_common_ground(community_id: int) -> None:
    """A need of the community was raised, supported, moved on or merged: its 最大公约数 is
    computed again on the next read (core/generations.py)."""
    generations.bump(_common_ground_generation(community_id))


def common_ground(*, community: OrgUnit, within: OrgUnit | None = None, limit: int = 10) -> list[NeedCluster]:
    """最大公约数, cached per community: clustering compares every pair of the top needs'
    texts, far more work than reading them, and the view may lag a write by nothing — the
    cache is forgotten by the needs events (apps.py), and expires in five minutes anyway."""
    return generations.cached(
        _common_ground_generation(community.pk), f"{within.pk if within else 0}:{limit}",
        lambda: _common_ground(community=community, within=within, limit=limit), COMMON_GROUND_SECONDS)


def _common_ground(*, community: OrgUnit, within: OrgUnit | None, limit: int) -> list[NeedCluster]:
    """最大公约数: the most widely shared open needs, similar ones clustered together. A
    household that supports two needs of one cluster counts once. Individual (个性) needs
    are left out. Two queries."""
    qs = Need.objects.open().filter(community=community).exclude(scope=Need.Scope.INDIVIDUAL)
    if within is not None and within.pk != community.pk:
        qs = qs.filter(path__startswith=within.path)
    top = list(qs.order_by("-support_count", "-id").only("id", "text", "support_count")[:200])
    households = defaultdict(set)
    for need_id, household_id in Support.objects.filter(need__in=[n.pk for n in top]).values_list(
            "need_id", "household_id"):
        households[need_id].add(household_id)
    clusters = []
    for group in similarity.cluster(top):
        count = len(set().union(*(households[n.pk] for n in group)))
        clusters.append(NeedCluster(NeedRef.of(group[0]), [NeedRef.of(n) for n in group], count))
    clusters.sort(key=lambda c: (-c.household_count, -c.representative.support_count, -c.representative.pk))
    return clusters[:limit]


def need_detail(*, need_id: int) -> Need | None:
    return (Need.objects.select_related("category", "community", "node", "person", "household__node", "merged_into",
                                        "recorded_by", "assigned_node", "assigned_to", "visit__campaign")
            .prefetch_related("photos", "updates__actor", "merged").filter(pk=need_id).first())


def resident_need_detail(*, need_id: int) -> Need | None:
    """A need as residents see it (page and API): what they are shown, nothing of the staff's
    side. Three tables joined, not eleven: PostgreSQL plans the wider join in ~3 ms."""
    return (Need.objects.select_related("category", "node", "merged_into").prefetch_related("photos", "updates")
            .filter(pk=need_id).first())


def household_supports(*, household_id: int | None, need_ids: list[int]) -> set[int]:
    if not household_id:
        return set()
    return set(Support.objects.filter(household_id=household_id, need_id__in=need_ids)
               .values_list("need_id", flat=True))


def my_needs(*, person, limit: int = 50) -> list[Need]:
    """The needs the household raised or supports, newest first. Two indexed look-ups: an OR
    across the join to a million supports made PostgreSQL scan them all (make bench)."""
    if person is None or person.household_id is None:
        return []
    supported = list(Support.objects.filter(household_id=person.household_id).order_by("-need_id")
                     .values_list("need_id", flat=True)[:limit])
    return list(Need.objects.filter(Q(household_id=person.household_id) | Q(pk__in=supported))
                .select_related("category").order_by("-id")[:limit])


@dataclass
class ClearanceRow:
    node: OrgUnit
    overdue: int
    open: int
    closed_this_week: int = 0


def weekly_clearance(*, node: OrgUnit, now=None) -> tuple[list[ClearanceRow], list[Need]]:
    """周周清: open needs past their service time, per grid (or community) in the subtree, and
    how many were closed in the last seven days."""
    now = now or timezone.now()
    open_needs = Need.objects.open().in_subtree(node)
    overdue = list(open_needs.filter(due_at__lt=now).select_related("category", "community", "node")
                   .order_by("due_at")[:500])
    units = list(OrgUnit.objects.in_subtree(node).filter(kind__in=[Kind.GRID, Kind.COMMUNITY])
                 .select_related("level").order_by("path"))
    by_path = {u.path: u for u in units}
    lengths = sorted({len(p) for p in by_path}, reverse=True)
    totals = {u.pk: [0, 0, 0] for u in units}  # open, overdue, closed this week
    per_node = open_needs.values("path").annotate(open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)))
    closed = (Need.objects.in_subtree(node).filter(closed_at__gte=now - timedelta(days=7), closed_at__lte=now)
              .exclude(status=Need.Status.MERGED).values("path").annotate(n=Count("id")))
    rows_by_path: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in per_node:
        rows_by_path[row["path"]][0] += row["open"]
        rows_by_path[row["path"]][1] += row["overdue"]
    for row in closed:
        rows_by_path[row["path"]][2] += row["n"]
    for path, counts in rows_by_path.items():
        # Count each need once per enclosing grid and community (grouped queries, rolled up
        # here); a prefix longer than the path would find the node itself a second time.
        for length in lengths:
            unit = by_path.get(path[:length]) if length <= len(path) else None
            if unit is not None:
                for i in range(3):
                    totals[unit.pk][i] += counts[i]
    rows = [ClearanceRow(u, totals[u.pk][1], totals[u.pk][0], totals[u.pk][2]) for u in units
            if totals[u.pk][0] or totals[u.pk][2]]
    return rows, overdue


@dataclass
class CampaignProgress:
    total: int
    visited: int
    not_visited: list[Household]
    special_care: int

    @property
    def share(self) -> int:
        return round(100 * self.visited / self.total) if self.total else 0


def campaign_progress(*, campaign: VisitCampaign, paths: list[str] | None = None,
                      household_ids: list[int] | None = None, limit: int = 200) -> CampaignProgress:
    """Households of the campaign's area visited or not, limited to the viewer's part of it:
    subtrees (`paths`) or households (a 联户长's); None means the whole area."""
    households = Household.objects.in_subtree(campaign.node)
    if paths is not None:
        households = households.in_any_subtree(paths)
    if household_ids is not None:
        households = households.filter(pk__in=household_ids)
    visits = Visit.objects.filter(campaign=campaign, household__in=households)
    return CampaignProgress(
        total=households.count(),
        visited=visits.count(),
        not_visited=list(households.exclude(pk__in=visits.values("household_id"))
                         .select_related("node").order_by("path", "id")[:limit]),
        special_care=visits.filter(special_care=True).count(),
    )


def campaign_visits(*, campaign: VisitCampaign, households, limit: int = 200) -> list[Visit]:
    return list(Visit.objects.filter(campaign=campaign, household__in=households)
                .select_related("household", "visitor").annotate(need_total=Count("needs"))
                .order_by("-visited_at")[:limit])


def campaigns_for(*, paths: list[str]) -> list[VisitCampaign]:
    """Campaigns over, above or inside the given subtrees."""
    if not paths:
        return []
    condition = Q()
    for path in paths:
        condition |= Q(node__path__startswith=path)
        ancestors = [path[:i] for i in range(4, len(path) + 1, 4)]
        condition |= Q(node__path__in=ancestors)
    return list(VisitCampaign.objects.filter(condition).select_related("node").order_by("-starts_on", "-id")[:100])


def linked_household_ids(*, user) -> list[int]:
    return list(HouseholdLink.objects.filter(leader__user=user).values_list("household_id", flat=True))


def community_counts(*, node: OrgUnit, now=None) -> list[OrgUnit]:
    """The communities in a subtree with their open and overdue needs (two queries)."""
    now = now or timezone.now()
    communities = list(OrgUnit.objects.in_subtree(node).filter(kind=Kind.COMMUNITY).order_by("path"))
    counts = {row["community_id"]: row for row in Need.objects.open().in_subtree(node).values("community_id")
              .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)))}
    for community in communities:
        row = counts.get(community.pk, {})
        community.open_needs = row.get("open", 0)
        community.overdue_needs = row.get("overdue", 0)
    return communities


def assignable_users(*, need: Need):
    """Staff who may see the need: a needs.view role on its node or above it."""
    from cocreate.accounts.models import User
    from cocreate.orgs.permissions import ROLES_FOR

    grants = RoleGrant.objects.filter(revoked_at__isnull=True, role__in=ROLES_FOR["needs.view"],
                                      node__path__in=need.node.ancestor_paths())
    return User.objects.filter(is_active=True, pk__in=grants.values("user_id")).order_by("display_name", "id")


def categories() -> list[Category]:
    return list(Category.objects.all())
