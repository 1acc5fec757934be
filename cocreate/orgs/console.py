"""Small view helpers that every section of the staff console shares (the console belongs to orgs)."""

from django.shortcuts import redirect, render

from cocreate.core.errors import DomainError
from cocreate.orgs.permissions import scope_roots


def section_start(request, *, action: str, list_url: str, template: str):
    """A section's start page: straight to the list of the one area the user works in, or the
    areas to choose from (none for roles without that section, e.g. the audit administrator)."""
    roots = scope_roots(request.user, action)
    if len(roots) == 1:
        return redirect(list_url, node_id=roots[0].pk)
    return render(request, template, {"roots": roots})


def refused_page(request, refused: DomainError, template: str, context: dict):
    """The form page again, with the service's refusal as its message and its 4xx status."""
    context["error"] = refused.message
    return render(request, template, context, status=refused.status)
