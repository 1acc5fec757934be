"""Resident and public pages under /funds/: the funds of my area (a vote to cast, a notice to
read), the approval vote on a fund's applications (mobile-first, large controls), and the public
allocation notice with its printable PDF (no login: the QR code on the printed notice opens it;
project titles, communities and amounts only, no person)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cocreate.core.auth import resident_required
from cocreate.core.errors import DomainError

from . import pdf, selectors, services


@resident_required
def home(request):
    me = selectors.resident_person(request.user)
    pools = selectors.resident_pools(me)
    return render(request, "funds/resident_home.html", {
        "pools": [{"pool": p, "voting": selectors.voting_open(p)} for p in pools], "person": me})


@resident_required
def vote(request, pool_id: int):
    me = selectors.resident_person(request.user)
    pool = selectors.resident_pool(me, pool_id)
    status, error = 200, ""
    if request.method == "POST":
        try:
            services.vote_cast(actor=request.user, pool=pool, person=me,
                               application_ids=[v for v in request.POST.getlist("approve") if v.isdigit()])
        except DomainError as refused:
            error, status = refused.message, refused.status
        else:
            messages.success(request, _("Thank you. Your approvals are recorded; you can change them until the "
                                        "voting closes."))
            return redirect("funds:vote", pool_id=pool.pk)
    mine = selectors.my_vote(pool, me)
    return render(request, "funds/resident_vote.html", {
        "pool": pool, "applications": list(selectors.votable(pool)), "mine": mine,
        "approved_ids": [int(a) for a in mine.approvals] if mine else [],
        "can_vote": selectors.voting_open(pool) and selectors.is_voter(pool, me), "error": error,
    }, status=status)


def notice(request, pool_id: int):
    """Public: the approved allocations of a fund, each with why it got what it got."""
    pool = selectors.public_pool(pool_id)
    return render(request, "funds/notice.html", {"notice": selectors.notice(pool), "pool": pool})


def notice_pdf(request, pool_id: int):
    pool = selectors.public_pool(pool_id)
    url = request.build_absolute_uri(reverse("funds:notice", args=[pool.pk]))
    response = HttpResponse(pdf.notice_pdf(selectors.notice(pool), public_url=url), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="fund-{pool.pk}-notice.pdf"'
    return response
