"""The resident's ballot pages (mobile-first, elder-friendly large controls): the community's
ballots, voting and changing one's vote until the close, and the public result page (no login:
it is what the QR code on the printed notice opens; it shows aggregate figures only)."""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cocreate.core.auth import resident_required
from cocreate.core.errors import DomainError
from cocreate.core.page_cache import page_cached
from cocreate.meetings.services import resident_community
from cocreate.orgs.page_scopes import residents_community

from . import selectors, services
from .models import Ballot, Vote

RECORDED = "recorded"  # the query flag of the page a vote redirects to


def _choices_from(request, ballot: Ballot) -> list[str]:
    """What the form sent: one radio, several checkboxes, or a rank per option (1 = first)."""
    if ballot.kind != Ballot.Kind.RANKED:
        return request.POST.getlist("choice")
    ranks = []
    for choice in ballot.choices.all():
        value = request.POST.get(f"rank_{choice.key}", "")
        if value.isdigit() and int(value) > 0:
            ranks.append((int(value), choice.order, choice.key))
    if len({r for r, _o, _k in ranks}) != len(ranks):
        raise DomainError(_("Give each option a different place."))
    return [key for _r, _o, key in sorted(ranks)]


@resident_required
@page_cached(residents_community)
def ballot_list(request):
    community = resident_community(selectors.resident_person(request.user))
    open_ballots, results = selectors.resident_ballots(community=community) if community else ([], [])
    return render(request, "decisions/resident_list.html", {"open_ballots": open_ballots, "results": results,
                                                            "community": community})


@resident_required
@page_cached(residents_community)
def ballot(request, ballot_id: int):
    me = selectors.resident_person(request.user)
    ballot = selectors.resident_ballot(me, ballot_id)
    status = 200
    error = ""
    if request.method == "POST":
        try:
            services.vote_cast(actor=request.user, ballot=ballot, person=me, choices=_choices_from(request, ballot))
        except DomainError as refused:
            error, status = refused.message, refused.status
        else:
            # The thanks rides on the address, not in a session message: a flash message would
            # write the session twice per vote (store, then clear), and a whole village votes in
            # the same hour. The page only thanks a voter whose vote it can show.
            return redirect(reverse("decisions:ballot", args=[ballot.pk]) + f"?{RECORDED}=1")
    mine = selectors.standing(ballot, me)
    current = mine.current
    return render(request, "decisions/resident_ballot.html", {
        "ballot": ballot, "voters": mine.voters, "current": current,
        "recorded": RECORDED in request.GET and current is not None and current.channel == Vote.Channel.ONLINE,
        "current_keys": current.choices if current and current.choices else [],
        "can_vote": mine.can_vote,
        "ranks": range(1, ballot.choices.count() + 1), "error": error,
    }, status=status)


def result(request, ballot_id: int):
    """Public: a published result with turnout and a chart; no names, no personal data."""
    ballot = selectors.published_ballot(ballot_id)
    outcome = selectors.ballot_result(ballot)
    return render(request, "decisions/resident_result.html", {"ballot": ballot, "result": outcome,
                                                              "chart": outcome.chart()})
