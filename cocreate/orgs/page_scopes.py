"""The scopes of cached pages (core/page_cache.py): the node whose subtree a page shows."""

from django.http import HttpRequest

from cocreate.core import generations

from .models import OrgUnit, Person
from .permissions import NODES_SECONDS, cached_node
from .selectors import TREE_FIGURES_SECONDS, community_or_self


def node_in_address(kwarg: str = "node_id"):
    """A page of the node in the address (`/staff/nodes/<node_id>/`), kept within its
    community when it lies below one: a write in a sibling grid (a need merged into one there,
    a project for a topic here created there) changes a grid's lists too."""
    def scope(request: HttpRequest, kwargs: dict) -> str | None:
        node_id = kwargs[kwarg]

        def read() -> str | None:
            node = cached_node(node_id)
            return community_path(node.path) if node is not None else None

        # One cache read on every kept page, not two (the node, then its community).
        return generations.kept(f"orgs:community-path-of-node:{node_id}", read, NODES_SECONDS)
    return scope


def row_in_address(model, kwarg: str):
    """A page of one row that carries its node's `path` (a household, a need, a meeting): kept
    within the row's community, so a write anywhere in it (a merge into a need of another
    grid, a support from another building) makes the page stale."""
    def scope(request: HttpRequest, kwargs: dict) -> str | None:
        path = model.objects.filter(pk=kwargs[kwarg]).values_list("path", flat=True).first()
        return community_path(path) if path is not None else None
    return scope


def community_path(path: str) -> str:
    """The path of the community (or village) a node's path lies in, or the path itself above
    one. Nodes are never moved or renamed, so the answer is kept with no generation."""
    def read() -> str:
        node = OrgUnit.objects.filter(path=path).first()
        return community_or_self(node).path if node is not None else path

    return generations.kept(f"orgs:community-path:{path}", read, NODES_SECONDS)


def residents_community(request: HttpRequest, kwargs: dict) -> str | None:
    """A resident's page of their community: its needs, meetings, ballots and their household.
    What it shows from above the community (a street's ballot) is stamped by the ancestors'
    own writes, which every page below reads."""
    if not request.user.is_authenticated:
        return None
    return _community_path_of(request.user.pk)


def _community_path_of(user_id: int) -> str | None:
    """The path of the resident's community (or of their household's node, if it lies in
    none): asked on every kept page, so cached under the tree's generation, which a
    household's move and a person's new account or household make stale."""
    def read() -> str | None:
        path = Person.objects.filter(user_id=user_id).values_list("household__path", flat=True).first()
        return community_path(path) if path is not None else None

    return generations.cached("orgs:tree", f"community-path-of:{user_id}", read, TREE_FIGURES_SECONDS)
