import datetime

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from cocreate.accounts.models import User
from cocreate.core.auth import staff_required
from cocreate.orgs.models import OrgUnit
from cocreate.orgs.permissions import has_perm, scope_paths, scope_roots

from . import selectors
from .forms import AuditFilterForm
from .services import record


def _day_start(day: datetime.date | None) -> datetime.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@staff_required
def audit_list(request):
    """Audit events in the viewer's subtrees; the query itself is audited (security.md L-1)."""
    paths = scope_paths(request.user, "audit.view")
    if not paths:
        raise Http404
    form = AuditFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    node = OrgUnit.objects.filter(pk=data.get("node")).first() if data.get("node") else None
    if node is not None and not has_perm(request.user, "audit.view", node):
        raise Http404
    actor = User.objects.filter(username__iexact=data["actor"]).first() if data.get("actor") else None
    until = _day_start(data.get("until"))
    events, next_before = selectors.audit_page(
        scope_paths=paths, node_path=node.path if node else "", actor_id=actor.pk if actor else None,
        action=data.get("action", ""), since=_day_start(data.get("since")),
        until=until + datetime.timedelta(days=1) if until else None,
        data_access_only=data.get("data_access", False), before_id=data.get("before"),
    )
    record(actor=request.user, action="audit.queried", node=node,
           data={k: str(v) for k, v in data.items() if v not in (None, "", False)})
    query = request.GET.copy()
    query.pop("before", None)
    context = {"form": form, "events": events, "next_before": next_before, "node": node,
               "roots": scope_roots(request.user, "audit.view"), "query": query.urlencode()}
    template = "audit/audit_list.html#rows" if request.htmx else "audit/audit_list.html"
    return render(request, template, context)
