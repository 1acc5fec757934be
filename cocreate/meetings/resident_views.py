"""The resident's pages (mobile-first, elder-friendly): the community's topics with their
discussion and options, my meetings, a meeting's page with its .ics file, and the check-in
page the meeting's QR code opens. Topics of another community and meetings the household
is not invited to answer 404."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cocreate.core.auth import resident_required
from cocreate.core.errors import Conflict, DomainError
from cocreate.core.page_cache import page_cached
from cocreate.orgs.page_scopes import residents_community

from . import ics, selectors, services
from .forms import MeetingNeedForm, OptionForm, PostForm, ReasonForm
from .models import Meeting, Topic


def _before(request) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


# --- topics --------------------------------------------------------------------------------------

@resident_required
@page_cached(residents_community)
def topics(request):
    me = selectors.resident(request.user)
    rows, cursor = selectors.topic_page(node=me.community, before=_before(request)) if me.community else ([], None)
    context = {"me": me, "rows": rows, "next_cursor": cursor or ""}
    if request.htmx:
        return render(request, "meetings/resident_topics.html#topic-rows", context)
    return render(request, "meetings/resident_topics.html", context)


def _topic_context(request, me: selectors.Resident, topic: Topic, post_form: PostForm | None = None) -> dict:
    threads = selectors.topic_threads(topic=topic)
    options = selectors.topic_options(topic=topic)
    post_ids = [p.pk for t in threads for p in (t.post, *t.replies)]
    return {
        "me": me, "topic": topic, "threads": threads, "options": options,
        "seconded": selectors.seconded_by(person=me.person, option_ids=[o.pk for o in options]),
        "reported": selectors.reported_by(user=request.user, post_ids=post_ids),
        "can_moderate": services.can_moderate(request.user, topic.community),
        "post_form": post_form or PostForm(),
    }


@resident_required
@page_cached(residents_community)
def topic(request, topic_id: int):
    me = selectors.resident(request.user)
    the_topic = selectors.resident_topic(me, topic_id)
    return render(request, "meetings/resident_topic.html", _topic_context(request, me, the_topic))


@resident_required
@require_POST
def post(request, topic_id: int):
    """Post or reply; with htmx the threads are sent back to replace the old ones."""
    me = selectors.resident(request.user)
    the_topic = selectors.resident_topic(me, topic_id)
    form = PostForm(request.POST)
    status = 400
    if form.is_valid():
        parent = None
        if form.cleaned_data["parent"]:
            parent = selectors.reply_parent(the_topic, form.cleaned_data["parent"])
        try:
            services.post_add(actor=request.user, topic=the_topic, body=form.cleaned_data["body"], parent=parent)
        except DomainError as refused:
            form.add_error("body", refused.message)
            status = refused.status
        else:
            if not request.htmx:
                messages.success(request, _("Thank you for taking part."))
                return redirect("meetings:topic", topic_id=the_topic.pk)
            form, status = PostForm(), 200
    context = _topic_context(request, me, the_topic, post_form=form)
    if request.htmx:
        return render(request, "meetings/resident_topic.html#discussion", context, status=status)
    return render(request, "meetings/resident_topic.html", context, status=status)


@resident_required
@require_POST
def report(request, post_id: int):
    me = selectors.resident(request.user)
    the_post = selectors.resident_post(me, post_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        raise DomainError(_("Say briefly what is wrong with this post."))
    try:
        services.post_report(actor=request.user, post=the_post, reason=form.cleaned_data["reason"])
    except Conflict as again:
        text = again.message
    else:
        text = _("Thank you. A moderator will look at this post.")
    if request.htmx:
        return render(request, "meetings/_reported.html", {"text": text})
    messages.success(request, text)
    return redirect(f"{reverse('meetings:topic', args=[the_post.topic_id])}#post-{the_post.pk}")


@resident_required
@require_POST
def hide(request, post_id: int):
    me = selectors.resident(request.user)
    the_post = selectors.resident_post(me, post_id)
    if not services.can_moderate(request.user, the_post.topic.community):
        raise Http404
    form = ReasonForm(request.POST)
    if not form.is_valid():
        raise DomainError(_("Say why the post is hidden; readers will see the reason."))
    services.post_hide(actor=request.user, post=the_post, reason=form.cleaned_data["reason"])
    messages.success(request, _("The post is hidden. Readers see your reason instead."))
    return redirect(f"{reverse('meetings:topic', args=[the_post.topic_id])}#post-{the_post.pk}")


@resident_required
def option_propose(request, topic_id: int):
    me = selectors.resident(request.user)
    the_topic = selectors.resident_topic(me, topic_id)
    form = OptionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.option_propose(actor=request.user, topic=the_topic, **form.proposal())
            except DomainError as refused:
                form.add_error(None, refused.message)
                status = refused.status
            else:
                messages.success(request, _("Your option is proposed. Neighbours can now second it."))
                return redirect(f"{reverse('meetings:topic', args=[the_topic.pk])}#options")
    return render(request, "meetings/resident_option.html", {"me": me, "topic": the_topic, "form": form},
                  status=status)


@resident_required
@require_POST
def second(request, option_id: int):
    me = selectors.resident(request.user)
    option = selectors.resident_option(me, option_id)
    try:
        services.option_second(actor=request.user, option=option)
    except Conflict as again:
        messages.info(request, again.message)
    else:
        messages.success(request, _("You seconded this option."))
    return redirect(f"{reverse('meetings:topic', args=[option.topic_id])}#option-{option.pk}")


@resident_required
@require_POST
def withdraw(request, option_id: int):
    me = selectors.resident(request.user)
    option = selectors.resident_option(me, option_id)
    if option.moved_by_id != request.user.pk:
        raise Http404
    services.option_withdraw(actor=request.user, option=option)
    messages.success(request, _("Your option is withdrawn."))
    return redirect(f"{reverse('meetings:topic', args=[option.topic_id])}#options")


# --- meetings ------------------------------------------------------------------------------------

@resident_required
@page_cached(residents_community)
def mine(request):
    me = selectors.resident(request.user)
    return render(request, "meetings/resident_meetings.html",
                  {"me": me, "meetings": selectors.my_meetings(person=me.person)})


def _meeting_context(me: selectors.Resident, meeting: Meeting, need_form=None) -> dict:
    finished = meeting.status == Meeting.Status.CLOSED
    return {
        "me": me, "meeting": meeting, "agenda": selectors.agenda(meeting=meeting),
        "attendance": selectors.my_attendance(meeting=meeting, person=me.person),
        "figures": selectors.attendance_figures(meeting=meeting) if finished else None,
        "tasks": selectors.tasks(meeting=meeting) if finished else [],
        "need_form": need_form or (MeetingNeedForm() if meeting.is_live else None),
    }


@resident_required
@page_cached(residents_community)
def meeting(request, meeting_id: int):
    me = selectors.resident(request.user)
    the_meeting = selectors.invited_meeting(me, meeting_id)
    return render(request, "meetings/resident_meeting.html", _meeting_context(me, the_meeting))


def ics_response(request, meeting: Meeting, page_url: str) -> HttpResponse:
    agenda = [item.title for item in selectors.agenda(meeting=meeting)]
    body = ics.meeting_ics(meeting, url=request.build_absolute_uri(page_url), host=request.get_host().split(":")[0],
                           agenda=agenda)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


@resident_required
def meeting_ics(request, meeting_id: int):
    me = selectors.resident(request.user)
    the_meeting = selectors.invited_meeting(me, meeting_id)
    return ics_response(request, the_meeting, reverse("meetings:meeting", args=[the_meeting.pk]))


@resident_required
@require_POST
def raise_need(request, meeting_id: int):
    """A need raised at the meeting on the resident's own phone."""
    me = selectors.resident(request.user)
    the_meeting = selectors.invited_meeting(me, meeting_id)
    form = MeetingNeedForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            need = services.meeting_need_raise(actor=request.user, meeting=the_meeting, person=me.person,
                                               text=form.cleaned_data["text"], category=form.cleaned_data["category"])
        except DomainError as refused:
            form.add_error(None, refused.message)
            status = refused.status
        else:
            messages.success(request, _("Thank you. Your need was recorded with this meeting as its source."))
            return redirect("needs:detail", need_id=need.pk)
    return render(request, "meetings/resident_meeting.html", _meeting_context(me, the_meeting, form), status=status)


@resident_required
def checkin(request, token: str):
    """The page the meeting's QR code opens: confirm, then POST checks the resident in."""
    the_meeting = selectors.meeting_by_checkin_token(token)
    me = selectors.resident(request.user)
    invited = selectors.is_invited(meeting=the_meeting, household_id=me.household and me.household.pk)
    attendance = selectors.my_attendance(meeting=the_meeting, person=me.person)
    status, error = 200, ""
    if request.method == "POST":
        try:
            attendance, created = services.checkin_by_qr(actor=request.user, meeting=the_meeting, token=token)
        except DomainError as refused:
            status, error = refused.status, refused.message
        else:
            messages.success(request, _("You are checked in. Welcome!") if created
                             else _("You were already checked in. Welcome!"))
            return redirect("meetings:meeting", meeting_id=the_meeting.pk)
    return render(request, "meetings/resident_checkin.html", {
        "me": me, "meeting": the_meeting, "invited": invited, "attendance": attendance, "error": error,
    }, status=status)
