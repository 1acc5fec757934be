"""The resident's needs pages (mobile-first, elder-friendly): my needs and the community's
most shared needs, raising a need with live suggestions, a need's timeline, supporting a
need, and the in-app messages."""

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cocreate.core.auth import resident_required
from cocreate.core.errors import Conflict, DomainError
from cocreate.core.page_cache import page_cached
from cocreate.notify.models import Message
from cocreate.notify.services import messages_mark_read
from cocreate.orgs.models import Household, OrgUnit, Person
from cocreate.orgs.page_scopes import residents_community

from . import selectors, services
from .forms import NeedForm
from .models import Need
from .views import image_response


@dataclass
class Resident:
    person: Person | None
    household: Household | None
    community: OrgUnit | None


def _resident(user) -> Resident:
    person = Person.objects.select_related("household__node").filter(user=user).first()
    household = person.household if person else None
    community = None
    if household is not None:
        try:
            community = services.community_of(household.node)
        except DomainError:
            community = None
    return Resident(person, household, community)


def _visible_need(me: Resident, need_id: int) -> Need:
    """A need of the resident's community; an individual (个性) one only to its own household
    and to those supporting it. Anything else answers 404."""
    need = selectors.resident_need_detail(need_id=need_id)
    if need is None or me.community is None or need.community_id != me.community.pk:
        raise Http404
    if need.scope == Need.Scope.INDIVIDUAL and need.household_id != me.household.pk and not (
            selectors.household_supports(household_id=me.household.pk, need_ids=[need.pk])):
        raise Http404
    return need


@resident_required
@page_cached(residents_community)
def home(request):
    me = _resident(request.user)
    mine = selectors.my_needs(person=me.person)
    clusters = selectors.common_ground(community=me.community) if me.community else []
    supported = selectors.household_supports(
        household_id=me.household.pk if me.household else None,
        need_ids=[c.representative.pk for c in clusters])
    unread = Message.objects.filter(user=request.user, read_at__isnull=True).count()
    return render(request, "needs/resident_home.html", {
        "me": me, "mine": mine, "clusters": clusters, "supported": supported, "unread": unread,
    })


@resident_required
def raise_need(request):
    me = _resident(request.user)
    if me.community is None:
        return render(request, "needs/resident_raise.html", {"me": me})
    form = NeedForm(request.POST or None, request.FILES or None, community=me.community,
                    suggest_url=reverse("needs:suggest"))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                need = services.need_raise(
                    actor=request.user, person=me.person, text=data["text"], category=data["category"],
                    place=data["place"], node=data["node"], latitude=data["latitude"],
                    longitude=data["longitude"], photos=data["photos"])
            except DomainError as refused:
                form.add_error(None, refused.message)
                status = refused.status
            else:
                messages.success(request, _("Thank you. Your need was received; we will tell you what happens."))
                return redirect("needs:detail", need_id=need.pk)
    return render(request, "needs/resident_raise.html", {"me": me, "form": form}, status=status)


@resident_required
def suggest(request):
    """The similar open needs of the community, while the resident types (htmx fragment)."""
    me = _resident(request.user)
    text = request.GET.get("text", "").replace("\x00", "")[:500]
    similar = []
    if me.community is not None:
        similar = [need for _score, need in selectors.similar_open_needs(
            community=me.community, text=text, public_only=True)]
    supported = selectors.household_supports(household_id=me.household.pk if me.household else None,
                                             need_ids=[n.pk for n in similar])
    return render(request, "needs/_suggestions.html", {"similar": similar, "supported": supported})


@resident_required
@page_cached(residents_community)
def detail(request, need_id: int):
    me = _resident(request.user)
    need = _visible_need(me, need_id)
    supported = bool(selectors.household_supports(household_id=me.household.pk, need_ids=[need.pk]))
    return render(request, "needs/resident_detail.html", {
        "me": me, "need": need, "supported": supported, "own": need.household_id == me.household.pk,
    })


@resident_required
@require_POST
def support(request, need_id: int):
    me = _resident(request.user)
    need = _visible_need(me, need_id)
    try:
        services.need_support(actor=request.user, need=need, person=me.person)
    except Conflict:
        done, text = True, _("Your household already supports this need.")
    except DomainError as refused:
        if request.htmx:
            return render(request, "needs/_support_button.html", {"need": need, "error": refused.message},
                          status=refused.status)
        raise
    else:
        done, text = True, _("Thank you. Your household now supports this need.")
    if request.htmx:
        return render(request, "needs/_support_button.html", {"need": need, "supported": done})
    messages.success(request, text)
    return redirect("needs:detail", need_id=need.pk)


@resident_required
def photo(request, need_id: int, photo_id: int):
    me = _resident(request.user)
    need = _visible_need(me, need_id)
    picture = next((p for p in need.photos.all() if p.pk == photo_id), None)
    if picture is None:
        raise Http404
    return image_response(picture.image)


@resident_required
def inbox(request):
    rows = list(Message.objects.filter(user=request.user).order_by("-id")[:50])
    return render(request, "needs/resident_messages.html", {"rows": rows,
                                                            "unread": sum(1 for m in rows if m.read_at is None)})


@resident_required
@require_POST
def inbox_read(request):
    messages_mark_read(user=request.user)
    return redirect("needs:messages")
