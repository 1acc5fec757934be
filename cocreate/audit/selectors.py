from datetime import datetime

from django.db.models import Q

from .models import AuditEvent

PAGE_SIZE = 50
# "Who viewed or exported whose data" (security.md P-12).
DATA_ACCESS_ACTIONS = ["person.phone_revealed", "household.exported", "contact.called", "audit.queried"]


def audit_page(*, scope_paths: list[str], node_path: str = "", actor_id: int | None = None, action: str = "",
               since: datetime | None = None, until: datetime | None = None, data_access_only: bool = False,
               before_id: int | None = None, size: int = PAGE_SIZE) -> tuple[list[AuditEvent], int | None]:
    """Newest first, keyset on id; rows outside the viewer's subtrees are never read.
    Events with no node (logins, system jobs) are visible only to a viewer scoped at a root."""
    if not scope_paths:
        return [], None
    scope = Q()
    for path in scope_paths:
        scope |= Q(node_path__startswith=path)
    if any(len(p) <= 4 for p in scope_paths):
        scope |= Q(node_path="")
    qs = AuditEvent.objects.filter(scope).select_related("actor")
    if node_path:
        qs = qs.filter(node_path__startswith=node_path)
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    if action:
        qs = qs.filter(action__startswith=action)
    if since:
        qs = qs.filter(created_at__gte=since)
    if until:
        qs = qs.filter(created_at__lt=until)
    if data_access_only:
        qs = qs.filter(action__in=DATA_ACCESS_ACTIONS)
    if before_id:
        qs = qs.filter(id__lt=before_id)
    rows = list(qs.order_by("-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].id if more else None)
