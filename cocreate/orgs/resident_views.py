"""The resident's own pages (mobile-first)."""

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path

from cocreate.audit.services import record
from cocreate.core.auth import resident_required
from cocreate.core.page_cache import page_cached
from cocreate.orgs.page_scopes import residents_community

from . import selectors


class TelRedirect(HttpResponseRedirect):
    allowed_schemes = ["tel"]


@resident_required
@page_cached(residents_community)
def home(request):
    return render(request, "orgs/resident_home.html", {"home": selectors.resident_home(user=request.user)})


@resident_required
def call(request, person_id: int):
    """Dial one's own grid worker or 联户长 without their number being printed on the page."""
    home = selectors.resident_home(user=request.user)
    contacts = {p.pk: p for p in home.grid_workers} | {link.leader.pk: link.leader for link in home.link_leaders}
    person = contacts.get(person_id)
    if person is None or not person.has_phone:
        raise Http404
    record(actor=request.user, action="contact.called", target=person, node=home.household.node)
    return TelRedirect(f"tel:+86{person.phone_national()}")


app_name = "residents"
urlpatterns = [
    path("", home, name="home"),
    path("call/<int:person_id>/", call, name="call"),
]
