import re

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cocreate.core.auth import staff_required
from cocreate.core.page_cache import page_cached
from cocreate.orgs.page_scopes import node_in_address, row_in_address

from . import selectors, services
from .forms import ConsentForm, HouseholdForm, MoveForm, PersonEditForm, PersonForm, RevealForm, member_formset
from .models import Household, OrgUnit, Person
from .permissions import can_view_household, has_perm, node_for, scope_paths, scope_roots


@staff_required
def console(request):
    """The staff start page: the subtree(s) this person works in."""
    roots = scope_roots(request.user, "orgs.view_node")
    if len(roots) == 1:
        return redirect("orgs:node", node_id=roots[0].pk)
    linked = selectors.households_linked_to(user=request.user)
    return render(request, "orgs/console.html", {"roots": roots, "linked": linked})


_CURSOR = re.compile(r"([0-9A-Z]{1,255})\.([0-9]{1,19})")  # "<path>.<id>"; ASCII only, no NUL


def _after_cursor(request) -> tuple[str, int] | None:
    match = _CURSOR.fullmatch(request.GET.get("after", ""))
    return (match[1], int(match[2])) if match else None


@staff_required
@page_cached(node_in_address())
def node_detail(request, node_id: int):
    node = node_for(request.user, "orgs.view_node", node_id)
    query = request.GET.get("q", "").replace("\x00", "").strip()[:50]  # PostgreSQL refuses NUL
    households, next_cursor = selectors.household_page(node=node, after=_after_cursor(request), query=query)
    context = {
        "node": node,
        "households": households,
        "next_cursor": f"{next_cursor[0]}.{next_cursor[1]}" if next_cursor else "",
        "query": query,
    }
    if request.htmx:
        return render(request, "orgs/node_detail.html#household-rows", context)
    roots = scope_roots(request.user, "orgs.view_node")
    context |= {
        "roots": roots,
        "breadcrumb": selectors.node_breadcrumb(node=node, roots=roots),
        "children": selectors.node_children(node=node),
        "coverage": selectors.node_coverage(node=node),
        "bodies": selectors.node_bodies(node=node),
        "partner_units": selectors.node_partner_units(node=node),
        "can_manage": has_perm(request.user, "orgs.manage_household", node),
        "can_import": has_perm(request.user, "orgs.import_households", node),
        "can_export": has_perm(request.user, "orgs.export_households", node),
    }
    return render(request, "orgs/node_detail.html", context)


@staff_required
def household_create(request, node_id: int):
    node = node_for(request.user, "orgs.manage_household", node_id)
    form = HouseholdForm(request.POST or None)
    consent = ConsentForm(request.POST or None)
    members = member_formset(request.POST or None)
    if request.method == "POST" and form.is_valid() and consent.is_valid() and members.is_valid():
        people = [m.cleaned_data for m in members if m.cleaned_data and not m.cleaned_data.get("DELETE")]
        household = services.household_register(
            actor=request.user, node=node, members=people, **form.cleaned_data,
            consent_channel=consent.cleaned_data["consent_channel"],
            consent_evidence=consent.cleaned_data["consent_evidence"],
        )
        messages.success(request, _("Household registered."))
        return redirect("orgs:household", household_id=household.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "orgs/household_form.html",
                  {"node": node, "form": form, "consent": consent, "members": members}, status=status)


def _household_for(user, household_id: int, action: str = "orgs.view_household") -> Household:
    household = selectors.household_detail(household_id=household_id)
    if household is None:
        raise Http404
    allowed = can_view_household(user, household) if action == "orgs.view_household" else has_perm(
        user, action, household.node)
    if not allowed:
        raise Http404
    return household


@staff_required
@page_cached(row_in_address(Household, "household_id"))
def household_detail(request, household_id: int):
    household = _household_for(request.user, household_id)
    context = {
        "household": household,
        "can_manage": has_perm(request.user, "orgs.manage_household", household.node),
        "can_reveal": has_perm(request.user, "orgs.reveal_phone", household.node),
        "reveal_form": RevealForm(),
    }
    return render(request, "orgs/household_detail.html", context)


@staff_required
def household_edit(request, household_id: int):
    household = _household_for(request.user, household_id, "orgs.manage_household")
    form = HouseholdForm(request.POST or None, initial={"address": household.address,
                                                      "occupancy": household.occupancy})
    if request.method == "POST" and form.is_valid():
        services.household_update(actor=request.user, household=household, custodian=household.custodian,
                                  **form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("orgs:household", household_id=household.pk)
    return render(request, "orgs/simple_form.html",
                  {"form": form, "title": _("Edit household"), "back": household},
                  status=400 if request.method == "POST" else 200)


@staff_required
def household_move(request, household_id: int):
    household = _household_for(request.user, household_id, "orgs.manage_household")
    targets = OrgUnit.objects.in_any_subtree(scope_paths(request.user, "orgs.manage_household")).filter(
        kind__in=services.HOUSEHOLD_KINDS).select_related("level")
    form = MoveForm(request.POST or None, nodes=targets)
    if request.method == "POST" and form.is_valid():
        services.household_move(actor=request.user, household=household, to_node=form.cleaned_data["to_node"])
        messages.success(request, _("Household moved."))
        return redirect("orgs:household", household_id=household.pk)
    return render(request, "orgs/simple_form.html",
                  {"form": form, "title": _("Move household"), "back": household},
                  status=400 if request.method == "POST" else 200)


@staff_required
def member_add(request, household_id: int):
    household = _household_for(request.user, household_id, "orgs.manage_household")
    form = PersonForm(request.POST or None)
    consent = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and consent.is_valid():
        services.person_add(actor=request.user, household=household, data=form.cleaned_data,
                            consent_channel=consent.cleaned_data["consent_channel"],
                            consent_evidence=consent.cleaned_data["consent_evidence"])
        messages.success(request, _("Member added."))
        return redirect("orgs:household", household_id=household.pk)
    return render(request, "orgs/simple_form.html",
                  {"form": form, "extra_form": consent, "title": _("Add a member"), "back": household},
                  status=400 if request.method == "POST" else 200)


def _person_for(user, person_id: int, action: str) -> Person:
    person = Person.objects.select_related("node", "household").filter(pk=person_id).first()
    if person is None or not has_perm(user, action, person.node):
        raise Http404
    return person


@staff_required
def person_edit(request, person_id: int):
    person = _person_for(request.user, person_id, "orgs.manage_household")
    initial = {f: getattr(person, f) for f in ("name", "gender", "birth_year", "relation", "is_party_member")}
    form = PersonEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.person_update(actor=request.user, person=person, data=form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("orgs:household", household_id=person.household_id) if person.household_id else redirect(
            "orgs:console")
    return render(request, "orgs/simple_form.html",
                  {"form": form, "title": _("Edit member"), "back": person.household, "person": person},
                  status=400 if request.method == "POST" else 200)


@staff_required
@require_POST
def phone_reveal(request, person_id: int):
    person = _person_for(request.user, person_id, "orgs.view_household")
    form = RevealForm(request.POST)
    if not form.is_valid():
        return render(request, "orgs/reveal.html", {"person": person, "form": form}, status=400)
    number = services.phone_reveal(actor=request.user, person=person, reason=form.cleaned_data["reason"])
    return render(request, "orgs/reveal.html", {"person": person, "number": number})


@staff_required
def household_export(request, node_id: int):
    from .importexport import export_households

    node = node_for(request.user, "orgs.export_households", node_id)
    content = export_households(actor=request.user, node=node)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="households-{node.pk}.xlsx"'
    return response


@staff_required
def household_import(request, node_id: int):
    from .forms import ImportForm
    from .importexport import ImportRejected, import_households

    node = node_for(request.user, "orgs.import_households", node_id)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            created = import_households(actor=request.user, node=node, upload=form.cleaned_data["file"])
        except ImportRejected as rejected:
            errors = rejected.errors
        else:
            messages.success(request, _("%(count)d households imported.") % {"count": created})
            return redirect("orgs:node", node_id=node.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "orgs/import.html", {"node": node, "form": form, "errors": errors}, status=status)


@staff_required
def import_template(request, node_id: int):
    from .importexport import template_workbook

    node_for(request.user, "orgs.import_households", node_id)
    response = HttpResponse(template_workbook(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="household-import-template.xlsx"'
    return response

