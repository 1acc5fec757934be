"""The scopes of cached pages (core/page_cache.py): the node whose subtree a page shows."""

from django.http import HttpRequest

from .models import Kind, Person
from .permissions import cached_node
from .selectors import ancestors_by_kind


def node_in_address(kwarg: str = "node_id"):
    """A page of the node in the address (`/staff/nodes/<node_id>/`)."""
    def scope(request: HttpRequest, kwargs: dict) -> str | None:
        node = cached_node(kwargs[kwarg])
        return node.path if node is not None else None
    return scope


def row_in_address(model, kwarg: str):
    """A page of one row that carries its node's `path` (a household, a need, a meeting)."""
    def scope(request: HttpRequest, kwargs: dict) -> str | None:
        return model.objects.filter(pk=kwargs[kwarg]).values_list("path", flat=True).first()
    return scope


def residents_community(request: HttpRequest, kwargs: dict) -> str | None:
    """A resident's page of their community: its needs, meetings, ballots and their household.
    What it shows from above the community (a street's ballot) is stamped by the ancestors'
    own writes, which every page below reads."""
    if not request.user.is_authenticated:
        return None
    node_id = Person.objects.filter(user=request.user).values_list("household__node_id", flat=True).first()
    node = cached_node(node_id) if node_id is not None else None
    if node is None:
        return None
    community = node if node.kind == Kind.COMMUNITY else ancestors_by_kind(node).get(Kind.COMMUNITY)
    return (community or node).path
