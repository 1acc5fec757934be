"""Staff pages for projects: a node's projects, starting one from its decision, and the project
console (plan, funding, milestones, tasks, progress, pledges to confirm, direct entries, the
ledger with reversals), plus the county's valuation table. Anything outside the viewer's scope
answers 404 like a missing object.

Every form of the console posts to one endpoint, `write`, with the form's name in `action`: the table
WRITES says which form validates it, which service writes it and where the page returns."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cocreate.core.auth import staff_required
from cocreate.core.errors import DomainError
from cocreate.core.feedback import report
from cocreate.core.page_cache import page_cached
from cocreate.decisions.forms import yuan_to_fen
from cocreate.meetings.models import Topic
from cocreate.needs.services import community_of
from cocreate.needs.views import image_response
from cocreate.orgs.console import section_start
from cocreate.orgs.page_scopes import node_in_address, row_in_address
from cocreate.orgs.permissions import has_perm, node_for

from . import selectors, services
from .forms import (
    BudgetLineForm,
    EvidenceForm,
    GiftForm,
    MaterialPriceForm,
    MilestoneForm,
    ProgressForm,
    ProjectForm,
    ReasonForm,
    RecordForm,
    SourceForm,
    StatusForm,
    TaskForm,
    ValuationForm,
)
from .models import BudgetLine, Contribution, FundingSource, Milestone, Pledge, Project, ProjectTask, Valuation

VIEW, MANAGE = selectors.VIEW, selectors.MANAGE


@staff_required
def index(request):
    return section_start(request, action=VIEW, list_url="projects_staff:list", template="projects/staff_index.html")


@staff_required
@page_cached(node_in_address())
def project_list(request, node_id: int):
    node = node_for(request.user, VIEW, node_id)
    before = request.GET.get("before", "")
    rows, cursor = selectors.project_list(node=node, before=int(before) if before.isdigit() else None)
    can_manage = has_perm(request.user, MANAGE, node)
    decided = []
    if can_manage:
        decided = list(Topic.objects.in_subtree(node).filter(status=Topic.Status.DECIDED, projects__isnull=True)
                       .order_by("-id")[:20])
    return render(request, "projects/staff_list.html", {
        "node": node, "rows": rows, "next_cursor": cursor, "can_manage": can_manage, "decided": decided,
        "can_configure": has_perm(request.user, services.CONFIGURE, node),
    })


@staff_required
def create(request, node_id: int):
    node = node_for(request.user, MANAGE, node_id)
    try:
        community = community_of(node)
    except DomainError as refused:
        raise Http404 from refused
    initial = {}
    if request.GET.get("topic", "").isdigit():
        topic = Topic.objects.filter(pk=int(request.GET["topic"]), community=community).first()
        if topic is not None:
            initial = {"topic": topic.pk, "title": topic.title, "scope": topic.description, "node": topic.node_id}
    form = ProjectForm(request.POST or None, community=community, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(actor=request.user, **form.service_kwargs())
        except DomainError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Project created. Write its budget and funding plan next."))
            return redirect("projects_staff:project", project_id=project.pk)
    return render(request, "projects/staff_form.html", {"node": node, "form": form},
                  status=400 if form.errors else 200)


# --- the project console ------------------------------------------------------------------------

def _console_context(request, project: Project, **forms) -> dict:
    can_manage = has_perm(request.user, MANAGE, project.node)
    context = {
        "project": project, **selectors.project_page(project), "tasks": list(project.tasks.all()),
        "can_manage": can_manage,
        "pledges": list(project.pledges.filter(status=Pledge.Status.PLEDGED)
                        .select_related("household", "person", "unit", "material")),
        "ledger": list(project.contributions.select_related("household", "person", "unit", "material",
                                                             "recorded_by")[:100]),
        "reversed_ids": set(Contribution.objects.filter(project=project, reverses__isnull=False)
                            .values_list("reverses_id", flat=True)),
        "next_statuses": [(s, Project.Status(s).label) for s in Project.TRANSITIONS[project.status]],
        "public_url": request.build_absolute_uri(reverse("projects:detail", args=[project.pk])),
    }
    if can_manage:
        context["forms"] = {
            "status": StatusForm(), "budget": BudgetLineForm(), "source": SourceForm(), "milestone": MilestoneForm(),
            "task": TaskForm(), "progress": ProgressForm(), "record": RecordForm(project=project), **forms,
        }
    return context


@staff_required
@page_cached(row_in_address(Project, "project_id"))
def project_detail(request, project_id: int):
    project = selectors.staff_project(request.user, project_id)
    return render(request, "projects/staff_project.html", _console_context(request, project))


@dataclass(frozen=True)
class Write:
    """One form of the console: how to validate it and which service writes it."""

    form: type | None
    run: Callable  # (request, project, form, target_id) -> None
    anchor: str
    done: str


def _target(model, project: Project, target_id: int | None, **filters):
    return get_object_or_404(model, pk=target_id, project=project, **filters)


WRITES: dict[str, Write] = {
    "status": Write(StatusForm, lambda r, p, f, _t: services.project_set_status(
        actor=r.user, project=p, **f.cleaned_data), "status", gettext_lazy("Status changed.")),
    "budget": Write(BudgetLineForm, lambda r, p, f, _t: services.budget_line_add(
        actor=r.user, project=p, **f.service_kwargs()), "budget", gettext_lazy("Budget line added.")),
    "budget-remove": Write(None, lambda r, p, _f, t: services.budget_line_remove(
        actor=r.user, line=_target(BudgetLine, p, t)), "budget", gettext_lazy("Budget line removed.")),
    "source": Write(SourceForm, lambda r, p, f, _t: services.funding_source_add(
        actor=r.user, project=p, **f.service_kwargs()), "funding", gettext_lazy("Funding source added.")),
    "source-remove": Write(None, lambda r, p, _f, t: services.funding_source_remove(
        actor=r.user, source=_target(FundingSource, p, t)), "funding", gettext_lazy("Funding source removed.")),
    "milestone": Write(MilestoneForm, lambda r, p, f, _t: services.milestone_add(
        actor=r.user, project=p, **f.cleaned_data), "milestones", gettext_lazy("Milestone added.")),
    "milestone-reach": Write(None, lambda r, p, _f, t: services.milestone_reach(
        actor=r.user, milestone=_target(Milestone, p, t), on=timezone.localdate()), "milestones",
        gettext_lazy("Milestone reached.")),
    "task": Write(TaskForm, lambda r, p, f, _t: services.task_add(
        actor=r.user, project=p, **f.cleaned_data), "tasks", gettext_lazy("Task added.")),
    "task-done": Write(None, lambda r, p, _f, t: services.task_done(
        actor=r.user, task=_target(ProjectTask, p, t)), "tasks", gettext_lazy("Task marked as done.")),
    "progress": Write(ProgressForm, lambda r, p, f, _t: services.progress_post(
        actor=r.user, project=p, **f.cleaned_data), "progress", gettext_lazy("Progress posted.")),
    "confirm": Write(EvidenceForm, lambda r, p, f, t: services.pledge_confirm(
        actor=r.user, pledge=_target(Pledge, p, t), evidence=f.cleaned_data["evidence"]), "pledges",
        gettext_lazy("Contribution confirmed and entered in the ledger.")),
    "decline": Write(ReasonForm, lambda r, p, f, t: services.pledge_decline(
        actor=r.user, pledge=_target(Pledge, p, t), reason=f.cleaned_data["reason"]), "pledges",
        gettext_lazy("Pledge declined.")),
    "record": Write(RecordForm, lambda r, p, f, _t: services.contribution_record(
        actor=r.user, project=p, contributor=f.contributor(), gift=f.gift(), evidence=f.cleaned_data["evidence"],
        anonymous=f.cleaned_data["anonymous"]), "ledger", gettext_lazy("Contribution entered in the ledger.")),
    "reverse": Write(ReasonForm, lambda r, p, f, t: services.contribution_reverse(
        actor=r.user, entry=_target(Contribution, p, t), reason=f.cleaned_data["reason"]), "ledger",
        gettext_lazy("Entry reversed.")),
}
# The forms the console shows; one that failed is shown again with its errors.
CONSOLE_FORMS = {"status", "budget", "source", "milestone", "task", "progress", "record"}


def _bound(write: Write, request, project: Project):
    if write.form is None:
        return None
    if issubclass(write.form, GiftForm):  # its material list is the project's price table
        return write.form(request.POST, request.FILES, project=project)
    return write.form(request.POST, request.FILES)


@staff_required
@require_POST
def write(request, project_id: int):
    project = selectors.staff_project(request.user, project_id, MANAGE)
    action = request.POST.get("action", "")
    spec = WRITES.get(action)
    if spec is None:
        raise Http404
    target = request.POST.get("target", "")
    target_id = int(target) if target.isdigit() else None
    form = _bound(spec, request, project)
    if form is None:  # a button: its refusal, if any, is the console's message
        report(request, lambda: spec.run(request, project, None, target_id), done=str(spec.done))
        return _back(project, spec.anchor)
    if form.is_valid():
        try:
            spec.run(request, project, form, target_id)
        except DomainError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, str(spec.done))
            return _back(project, spec.anchor)
    # The services lock and re-read the project row, so `project` is still as it was.
    context = _console_context(request, project, **({action: form} if action in CONSOLE_FORMS else {}))
    context["error"] = "; ".join(str(e) for errors in form.errors.values() for e in errors)
    context["error_anchor"] = spec.anchor
    return render(request, "projects/staff_project.html", context, status=400)


def _back(project: Project, anchor: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("projects_staff:project", args=[project.pk]) + f"#{anchor}")


@staff_required
def evidence(request, entry_id: int):
    entry = get_object_or_404(Contribution.objects.select_related("project__node"), pk=entry_id)
    if not has_perm(request.user, VIEW, entry.project.node) or not entry.evidence:
        raise Http404
    return image_response(entry.evidence)


# --- the valuation table ------------------------------------------------------------------------

@staff_required
def valuation(request, node_id: int):
    node = node_for(request.user, services.CONFIGURE, node_id)
    table = Valuation.objects.filter(node=node).first()
    day_form = ValuationForm(request.POST if request.POST.get("form") == "day" else None, initial={
        "labour_day_yuan": table.labour_day_fen / 100 if table else None,
        "hours_per_day": table.hours_per_day if table else 8})
    price_form = MaterialPriceForm(request.POST if request.POST.get("form") == "price" else None)
    status = 200
    if request.method == "POST":
        status = _valuation_write(request, node, day_form, price_form)
        if status == 302:
            return redirect("projects_staff:valuation", node_id=node.pk)
    table = Valuation.objects.filter(node=node).first()
    return render(request, "projects/staff_valuation.html", {
        "node": node, "table": table, "prices": list(table.prices.all()) if table else [],
        "day_form": day_form, "price_form": price_form,
    }, status=status)


def _valuation_write(request, node, day_form, price_form) -> int:
    form = day_form if request.POST.get("form") == "day" else price_form
    if not form.is_valid():
        return 400
    data = form.cleaned_data
    try:
        if form is day_form:
            services.valuation_set(actor=request.user, node=node, hours_per_day=data["hours_per_day"],
                                   labour_day_fen=yuan_to_fen(data["labour_day_yuan"]))
        else:
            services.material_price_set(actor=request.user, node=node, name=data["name"], unit=data["unit"],
                                        price_fen=yuan_to_fen(data["price_yuan"]))
    except DomainError as refused:
        form.add_error(None, refused.message)
        return refused.status
    messages.success(request, _("Valuation table saved."))
    return 302
