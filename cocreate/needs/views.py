"""Staff pages for needs: the community list with its clusters, a need with triage and merge,
recording a need for a resident with consent, door-to-door campaigns, and the weekly
clearance report. A need or a node outside the viewer's scope answers 404 like a missing one."""

import re

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cocreate.core.auth import staff_required
from cocreate.core.errors import DomainError
from cocreate.core.feedback import report
from cocreate.core.page_cache import page_cached
from cocreate.orgs import selectors as org_selectors
from cocreate.orgs.models import Household, Kind, OrgUnit, Role
from cocreate.orgs.page_scopes import node_in_address, row_in_address
from cocreate.orgs.permissions import (
    ROLES_FOR,
    active_grants,
    can_view_household,
    has_perm,
    node_for,
    scope_paths,
    scope_roots,
)

from . import selectors, services
from .forms import CampaignForm, ConsentCodeForm, MergeForm, RecordForm, TriageForm, VisitForm
from .models import Need, VisitCampaign

COMMUNITY_AND_BELOW = {Kind.COMMUNITY, Kind.GRID, Kind.MICROGRID, Kind.BUILDING}
_CURSOR = re.compile(r"([0-9]{1,10})\.([0-9]{1,19})")  # "<support_count>.<id>"


def _need_for(user, need_id: int, action: str = "needs.view") -> Need:
    """The need if the user may do `action` on it; missing and forbidden both give 404.
    Recording for a resident follows the household rule (a 联户长: linked households only)."""
    need = selectors.need_detail(need_id=need_id)
    if need is None:
        raise Http404
    if action in ("needs.record_for_resident", "needs.visit"):
        allowed = need.household is not None and services.can_act_for_household(user, need.household, action)
    else:
        allowed = has_perm(user, action, need.node)
    if not allowed:
        raise Http404
    return need


def _household_for(user, household_id: int, action: str = "needs.record_for_resident") -> Household:
    household = org_selectors.household_detail(household_id=household_id)
    if household is None or not services.can_act_for_household(user, household, action):
        raise Http404
    return household


def _back_after_recording(user, need: Need):
    if has_perm(user, "needs.view", need.node):
        return redirect("needs_staff:detail", need_id=need.pk)
    return redirect("orgs:household", household_id=need.household_id)


def image_response(field_file) -> FileResponse:
    """A stored photo (always a re-encoded JPEG), or 404 when the file is gone."""
    try:
        return FileResponse(field_file.open("rb"), content_type="image/jpeg")
    except FileNotFoundError as gone:
        raise Http404 from gone


# --- lists -----------------------------------------------------------------------------------

@staff_required
def index(request):
    roots = scope_roots(request.user, "needs.view")
    if len(roots) == 1:
        return redirect("needs_staff:list", node_id=roots[0].pk)
    linked = org_selectors.households_linked_to(user=request.user)
    return render(request, "needs/staff_index.html", {"roots": roots, "linked": linked})


def _before(request) -> tuple[int, int] | None:
    match = _CURSOR.fullmatch(request.GET.get("before", ""))
    return (int(match[1]), int(match[2])) if match else None


@staff_required
@page_cached(node_in_address())
def needs_list(request, node_id: int):
    node = node_for(request.user, "needs.view", node_id)
    status = request.GET.get("status", "")
    status = status if status in Need.Status.values else ""
    order = "support" if request.GET.get("order") == "support" else "new"
    rows, cursor = selectors.need_page(node=node, status=status, order=order, before=_before(request))
    now = timezone.now()
    for need in rows:
        need.overdue = need.is_open and need.due_at is not None and need.due_at < now
    context = {"node": node, "rows": rows, "status": status, "order": order,
               "next_cursor": f"{cursor[0]}.{cursor[1]}" if cursor else ""}
    if request.htmx:
        return render(request, "needs/staff_list.html#need-rows", context)
    community = None
    if node.kind in COMMUNITY_AND_BELOW:
        try:
            community = services.community_of(node)
        except DomainError:
            community = None
    context |= {
        "statuses": Need.Status.choices,
        "clusters": selectors.common_ground(community=community, within=node) if community else [],
        "communities": [] if community else selectors.community_counts(node=node),
        "can_run_campaign": has_perm(request.user, "needs.run_campaign", node),
    }
    return render(request, "needs/staff_list.html", context)


# --- one need ----------------------------------------------------------------------------------

def _triage_form(need: Need, data=None) -> TriageForm:
    nodes = OrgUnit.objects.in_subtree(need.community).select_related("level").order_by("path")
    return TriageForm(data, need=need, nodes=nodes, users=selectors.assignable_users(need=need))


def _detail_context(request, need: Need, triage: TriageForm | None = None) -> dict:
    can_handle = has_perm(request.user, "needs.handle", need.node) and any(
        need.can_transition_to(s) for s in Need.Status if s != Need.Status.MERGED)
    return {
        "need": need,
        "triage": (triage or _triage_form(need)) if can_handle else None,
        "can_merge": need.is_open and has_perm(request.user, "needs.merge", need.node),
        "can_view_household": need.household is not None and can_view_household(request.user, need.household),
        "can_confirm": (need.consent_method == Need.ConsentMethod.SMS and need.consent_confirmed_at is None
                        and need.household is not None
                        and services.can_act_for_household(request.user, need.household)),
        "sources": list(need.merged.all()),
    }


@staff_required
@page_cached(row_in_address(Need, "need_id"))
def detail(request, need_id: int):
    need = _need_for(request.user, need_id)
    return render(request, "needs/staff_detail.html", _detail_context(request, need))


@staff_required
@require_POST
def triage(request, need_id: int):
    need = _need_for(request.user, need_id, "needs.handle")
    form = _triage_form(need, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.need_transition(actor=request.user, need=need, status=data["status"], note=data["note"],
                                     assigned_node=data["assigned_node"], assigned_to=data["assigned_to"],
                                     scope=data["scope"])
        except DomainError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Saved. The resident will be told."))
            return redirect("needs_staff:detail", need_id=need.pk)
    return render(request, "needs/staff_detail.html", _detail_context(request, need, form), status=400)


@staff_required
def merge(request, need_id: int):
    need = _need_for(request.user, need_id, "needs.merge")
    if not need.is_open:
        raise Http404
    candidates = [n for _score, n in selectors.similar_open_needs(
        community=need.community, text=need.text, exclude_id=need.pk, limit=10)
        if has_perm(request.user, "needs.merge", n.node)]
    form = MergeForm(request.POST or None, candidates=candidates)
    if request.method == "POST":
        if form.is_valid():
            try:
                target = services.need_merge(actor=request.user, source=need, target=form.cleaned_data["target"])
            except DomainError as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("Merged. Every supporter now counts on this need."))
                return redirect("needs_staff:detail", need_id=target.pk)
        return render(request, "needs/staff_merge.html", {"need": need, "form": form, "candidates": candidates},
                      status=400)
    return render(request, "needs/staff_merge.html", {"need": need, "form": form, "candidates": candidates})


@staff_required
def photo(request, need_id: int, photo_id: int):
    need = _need_for(request.user, need_id)
    picture = next((p for p in need.photos.all() if p.pk == photo_id), None)
    if picture is None:
        raise Http404
    return image_response(picture.image)


@staff_required
def slip(request, need_id: int):
    need = _need_for(request.user, need_id)
    if not need.consent_slip:
        raise Http404
    return image_response(need.consent_slip)


# --- recording for a resident, with consent ---------------------------------------------------

def _raise_for(user, form: RecordForm, *, channel: str | None = None, visit=None) -> Need:
    data = form.cleaned_data
    return services.need_raise(
        actor=user, person=data["person"], text=data["text"], category=data["category"], place=data["place"],
        node=data["node"], latitude=data["latitude"], longitude=data["longitude"], photos=data["photos"],
        channel=channel, consent_method=data["consent_method"], consent_slip=data["consent_slip"], visit=visit)


def ask_sms_consent(request, need: Need):
    """A need recorded for a resident with SMS consent: send the code now and open the page
    where the resident's answer is typed in. None for a signed slip (nothing more to ask).
    Shared with the other pages that record needs (a meeting's)."""
    if need.consent_method != Need.ConsentMethod.SMS:
        return None
    report(request, lambda: services.need_consent_request(actor=request.user, need=need),
           done=_("Recorded. A code was sent to the resident's phone."))
    return redirect("needs_staff:consent", need_id=need.pk)


def _after_raise_for(request, need: Need):
    response = ask_sms_consent(request, need)
    if response is not None:
        return response
    messages.success(request, _("Recorded for the resident, with the photo of the signed slip."))
    return _back_after_recording(request.user, need)


@staff_required
def record(request, household_id: int):
    household = _household_for(request.user, household_id)
    community = services.community_of(household.node)
    form = RecordForm(request.POST or None, request.FILES or None, community=community,
                      members=household.members.all())
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                need = _raise_for(request.user, form)
            except DomainError as refused:
                form.add_error(None, refused.message)
                status = refused.status
            else:
                return _after_raise_for(request, need)
    return render(request, "needs/staff_record.html", {"household": household, "form": form}, status=status)


@staff_required
def consent(request, need_id: int):
    need = _need_for(request.user, need_id, "needs.record_for_resident")
    if need.consent_method != Need.ConsentMethod.SMS:
        raise Http404
    form = ConsentCodeForm(request.POST if "code" in request.POST else None)
    status = 200
    if request.method == "POST":
        try:
            if "resend" in request.POST:
                services.need_consent_request(actor=request.user, need=need)
                messages.success(request, _("A new code was sent to the resident's phone."))
                return redirect("needs_staff:consent", need_id=need.pk)
            if form.is_valid():
                services.need_consent_confirm(actor=request.user, need=need, code=form.cleaned_data["code"])
                messages.success(request, _("The resident confirmed. Thank you."))
                return _back_after_recording(request.user, need)
        except DomainError as refused:
            form.add_error(None, refused.message)
            status = refused.status
        else:
            status = 400
    return render(request, "needs/staff_consent.html", {"need": need, "form": form}, status=status)


# --- door-to-door campaigns (敲门行动) -------------------------------------------------------------

def _staff_visit_paths(user) -> list[str]:
    """Subtrees where the user sees campaigns whole: needs.view, or visiting as a grid worker
    or cadre (a 联户长 sees only the households linked to them)."""
    roles = ROLES_FOR["needs.visit"] - {Role.LINK_HEAD}
    paths = set(scope_paths(user, "needs.view")) | {g.node.path for g in active_grants(user) if g.role in roles}
    return sorted(paths)


def _campaign_scope(user, campaign: VisitCampaign) -> tuple[list[str] | None, list[int] | None]:
    """(subtrees, household ids) of the campaign this user sees; (None, None) is all of it.
    Raises 404 when the user has no part in it."""
    paths = _staff_visit_paths(user)
    if any(campaign.node.path.startswith(p) for p in paths):
        return None, None
    inner = [p for p in paths if p.startswith(campaign.node.path)]
    if inner:
        return inner, None
    if any(g.role == Role.LINK_HEAD for g in active_grants(user)):
        linked = list(Household.objects.in_subtree(campaign.node)
                      .filter(pk__in=selectors.linked_household_ids(user=user)).values_list("pk", flat=True))
        if linked:
            return None, linked
    raise Http404


@staff_required
def campaigns(request):
    paths = _staff_visit_paths(request.user)
    link_head = any(g.role == Role.LINK_HEAD for g in active_grants(request.user))
    if link_head:
        paths = sorted({*paths, *(g.node.path for g in active_grants(request.user) if g.role == Role.LINK_HEAD)})
    return render(request, "needs/staff_campaigns.html", {
        "campaigns": selectors.campaigns_for(paths=paths),
        "can_create": scope_roots(request.user, "needs.run_campaign"),
    })


@staff_required
def campaign_create(request, node_id: int):
    node = node_for(request.user, "needs.run_campaign", node_id)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        campaign = services.campaign_create(actor=request.user, node=node, **form.cleaned_data)
        messages.success(request, _("Campaign created."))
        return redirect("needs_staff:campaign", campaign_id=campaign.pk)
    return render(request, "needs/staff_campaign_form.html", {"node": node, "form": form},
                  status=400 if request.method == "POST" else 200)


def _campaign_or_404(campaign_id: int) -> VisitCampaign:
    campaign = VisitCampaign.objects.select_related("node__level").filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404
    return campaign


@staff_required
def campaign_detail(request, campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    paths, household_ids = _campaign_scope(request.user, campaign)
    progress = selectors.campaign_progress(campaign=campaign, paths=paths, household_ids=household_ids)
    households = Household.objects.in_subtree(campaign.node)
    if paths is not None:
        households = households.in_any_subtree(paths)
    if household_ids is not None:
        households = households.filter(pk__in=household_ids)
    visit_roles = ROLES_FOR["needs.visit"] - {Role.LINK_HEAD}
    staff_paths = [g.node.path for g in active_grants(request.user) if g.role in visit_roles]
    for household in progress.not_visited:
        household.can_visit = household_ids is not None or any(household.path.startswith(p) for p in staff_paths)
    return render(request, "needs/staff_campaign.html", {
        "campaign": campaign, "progress": progress,
        "visits": selectors.campaign_visits(campaign=campaign, households=households),
        "partial": paths is not None or household_ids is not None,
    })


@staff_required
def visit(request, campaign_id: int, household_id: int):
    campaign = _campaign_or_404(campaign_id)
    household = _household_for(request.user, household_id, "needs.visit")
    if not household.node.is_within(campaign.node):
        raise Http404
    done = campaign.visits.filter(household=household).select_related("visitor").first()
    community = services.community_of(household.node)
    form = VisitForm(request.POST or None, prefix="visit")
    need_form = RecordForm(request.POST or None, request.FILES or None, prefix="need", community=community,
                           members=household.members.all(), optional=True)
    status = 200
    if request.method == "POST" and done is not None:
        status = 409
    elif request.method == "POST":
        status = 400
        if form.is_valid() and need_form.is_valid():
            try:
                with transaction.atomic():
                    the_visit = services.visit_record(actor=request.user, campaign=campaign, household=household,
                                                      **form.cleaned_data)
                    need = None
                    if need_form.cleaned_data.get("text"):
                        need = _raise_for(request.user, need_form, channel=Need.Channel.VISIT, visit=the_visit)
            except DomainError as refused:
                form.add_error(None, refused.message)
                status = refused.status
            else:
                if need is not None:
                    return _after_raise_for(request, need)
                messages.success(request, _("Visit recorded."))
                return redirect("needs_staff:campaign", campaign_id=campaign.pk)
    return render(request, "needs/staff_visit.html", {
        "campaign": campaign, "household": household, "form": form, "need_form": need_form, "done": done,
    }, status=status)


# --- 周周清 ---------------------------------------------------------------------------------------

@staff_required
def clearance(request, node_id: int):
    node = node_for(request.user, "needs.view", node_id)
    rows, overdue = selectors.weekly_clearance(node=node)
    return render(request, "needs/staff_clearance.html", {"node": node, "rows": rows, "overdue": overdue})
