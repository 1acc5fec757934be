"""Staff pages for partners: a node's service orders (dispatch, cancel), the partner units' offers
(资源清单) with matching suggestions against open needs, the service list (服务清单), pairings,
hours and ratings per member and per unit, and placing an order for a resident without a phone
(with the signed slip). Anything outside the viewer's scope answers 404 like a missing object."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cocreate.core.auth import staff_required
from cocreate.core.errors import DomainError
from cocreate.core.feedback import report
from cocreate.needs.views import image_response
from cocreate.orgs.console import section_start
from cocreate.orgs.models import Kind
from cocreate.orgs.permissions import has_perm, node_for

from . import selectors, services
from .forms import DispatchForm, ItemForm, OfferForm, PairingForm, ProxyOrderForm, ReasonForm
from .models import ServiceOrder

VIEW, MANAGE = selectors.VIEW, selectors.MANAGE


def _before(request) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def _nav(request, node) -> dict:
    return {"node": node, "can_manage": has_perm(request.user, MANAGE, node) and node.kind == Kind.COMMUNITY}


@staff_required
def index(request):
    return section_start(request, action=VIEW, list_url="partners_staff:orders", template="partners/staff_index.html")


# --- orders --------------------------------------------------------------------------------------

@staff_required
def orders(request, node_id: int):
    node = node_for(request.user, VIEW, node_id)
    status = request.GET.get("status", "")
    status = status if status in ServiceOrder.Status.values else ""
    rows, cursor = selectors.order_page(node=node, status=status, before=_before(request))
    context = {**_nav(request, node), "rows": rows, "next_cursor": cursor or "", "status": status,
               "statuses": ServiceOrder.Status.choices}
    if request.htmx:
        return render(request, "partners/staff_orders.html#order-rows", context)
    return render(request, "partners/staff_orders.html", context)


def _order_context(request, order: ServiceOrder, dispatch_form=None) -> dict:
    can_manage = has_perm(request.user, MANAGE, order.node)
    S = ServiceOrder.Status
    return {
        "order": order, "can_manage": can_manage,
        "can_dispatch": can_manage and order.status in (S.PLACED, S.DISPATCHED, S.CLAIMED),
        "can_cancel": can_manage and order.is_open,
        "dispatch_form": dispatch_form or DispatchForm(community=order.community),
    }


@staff_required
def order(request, order_id: int):
    the_order = selectors.staff_order(request.user, order_id)
    return render(request, "partners/staff_order.html", _order_context(request, the_order))


@staff_required
@require_POST
def dispatch(request, order_id: int):
    the_order = selectors.staff_order(request.user, order_id, MANAGE)
    form = DispatchForm(request.POST, community=the_order.community)
    if form.is_valid():
        try:
            services.order_dispatch(actor=request.user, order=the_order, member=form.cleaned_data["member"],
                                    unit=None if form.cleaned_data["member"] else form.cleaned_data["unit"])
        except DomainError as refused:
            form.add_error(None, refused.message)
            return render(request, "partners/staff_order.html", _order_context(request, the_order, form),
                          status=refused.status)
        messages.success(request, _("The order is dispatched."))
        return redirect("partners_staff:order", order_id=the_order.pk)
    return render(request, "partners/staff_order.html", _order_context(request, the_order, form), status=400)


@staff_required
@require_POST
def order_cancel(request, order_id: int):
    the_order = selectors.staff_order(request.user, order_id, MANAGE)
    form = ReasonForm(request.POST)
    report(request, lambda: services.order_cancel(
        actor=request.user, order=the_order, reason=form.cleaned_data["reason"] if form.is_valid() else ""),
        done=_("The order is cancelled."))
    return redirect("partners_staff:order", order_id=the_order.pk)


@staff_required
def order_photo(request, order_id: int):
    the_order = selectors.staff_order(request.user, order_id)
    if not the_order.completion_photo:
        raise Http404
    return image_response(the_order.completion_photo)


@staff_required
def order_slip(request, order_id: int):
    the_order = selectors.staff_order(request.user, order_id)
    if not the_order.consent_slip:
        raise Http404
    return image_response(the_order.consent_slip)


@staff_required
def order_for(request, household_id: int):
    """代办: place an order for a resident of the household, with the slip they signed."""
    household = selectors.proxy_household(request.user, household_id)
    community = services.community_of(household.node)
    form = ProxyOrderForm(request.POST or None, request.FILES or None, household=household, community=community)
    context = {"household": household, "form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = services.order_place(actor=request.user, person=data["person"], item=data["item"],
                                        description=data["description"], consent_slip=data["consent_slip"])
        except DomainError as refused:
            form.add_error(None, refused.message)
            return render(request, "partners/staff_order_for.html", context, status=refused.status)
        messages.success(request, _("The order is placed for the resident."))
        if has_perm(request.user, VIEW, made.node):
            return redirect("partners_staff:order", order_id=made.pk)
        return redirect("partners_staff:order-for", household_id=household.pk)  # a 联户长 cannot read orders
    return render(request, "partners/staff_order_for.html", context, status=400 if form.errors else 200)


# --- offers and the service list -------------------------------------------------------------------

@staff_required
def offers(request, node_id: int):
    node = node_for(request.user, VIEW, node_id)
    nav = _nav(request, node)
    form = OfferForm(request.POST or None, community=node) if nav["can_manage"] else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = services.offer_create(actor=request.user, community=node, **data)
            except DomainError as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("The offer is on the resource list. List it for the residents now."))
                return redirect("partners_staff:offer", offer_id=made.pk)
    rows, cursor = selectors.offer_page(node=node, before=_before(request))
    return render(request, "partners/staff_offers.html", {**nav, "rows": rows, "next_cursor": cursor or "",
                                                           "form": form},
                  status=400 if form is not None and form.errors else 200)


@staff_required
def offer(request, offer_id: int):
    the_offer = selectors.staff_offer(request.user, offer_id)
    can_manage = has_perm(request.user, MANAGE, the_offer.community)
    form = ItemForm(request.POST or None, offer=the_offer, initial={"need": request.GET.get("need")}) \
        if can_manage and the_offer.active else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                services.item_publish(actor=request.user, offer=the_offer, **form.cleaned_data)
            except DomainError as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("The service is on the residents' list."))
                return redirect("partners_staff:offer", offer_id=the_offer.pk)
    return render(request, "partners/staff_offer.html", {
        "offer": the_offer, "can_manage": can_manage, "form": form,
        "suggestions": selectors.match_suggestions(offer=the_offer),
        "items": list(the_offer.items.select_related("need").order_by("-id")),
    }, status=400 if form is not None and form.errors else 200)


@staff_required
@require_POST
def offer_deactivate(request, offer_id: int):
    the_offer = selectors.staff_offer(request.user, offer_id, MANAGE)
    report(request, lambda: services.offer_deactivate(actor=request.user, offer=the_offer),
           done=_("The offer is inactive; its services left the residents' list."))
    return redirect("partners_staff:offer", offer_id=the_offer.pk)


@staff_required
def items(request, node_id: int):
    node = node_for(request.user, VIEW, node_id)
    rows, cursor = selectors.item_page(node=node, before=_before(request))
    context = {**_nav(request, node), "rows": rows, "next_cursor": cursor or ""}
    if request.htmx:
        return render(request, "partners/staff_services.html#item-rows", context)
    return render(request, "partners/staff_services.html", context)


@staff_required
@require_POST
def item_withdraw(request, item_id: int):
    item = selectors.staff_item(request.user, item_id, MANAGE)
    report(request, lambda: services.item_withdraw(actor=request.user, item=item),
           done=_("The service left the residents' list."))
    return redirect("partners_staff:services", node_id=item.community_id)


# --- pairings and statistics -------------------------------------------------------------------------

@staff_required
def pairings(request, node_id: int):
    node = node_for(request.user, VIEW, node_id)
    nav = _nav(request, node)
    form = PairingForm(request.POST or None, units=selectors.pairable_units(community=node)) \
        if nav["can_manage"] else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                services.pairing_add(actor=request.user, community=node, **form.cleaned_data)
            except DomainError as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("The unit is paired with the community."))
                return redirect("partners_staff:pairings", node_id=node.pk)
    return render(request, "partners/staff_pairings.html", {
        **nav, "form": form, "rows": selectors.pairings(node=node),
        "members": selectors.community_members(community=node) if node.kind == Kind.COMMUNITY else [],
    }, status=400 if form is not None and form.errors else 200)


@staff_required
@require_POST
def pairing_end(request, pairing_id: int):
    pairing = selectors.staff_pairing(request.user, pairing_id)
    community_id = pairing.community_id
    report(request, lambda: services.pairing_end(actor=request.user, pairing=pairing),
           done=_("The pairing has ended; the unit's offers are inactive."))
    return redirect("partners_staff:pairings", node_id=community_id)


@staff_required
def stats(request, node_id: int):
    node = node_for(request.user, VIEW, node_id)
    per_member, per_unit = selectors.stats(node=node)
    return render(request, "partners/staff_stats.html", {**_nav(request, node), "per_member": per_member,
                                                          "per_unit": per_unit})
