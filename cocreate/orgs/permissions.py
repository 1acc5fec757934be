"""Who may do what where. Roles are granted on a node and flow down its subtree (Wagtail).

A forbidden object answers 404 like a missing one, so ids cannot be probed (Healthchecks).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from cocreate.core import generations, page_cache

from .models import HouseholdLink, OrgUnit, Role, RoleGrant

STAFF_ROLES = frozenset(Role.values)
OFFICIALS = {Role.CADRE, Role.STREET_OFFICIAL, Role.COUNTY_OFFICIAL, Role.PLATFORM_ADMIN}

ROLES_FOR: dict[str, set[str]] = {
    "orgs.view_node": {Role.GRID_WORKER, *OFFICIALS},
    "orgs.view_household": {Role.GRID_WORKER, *OFFICIALS},
    "orgs.manage_household": {Role.GRID_WORKER, Role.CADRE, Role.PLATFORM_ADMIN},
    "orgs.import_households": {Role.CADRE, Role.PLATFORM_ADMIN},
    "orgs.export_households": {Role.CADRE, Role.STREET_OFFICIAL, Role.COUNTY_OFFICIAL},
    "orgs.reveal_phone": {Role.GRID_WORKER, Role.CADRE},
    "orgs.manage_structure": {Role.CADRE, Role.STREET_OFFICIAL, Role.COUNTY_OFFICIAL, Role.PLATFORM_ADMIN},
    "orgs.grant_roles": {Role.SECURITY_ADMIN},
    "audit.view": {Role.AUDIT_ADMIN, Role.STREET_OFFICIAL, Role.COUNTY_OFFICIAL},
}

ROLE_RANK = [
    Role.PLATFORM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.COUNTY_OFFICIAL,
    Role.STREET_OFFICIAL, Role.CADRE, Role.GRID_WORKER, Role.LINK_HEAD,
]

# Holding both would let one person grant themselves access and erase the trace.
INCOMPATIBLE_ROLES = [{Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}]


GRANTS_SECONDS = 300  # backstop only: granting and revoking forget the cached grants at once


def active_grants(user) -> list[RoleGrant]:
    """The user's active grants with their nodes: read once per request, and across requests
    from a shared cache (Redis) that role_grant and role_revoke make stale in their transaction.
    A per-process cache would keep a revoked grant alive in the other workers, so without a
    shared one every request reads the table."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_cocreate_grants", None)
    if cached is None:
        cached = (generations.cached(_grants_generation(user.pk), "grants", lambda: _read_grants(user.pk),
                                     GRANTS_SECONDS)
                  if generations.shared() else _read_grants(user.pk))
        user._cocreate_grants = cached
    return cached


def _read_grants(user_id: int) -> list[RoleGrant]:
    return list(RoleGrant.objects.filter(user_id=user_id, revoked_at__isnull=True).select_related("node__level"))


def _grants_generation(user_id: int) -> str:
    return f"orgs:grants:{user_id}"


def forget_grants(user) -> None:
    """After a grant or revocation: this request and every later one read the table again."""
    clear_grant_cache(user)
    generations.bump(_grants_generation(user.pk))
    page_cache.stamp([page_cache.user_stamp(user.pk)])  # their kept pages showed the old grants


def clear_grant_cache(user) -> None:
    if hasattr(user, "_cocreate_grants"):
        del user._cocreate_grants


def has_perm(user, action: str, node: OrgUnit) -> bool:
    roles = ROLES_FOR[action]
    return any(g.role in roles and node.path.startswith(g.node.path) for g in active_grants(user))


def require_perm(user, action: str, node: OrgUnit) -> None:
    """For services: raise PermissionDenied unless `user` may do `action` at `node`."""
    if not has_perm(user, action, node):
        raise PermissionDenied(action)


def scope_paths(user, action: str) -> list[str]:
    """The roots of every subtree where the user may do `action`, without nested duplicates."""
    roles = ROLES_FOR[action]
    paths = sorted({g.node.path for g in active_grants(user) if g.role in roles})
    roots: list[str] = []
    for path in paths:
        if not any(path.startswith(root) for root in roots):
            roots.append(path)
    return roots


def scope_roots(user, action: str) -> list[OrgUnit]:
    roots = set(scope_paths(user, action))
    seen, nodes = set(), []
    for grant in active_grants(user):
        if grant.node.path in roots and grant.node.path not in seen:
            seen.add(grant.node.path)
            nodes.append(grant.node)
    return sorted(nodes, key=lambda n: n.path)


# Nodes are created, never moved or renamed: their look-ups are kept an hour with no generation.
# A service that renamed or moved one would have to put them under a generation first.
NODES_SECONDS = 3600


def cached_node(node_id: int) -> OrgUnit | None:
    """A node with its level and parent, by id: read on most pages, so cached (only found
    nodes: a missing id may be created later)."""
    return generations.kept(
        f"orgs:node:{node_id}",
        lambda: OrgUnit.objects.select_related("level", "parent").filter(pk=node_id).first(), NODES_SECONDS)


def node_for(user, action: str, node_id: int) -> OrgUnit:
    """The node if the user may do `action` there; missing and forbidden both give 404."""
    node = cached_node(node_id)
    if node is None or not has_perm(user, action, node):
        raise Http404
    return node


def can_view_household(user, household) -> bool:
    if has_perm(user, "orgs.view_household", household.node):
        return True
    person = getattr(user, "person", None) if user.is_authenticated else None
    if person is None:
        return False
    if household.pk == person.household_id:
        return True
    # A 联户长 or 党员中心户 sees the households linked to them.
    return any(g.role == Role.LINK_HEAD for g in active_grants(user)) and HouseholdLink.objects.filter(
        household=household, leader=person
    ).exists()


def is_staff_in_scope(user) -> bool:
    return bool(active_grants(user))


def primary_role(user) -> str:
    grants = active_grants(user)
    if not grants:
        return ""
    return min((g.role for g in grants), key=ROLE_RANK.index)


def check_incompatible(roles: set[str]) -> None:
    for pair in INCOMPATIBLE_ROLES:
        if pair <= roles:
            raise PermissionDenied("security and audit administration must be held by different people")


def register_actions(actions: dict[str, set[str]]) -> None:
    """Let an app above `orgs` declare its own actions (from its AppConfig.ready)."""
    for action, roles in actions.items():
        if action in ROLES_FOR and ROLES_FOR[action] != roles:
            raise ValueError(f"permission action {action!r} registered twice with different roles")
        ROLES_FOR[action] = set(roles)
