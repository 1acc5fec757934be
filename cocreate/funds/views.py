"""Staff pages for funds: pools (create, status), applications with the line-by-line working and
their reviews, the residents' votes summary, allocation runs and approvals (htmx row swap), and
disbursements. Anything outside the viewer's scope answers 404 like a missing object."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cocreate.core.auth import staff_required
from cocreate.core.errors import DomainError
from cocreate.core.feedback import report
from cocreate.orgs.console import refused_page, section_start
from cocreate.orgs.models import Kind
from cocreate.orgs.permissions import has_perm, node_for, scope_paths

from . import selectors, services, wording
from .forms import ApplicationForm, DisbursementForm, PoolForm, ResubmitForm, ReviewForm, yuan_to_fen
from .models import Allocation, Application, Pool
from .selectors import ALLOCATE, MANAGE_POOL, PREPARE, VIEW


@staff_required
def index(request):
    return section_start(request, action=VIEW, list_url="funds_staff:list", template="funds/staff_index.html")


@staff_required
def pool_list(request, node_id: int):
    node = node_for(request.user, VIEW, node_id)
    return render(request, "funds/staff_list.html", {
        "node": node, "pools": list(selectors.pools_for(node)[:50]),
        "can_create": node.kind in (Kind.COUNTY, Kind.STREET) and has_perm(request.user, MANAGE_POOL, node),
    })


@staff_required
def pool_create(request, node_id: int):
    node = node_for(request.user, MANAGE_POOL, node_id)
    if node.kind not in (Kind.COUNTY, Kind.STREET):
        raise Http404
    form = PoolForm(request.POST or None)
    context = {"node": node, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            pool = services.pool_create(actor=request.user, node=node, **form.service_kwargs())
        except DomainError as refused:
            return refused_page(request, refused, "funds/staff_pool_form.html", context)
        messages.success(request, _("The fund is created as a draft. Check its rules, then open it."))
        return redirect("funds_staff:pool", pool_id=pool.pk)
    return render(request, "funds/staff_pool_form.html", context, status=400 if form.errors else 200)


def pool_context(user, pool: Pool) -> dict:
    """What the pool page shows (the API's staff pool answer reads the same)."""
    apps = list(selectors.visible_applications(user, pool))
    current = selectors.current_allocations(pool)
    paid = selectors.disbursed([a.pk for a in apps])
    summary = selectors.vote_summary(pool) if pool.uses_votes else None
    rows = [{"app": a, "allocation": current.get(a.pk), "paid_fen": paid.get(a.pk, 0),
             "approvals": summary.approvals.get(a.pk, 0) if summary else None} for a in apps]
    return {
        "pool": pool, "rows": rows, "proposals": selectors.proposals(pool), "summary": summary,
        "runs": list(pool.runs.select_related("ran_by")[:5]),
        "kinds": [wording.kind_label(k) for k in pool.counted_kinds],
        "explanation": wording.method_explanation(pool.method),
        "voting_open": selectors.voting_open(pool),
        "can_manage": has_perm(user, MANAGE_POOL, pool.node),
        "can_allocate": has_perm(user, ALLOCATE, pool.node),
        "can_apply": pool.status == Pool.Status.OPEN and bool(scope_paths(user, PREPARE)),
        "next_statuses": sorted(Pool.TRANSITIONS.get(pool.status, ())),
        "status_labels": dict(Pool.Status.choices),
    }


@staff_required
def pool_detail(request, pool_id: int):
    pool = selectors.staff_pool(request.user, pool_id)
    return render(request, "funds/staff_pool.html", pool_context(request.user, pool))


@staff_required
@require_POST
def pool_status(request, pool_id: int):
    pool = selectors.staff_pool(request.user, pool_id, MANAGE_POOL)
    report(request, lambda: services.pool_set_status(actor=request.user, pool=pool,
                                                     status=request.POST.get("status", "")),
           done=_("The fund's status is changed."))
    return redirect("funds_staff:pool", pool_id=pool.pk)


# --- applications -----------------------------------------------------------------------------------

@staff_required
def application_create(request, pool_id: int):
    pool = selectors.staff_pool(request.user, pool_id)
    projects = selectors.projects_to_apply(request.user, pool)
    if not scope_paths(request.user, PREPARE):
        raise Http404
    form = ApplicationForm(request.POST or None, projects=projects)
    context = {"pool": pool, "form": form, "has_projects": projects.exists()}
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            app = services.application_create(actor=request.user, pool=pool, project=d["project"],
                                              requested_fen=yuan_to_fen(d["requested_yuan"]), note=d["note"])
        except DomainError as refused:
            return refused_page(request, refused, "funds/staff_application_form.html", context)
        messages.success(request, _("The application is saved as a draft. Check the working, then submit it."))
        return redirect("funds_staff:application", application_id=app.pk)
    return render(request, "funds/staff_application_form.html", context, status=400 if form.errors else 200)


def application_context(user, app: Application) -> dict:
    allocation = selectors.current_allocation(app)
    return {
        "app": app, "pool": app.pool, "working": wording.working_text(app.working),
        "reviews": list(app.reviews.select_related("reviewer")),
        "allocation": allocation,
        "allocation_reason": wording.reason_text(allocation.reason, allocation.params) if allocation else "",
        "history": list(app.allocations.select_related("approved_by").order_by("-id")[:10]),
        "disbursements": list(app.disbursements.select_related("recorded_by")),
        "paid_fen": selectors.disbursed([app.pk]).get(app.pk, 0),
        "can_submit": app.status in (Application.Status.DRAFT, Application.Status.RETURNED)
        and user.pk == app.prepared_by_id,
        "review_form": ReviewForm() if services.can_review(user, app) else None,
        "review_level": services.review_level(app),
        "is_preparer": user.pk == app.prepared_by_id,
        "can_disburse": allocation is not None and allocation.amount_fen > 0
        and has_perm(user, MANAGE_POOL, app.pool.node),
        "resubmit_form": ResubmitForm(),
    }


@staff_required
def application_detail(request, application_id: int):
    app = selectors.staff_application(request.user, application_id)
    return render(request, "funds/staff_application.html", application_context(request.user, app))


@staff_required
@require_POST
def application_submit(request, application_id: int):
    app = selectors.staff_application(request.user, application_id, PREPARE)
    form = ResubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return redirect("funds_staff:application", application_id=app.pk)
    report(request, lambda: services.application_submit(
        actor=request.user, application=app, requested_fen=yuan_to_fen(form.cleaned_data["requested_yuan"])),
        done=_("The application is submitted for review."))
    return redirect("funds_staff:application", application_id=app.pk)


@staff_required
@require_POST
def application_review(request, application_id: int):
    app = selectors.staff_application(request.user, application_id)
    form = ReviewForm(request.POST)
    context = application_context(request.user, app)
    if not form.is_valid():
        context["review_form"] = form
        return render(request, "funds/staff_application.html", context, status=400)
    d = form.cleaned_data
    try:
        services.application_review(actor=request.user, application=app, decision=d["decision"],
                                    comment=d["comment"], score=d["score"])
    except DomainError as refused:
        context["review_form"] = form
        return refused_page(request, refused, "funds/staff_application.html", context)
    messages.success(request, _("The review is recorded."))
    return redirect("funds_staff:application", application_id=app.pk)


# --- allocation -------------------------------------------------------------------------------------

@staff_required
@require_POST
def allocation_run(request, pool_id: int):
    pool = selectors.staff_pool(request.user, pool_id, ALLOCATE)
    report(request, lambda: services.allocation_run(actor=request.user, pool=pool),
           done=lambda run: _("%(n)s allocations are proposed. Another official approves them.")
           % {"n": run.allocations.count()})
    return redirect("funds_staff:pool", pool_id=pool.pk)


@staff_required
@require_POST
def allocation_approve(request, allocation_id: int):
    allocation = Allocation.objects.select_related("pool").filter(pk=allocation_id).first()
    if allocation is None:
        raise Http404
    pool = selectors.staff_pool(request.user, allocation.pool_id, ALLOCATE)
    error = ""
    try:
        allocation = services.allocation_approve(actor=request.user, allocation=allocation)
    except DomainError as refused:
        error = refused.message
    if getattr(request, "htmx", False):
        allocation = (Allocation.objects.select_related("application__project", "application__community",
                                                        "supersedes", "run__ran_by").get(pk=allocation.pk))
        pool.refresh_from_db()
        return render(request, "funds/staff_pool.html#proposal-row",
                      {"p": allocation, "error": error, "pool": pool, "can_allocate": True})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("The allocation is approved."))
    return redirect("funds_staff:pool", pool_id=pool.pk)


# --- disbursements -----------------------------------------------------------------------------------

@staff_required
def disbursement_create(request, application_id: int):
    app = selectors.staff_application(request.user, application_id)
    if not has_perm(request.user, MANAGE_POOL, app.pool.node):
        raise Http404
    form = DisbursementForm(request.POST or None)
    allocation = selectors.current_allocation(app)
    context = {"app": app, "form": form, "allocation": allocation,
               "paid_fen": selectors.disbursed([app.pk]).get(app.pk, 0)}
    if request.method == "POST" and form.is_valid():
        try:
            services.disbursement_record(actor=request.user, application=app, **form.service_kwargs())
        except DomainError as refused:
            return refused_page(request, refused, "funds/staff_disbursement.html", context)
        messages.success(request, _("The payment is recorded."))
        return redirect("funds_staff:application", application_id=app.pk)
    return render(request, "funds/staff_disbursement.html", context, status=400 if form.errors else 200)
