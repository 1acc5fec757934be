"""Staff pages for decisions: ballots on a topic (create, open, close, publish, result, PDF
notice), paper and show-of-hands entry with attestation, the owners' roll, and procedures with
their stages. Anything outside the viewer's scope answers 404 like a missing object."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cocreate.core.auth import staff_required
from cocreate.core.errors import DomainError
from cocreate.core.feedback import report
from cocreate.meetings.models import Topic
from cocreate.needs.views import image_response
from cocreate.orgs.console import refused_page, section_start
from cocreate.orgs.permissions import has_perm, node_for

from . import pdf, selectors, services
from .forms import BallotForm, OwnersForm, PaperTallyForm, ProcedureForm, PublishForm, StageForm
from .models import Ballot, ProcedureStage

VIEW, MANAGE = selectors.VIEW, selectors.MANAGE


# --- lists -------------------------------------------------------------------------------------

@staff_required
def index(request):
    return section_start(request, action=VIEW, list_url="decisions_staff:list", template="decisions/staff_index.html")


@staff_required
def ballot_list(request, node_id: int):
    node = node_for(request.user, VIEW, node_id)
    before = request.GET.get("before", "")
    rows, cursor = selectors.ballot_page(node=node, before=int(before) if before.isdigit() else None)
    topics = list(Topic.objects.in_subtree(node).filter(status__in=["discussion", "voting"])
                  .order_by("-id")[:30])
    return render(request, "decisions/staff_list.html", {
        "node": node, "rows": rows, "next_cursor": cursor, "topics": topics,
        "procedures": selectors.procedure_page(node=node), "can_manage": has_perm(request.user, MANAGE, node),
    })


# --- ballots ------------------------------------------------------------------------------------

@staff_required
def ballot_create(request, topic_id: int):
    topic = selectors.staff_topic(request.user, topic_id)
    form = BallotForm(request.POST or None, topic=topic)
    context = {"topic": topic, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            ballot = services.ballot_create(actor=request.user, topic=topic, **form.service_kwargs())
        except DomainError as refused:
            return refused_page(request, refused, "decisions/staff_ballot_form.html", context)
        messages.success(request, _("Ballot created. Check it, then open it."))
        return redirect("decisions_staff:ballot", ballot_id=ballot.pk)
    return render(request, "decisions/staff_ballot_form.html", context, status=400 if form.errors else 200)


@staff_required
def ballot_detail(request, ballot_id: int):
    ballot = selectors.staff_ballot(request.user, ballot_id)
    result = selectors.ballot_result(ballot)
    return render(request, "decisions/staff_ballot.html", {
        "ballot": ballot, "result": result, "chart": result.chart(),
        "can_manage": has_perm(request.user, MANAGE, ballot.node),
        "tallies": list(ballot.paper_tallies.select_related("recorded_by")),
        "public_url": request.build_absolute_uri(reverse("decisions:result", args=[ballot.pk])),
    })


def _transition(request, ballot_id: int, service, done: str):
    ballot = selectors.staff_ballot(request.user, ballot_id, MANAGE)
    report(request, lambda: service(actor=request.user, ballot=ballot), done=done)
    return redirect("decisions_staff:ballot", ballot_id=ballot.pk)


@staff_required
@require_POST
def ballot_open(request, ballot_id: int):
    return _transition(request, ballot_id, services.ballot_open, _("The ballot is open."))


@staff_required
@require_POST
def ballot_close(request, ballot_id: int):
    return _transition(request, ballot_id, services.ballot_close, _("The ballot is closed; the votes are frozen."))


@staff_required
def ballot_publish(request, ballot_id: int):
    ballot = selectors.staff_ballot(request.user, ballot_id, MANAGE)
    form = PublishForm(request.POST or None)
    context = {"ballot": ballot, "form": form, "result": selectors.ballot_result(ballot)}
    if request.method == "POST" and form.is_valid():
        try:
            services.ballot_publish(actor=request.user, ballot=ballot, note=form.cleaned_data["note"])
        except DomainError as refused:
            return refused_page(request, refused, "decisions/staff_publish.html", context)
        messages.success(request, _("The result is published."))
        return redirect("decisions_staff:ballot", ballot_id=ballot.pk)
    return render(request, "decisions/staff_publish.html", context)


@staff_required
def notice_pdf(request, ballot_id: int):
    ballot = selectors.staff_ballot(request.user, ballot_id)
    if ballot.status != Ballot.Status.PUBLISHED:
        raise Http404
    url = request.build_absolute_uri(reverse("decisions:result", args=[ballot.pk]))
    body = pdf.notice_pdf(selectors.ballot_result(ballot), public_url=url)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="ballot-{ballot.pk}-notice.pdf"'
    return response


# --- paper ballots and show of hands ---------------------------------------------------------------

@staff_required
def paper_tally(request, ballot_id: int):
    ballot = selectors.staff_ballot(request.user, ballot_id, MANAGE)
    roster, already, eligible = selectors.paper_roster(ballot)
    form = PaperTallyForm(request.POST or None, request.FILES or None, ballot=ballot, roster=roster)
    context = {"ballot": ballot, "form": form, "already": already, "eligible": eligible}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.paper_tally_record(
                actor=request.user, ballot=ballot, method=data["method"], held_at=data["held_at"],
                counts=form.counts(), areas=form.areas(), voter_keys=data["voters"], invalid=data["invalid"],
                sheet_photo=data["sheet_photo"], signatory_one=data["signatory_one"],
                signatory_two=data["signatory_two"])
        except DomainError as refused:
            return refused_page(request, refused, "decisions/staff_paper.html", context)
        messages.success(request, _("The tally is recorded."))
        return redirect("decisions_staff:ballot", ballot_id=ballot.pk)
    return render(request, "decisions/staff_paper.html", context, status=400 if form.errors else 200)


@staff_required
def tally_sheet(request, ballot_id: int, tally_id: int):
    ballot = selectors.staff_ballot(request.user, ballot_id)
    sheet = next((t for t in ballot.paper_tallies.all() if t.pk == tally_id), None)
    if sheet is None:
        raise Http404
    return image_response(sheet.sheet_photo)


# --- owners' roll ------------------------------------------------------------------------------------

@staff_required
def owners(request, node_id: int):
    node = node_for(request.user, VIEW, node_id)
    can_manage = has_perm(request.user, MANAGE, node)
    form = OwnersForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            raise Http404
        if form.is_valid():
            try:
                done = services.owners_import(actor=request.user, node=node, text=form.cleaned_data["lines"])
            except DomainError as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("Owners' roll saved: %(created)s added, %(updated)s updated.") % done)
                return redirect("decisions_staff:owners", node_id=node.pk)
    rows, count, area = selectors.owner_roll(node=node)
    return render(request, "decisions/staff_owners.html", {
        "node": node, "rows": rows, "count": count, "area": area, "form": form,
    }, status=400 if form is not None and form.errors else 200)


# --- procedures ------------------------------------------------------------------------------------

@staff_required
def procedure_start(request, topic_id: int):
    topic = selectors.staff_topic(request.user, topic_id)
    form = ProcedureForm(request.POST or None)
    context = {"topic": topic, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            procedure = services.procedure_start(actor=request.user, topic=topic, **form.cleaned_data)
        except DomainError as refused:
            return refused_page(request, refused, "decisions/staff_procedure_form.html", context)
        return redirect("decisions_staff:procedure", procedure_id=procedure.pk)
    return render(request, "decisions/staff_procedure_form.html", context)


@staff_required
def procedure_detail(request, procedure_id: int):
    procedure = selectors.staff_procedure(request.user, procedure_id)
    stages = list(procedure.stages.all())
    upcoming = selectors.upcoming_stage(procedure)
    can_manage = has_perm(request.user, MANAGE, procedure.topic.node)
    form = None
    if upcoming and can_manage:
        form = StageForm(request.POST or None, request.FILES or None, procedure=procedure, stage=upcoming)
    context = {"procedure": procedure, "stages": stages, "form": form,
               "upcoming": ProcedureStage.Stage(upcoming).label if upcoming else "",
               "all_stages": [ProcedureStage.Stage(code).label for code in procedure.stage_codes]}
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.procedure_record_stage(actor=request.user, procedure=procedure, stage=upcoming, **{
                    k: data.get(k) for k in (
                        "held_on", "body", "meeting", "ballot", "expected", "present", "approving",
                        "expected_households", "present_households", "expected_area", "present_area",
                        "approving_area", "evidence")},
                    resolution_body=data.get("resolution_body") or "", minutes_ref=data.get("minutes_ref") or "",
                    content=data.get("content") or "")
            except DomainError as refused:
                return refused_page(request, refused, "decisions/staff_procedure.html", context)
            messages.success(request, _("The stage is recorded."))
            return redirect("decisions_staff:procedure", procedure_id=procedure.pk)
        return render(request, "decisions/staff_procedure.html", context, status=400)
    return render(request, "decisions/staff_procedure.html", context)


@staff_required
def stage_evidence(request, procedure_id: int, stage_id: int):
    procedure = selectors.staff_procedure(request.user, procedure_id)
    row = next((s for s in procedure.stages.all() if s.pk == stage_id), None)
    if row is None or not row.evidence:
        raise Http404
    return image_response(row.evidence)
