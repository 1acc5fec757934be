"""The application's URLs plus the two ceiling views the benchmark compares pages with."""

from django.http import HttpResponse
from django.urls import include, path

from cocreate.orgs.models import Household


def noop(request):
    """The framework's own cost: the whole middleware stack, no database."""
    return HttpResponse("ok", content_type="text/plain")


def one_row(request):
    """One indexed read: a household by primary key (?id=, else the first one)."""
    pk = request.GET.get("id", "")
    qs = Household.objects.only("id", "address")
    row = qs.filter(pk=int(pk)).first() if pk.isdigit() else qs.order_by("pk").first()
    return HttpResponse(row.address if row else "", content_type="text/plain")


urlpatterns = [
    path("bench/noop/", noop),
    path("bench/one-row/", one_row),
    path("", include("config.urls")),
]

handler500 = "cocreate.core.views.server_error"
