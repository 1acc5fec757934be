"""Resident and public project pages under /me/projects/ (namespace `projects`).

The project page and its trace are public, like a published result: the QR code on the site's
notice board (工程公示牌) opens them without a login, and names on them are masked. Pledging,
and the resident's own pledges and contributions, need the resident's login."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cocreate.core.auth import resident_required
from cocreate.core.errors import DomainError
from cocreate.core.feedback import report
from cocreate.core.page_cache import page_cached
from cocreate.decisions.selectors import resident_person
from cocreate.meetings.services import resident_community
from cocreate.needs.views import image_response
from cocreate.orgs.page_scopes import residents_community, row_in_address

from . import selectors, services
from .forms import PledgeForm
from .models import Pledge, ProgressUpdate, Project


@resident_required
@page_cached(residents_community)
def project_list(request):
    community = resident_community(resident_person(request.user))
    context = {"community": community, "projects": [], "roll": [], "totals": {}}
    if community is not None:
        context.update(projects=selectors.community_projects(community),
                       roll=selectors.honour_roll(community=community, limit=20),
                       totals=selectors.community_totals(community))
        context["total_fen"] = sum(context["totals"].values())
    return render(request, "projects/resident_list.html", context)


def _can_pledge(request, project) -> bool:
    if not request.user.is_authenticated or not project.takes_contributions:
        return False
    person = resident_person(request.user)
    return bool(person and person.household and person.household.path.startswith(project.community.path))


@page_cached(row_in_address(Project, "project_id"))
def detail(request, project_id: int):
    project = selectors.public_project(project_id)
    return render(request, "projects/resident_detail.html", {
        "project": project, **selectors.project_page(project), "can_pledge": _can_pledge(request, project),
    })


@page_cached(row_in_address(Project, "project_id"))
def trace(request, project_id: int):
    project = selectors.public_project(project_id)
    return render(request, "projects/resident_trace.html", {"trace": selectors.trace(project), "project": project})


def update_photo(request, project_id: int, update_id: int):
    update = get_object_or_404(ProgressUpdate, pk=update_id, project_id=project_id)
    if not update.photo:
        raise Http404
    return image_response(update.photo)


@resident_required
def pledge(request, project_id: int):
    project = selectors.public_project(project_id)
    if not _can_pledge(request, project):
        raise Http404
    form = PledgeForm(request.POST or None, project=project)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.pledge_make(actor=request.user, project=project, gift=form.gift(),
                                     as_household=form.cleaned_data["as_household"],
                                     anonymous=form.cleaned_data["anonymous"])
            except DomainError as refused:
                form.add_error(None, refused.message)
                status = refused.status
            else:
                messages.success(request, _("Thank you! The community will confirm your contribution."))
                return redirect("projects:mine")
    return render(request, "projects/resident_pledge.html", {"project": project, "form": form,
                                                             "valuation": form.valuation}, status=status)


@resident_required
def mine(request):
    person = resident_person(request.user)
    pledges = list(Pledge.objects.filter(pledged_by=request.user).select_related("project", "material")[:50])
    totals = selectors.household_totals(person.household) if person and person.household else []
    return render(request, "projects/resident_mine.html", {"pledges": pledges, "totals": totals})


@resident_required
@require_POST
def withdraw(request, pledge_id: int):
    pledge = get_object_or_404(Pledge, pk=pledge_id, pledged_by=request.user)
    report(request, lambda: services.pledge_withdraw(actor=request.user, pledge=pledge),
           done=_("Your pledge is withdrawn."))
    return redirect("projects:mine")

