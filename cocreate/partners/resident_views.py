"""The resident's service pages (mobile-first, elder-friendly): the service list of my community,
placing an order (点单), my orders with the rating form once done (评单); and for a dispatched
Party member (双报到), the orders waiting to be claimed (抢单) and their own orders to accept
(接单) and report done with a photo and the time spent. Anything not theirs answers 404."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cocreate.core.auth import resident_required
from cocreate.core.errors import DomainError
from cocreate.core.feedback import report
from cocreate.needs.views import image_response

from . import selectors, services
from .forms import CompleteForm, OrderForm, RateForm, ReasonForm
from .models import ServiceOrder


def _before(request) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


@resident_required
def service_list(request):
    me = selectors.resident(request.user)
    rows, cursor = selectors.service_page(community=me.community, before=_before(request)) if me.community \
        else ([], None)
    context = {"me": me, "rows": rows, "next_cursor": cursor or "",
               "member": selectors.member_of(request.user)}
    if request.htmx:
        return render(request, "partners/resident_list.html#service-rows", context)
    return render(request, "partners/resident_list.html", context)


@resident_required
def order_new(request):
    me = selectors.resident(request.user)
    initial = {}
    item_id = request.GET.get("item", "")
    if item_id.isdigit() and me.community is not None:
        initial["item"] = selectors.resident_item(me, int(item_id)).pk
    form = OrderForm(request.POST or None, community=me.community, initial=initial)
    context = {"me": me, "form": form}
    if request.method == "POST" and me.person is not None and form.is_valid():
        try:
            order = services.order_place(actor=request.user, person=me.person, item=form.cleaned_data["item"],
                                         description=form.cleaned_data["description"])
        except DomainError as refused:
            form.add_error(None, refused.message)
            return render(request, "partners/resident_order_form.html", context, status=refused.status)
        messages.success(request, _("Your order is placed. You will be told when someone takes it."))
        return redirect("partners:order", order_id=order.pk)
    return render(request, "partners/resident_order_form.html", context, status=400 if form.errors else 200)


@resident_required
def my_orders(request):
    me = selectors.resident(request.user)
    rows, cursor = selectors.my_order_page(person=me.person, before=_before(request))
    context = {"rows": rows, "next_cursor": cursor or ""}
    if request.htmx:
        return render(request, "partners/resident_orders.html#order-rows", context)
    return render(request, "partners/resident_orders.html", context)


def _order_context(request, order: ServiceOrder, **forms) -> dict:
    me = selectors.resident(request.user)
    mine = me.person is not None and order.person_id == me.person.pk
    member = selectors.member_of(request.user)
    working = member is not None and order.member_id == member.pk
    S = ServiceOrder.Status
    return {
        "order": order, "mine": mine, "working": working,
        "can_rate": mine and order.status == S.DONE,
        "can_cancel": mine and order.status in (S.PLACED, S.DISPATCHED, S.CLAIMED),
        "can_claim": (member is not None and not working and order.status == S.PLACED
                      and order.community_id == member.home_community_id and not mine),
        "rate_form": forms.get("rate_form") or RateForm(),
        "complete_form": forms.get("complete_form") or CompleteForm(),
    }


@resident_required
def order(request, order_id: int):
    the_order = selectors.resident_order(request.user, order_id)
    return render(request, "partners/resident_order.html", _order_context(request, the_order))


def _act(request, order_id: int, action, done: str, **kwargs):
    """One transition from a resident page; a refusal is shown on the order's page."""
    the_order = selectors.resident_order(request.user, order_id)
    report(request, lambda: action(actor=request.user, order=the_order, **kwargs), done=done)
    return redirect("partners:order", order_id=the_order.pk)


@resident_required
@require_POST
def rate(request, order_id: int):
    the_order = selectors.resident_order(request.user, order_id)
    form = RateForm(request.POST)
    if not form.is_valid():
        context = _order_context(request, the_order, rate_form=form)
        return render(request, "partners/resident_order.html", context, status=400)
    return _act(request, order_id, services.order_rate, _("Thank you for your rating."),
                rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"])


@resident_required
@require_POST
def cancel(request, order_id: int):
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _act(request, order_id, services.order_cancel, _("The order is cancelled."), reason=reason)


@resident_required
@require_POST
def claim(request, order_id: int):
    return _act(request, order_id, services.order_claim, _("The order is yours. Accept it when you are sure "
                                                           "you can do it."))


@resident_required
@require_POST
def accept(request, order_id: int):
    return _act(request, order_id, services.order_accept, _("Accepted. The resident has been told."))


@resident_required
@require_POST
def decline(request, order_id: int):
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _act(request, order_id, services.order_decline, _("The order is back in the pool for someone else."),
                reason=reason)


@resident_required
@require_POST
def complete(request, order_id: int):
    the_order = selectors.resident_order(request.user, order_id)
    form = CompleteForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.order_complete(actor=request.user, order=the_order, minutes=data["total_minutes"],
                                    photo=data["photo"], note=data["note"])
        except DomainError as refused:
            form.add_error(None, refused.message)
            context = _order_context(request, the_order, complete_form=form)
            return render(request, "partners/resident_order.html", context, status=refused.status)
        messages.success(request, _("Thank you. The order is reported done."))
        return redirect("partners:order", order_id=the_order.pk)
    context = _order_context(request, the_order, complete_form=form)
    return render(request, "partners/resident_order.html", context, status=400)


@resident_required
def photo(request, order_id: int):
    the_order = selectors.resident_order(request.user, order_id)
    if not the_order.completion_photo:
        raise Http404
    return image_response(the_order.completion_photo)


@resident_required
def tasks(request):
    """For a dispatched member: orders to claim in their home community, and their own orders."""
    member = selectors.member_of(request.user)
    claimable, claim_cursor = selectors.claimable_page(member=member, before=_before(request)) if member \
        else ([], None)
    assigned, _cursor = selectors.assigned_page(member=member) if member else ([], None)
    context = {"member": member, "claimable": claimable, "next_cursor": claim_cursor or "", "assigned": assigned}
    if request.htmx:
        return render(request, "partners/resident_tasks.html#claim-rows", context)
    return render(request, "partners/resident_tasks.html", context)
