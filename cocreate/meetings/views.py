"""Staff pages for topics and meetings: a node's meetings, scheduling one, the meeting
console (check-in QR code, host check-in, attendance, agenda and tallies, minutes, needs
raised on the spot, follow-up tasks), topics with their needs and options, moderation.
A meeting, topic or node outside the viewer's scope answers 404 like a missing one."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cocreate.core.auth import staff_required
from cocreate.core.errors import DomainError
from cocreate.core.page_cache import page_cached
from cocreate.core.qr import shared_qr_svg
from cocreate.needs.forms import RecordForm
from cocreate.needs.models import Need
from cocreate.needs.views import ask_sms_consent
from cocreate.orgs.console import section_start
from cocreate.orgs.models import Kind, Person
from cocreate.orgs.page_scopes import node_in_address, row_in_address
from cocreate.orgs.permissions import has_perm, node_for

from . import selectors, services
from .forms import (
    AgendaItemForm,
    LinkNeedsForm,
    MeetingForm,
    MeetingStatusForm,
    MinutesForm,
    ModeratorForm,
    OptionForm,
    ReasonForm,
    TallyForm,
    TaskForm,
    TopicForm,
    TopicStatusForm,
)
from .models import Meeting, Moderator, Post, Topic
from .resident_views import ics_response


@staff_required
def index(request):
    return section_start(request, action="meetings.view", list_url="meetings_staff:list",
                         template="meetings/staff_index.html")


@staff_required
@page_cached(node_in_address())
def meetings_list(request, node_id: int):
    node = node_for(request.user, "meetings.view", node_id)
    before = selectors.parse_cursor(request.GET.get("before", ""))
    rows, cursor = selectors.meeting_page(node=node, before=before)
    context = {"node": node, "rows": rows, "next_cursor": cursor or ""}
    if request.htmx:
        return render(request, "meetings/staff_list.html#meeting-rows", context)
    context |= {"can_schedule": has_perm(request.user, "meetings.run_meeting", node),
                "community": selectors.community_or_none(node) if node.kind in selectors.AREA_KINDS else None}
    return render(request, "meetings/staff_list.html", context)


@staff_required
def meeting_create(request, node_id: int):
    node = node_for(request.user, "meetings.run_meeting", node_id)
    community = selectors.community_or_none(node)
    if community is None:
        raise Http404  # meetings are held in a community or below it
    form = MeetingForm(request.POST or None, nodes=selectors.areas(node),
                       households=selectors.invitable_households(node),
                       topics=selectors.open_topics(community=community), initial={"node": node.pk})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            area = data["node"]
            if not has_perm(request.user, "meetings.run_meeting", area):
                raise Http404
            try:
                meeting = services.meeting_schedule(
                    actor=request.user, node=area, kind=data["kind"], title=data["title"], place=data["place"],
                    starts_at=data["starts_at"], ends_at=data["ends_at"],
                    households=list(data["households"]) or None, agenda=form.agenda())
            except DomainError as refused:
                form.add_error(None, refused.message)
                status = refused.status
            else:
                messages.success(request, _("The meeting is scheduled and the residents are invited."))
                return redirect("meetings_staff:console", meeting_id=meeting.pk)
    return render(request, "meetings/staff_meeting_form.html", {"node": node, "form": form}, status=status)


# --- the meeting console -------------------------------------------------------------------------

def _console_context(request, meeting: Meeting, **forms) -> dict:
    can_run = has_perm(request.user, "meetings.run_meeting", meeting.node)
    agenda = selectors.agenda(meeting=meeting)
    query = request.GET.get("q", "")
    context = {
        "meeting": meeting, "agenda": agenda, "can_run": can_run, "q": query,
        "figures": selectors.attendance_figures(meeting=meeting),
        "attendances": selectors.attendances(meeting=meeting),
        "raised_needs": selectors.raised_needs(meeting=meeting),
        "tasks": selectors.tasks(meeting=meeting),
        "transitions": [Meeting.Status(s) for s in Meeting.TRANSITIONS[meeting.status]],
    }
    if can_run:
        checkin_url = request.build_absolute_uri(reverse("meetings:checkin", args=[meeting.checkin_token]))
        topics = selectors.open_topics(community=meeting.community)
        context |= {
            "checkin_url": checkin_url,
            "qr_svg": shared_qr_svg(checkin_url) if meeting.is_live else "",
            "candidates": selectors.checkin_candidates(meeting=meeting, query=query) if meeting.is_live else [],
            "agenda_form": forms.get("agenda_form") or AgendaItemForm(topics=topics),
            "minutes_form": forms.get("minutes_form") or MinutesForm(initial={"minutes": meeting.minutes}),
            "task_form": forms.get("task_form") or TaskForm(owners=selectors.task_owners(meeting=meeting)),
            "tally_errors": forms.get("tally_errors", {}),
        }
    return context


@staff_required
@page_cached(row_in_address(Meeting, "meeting_id"))
def console(request, meeting_id: int):
    meeting = selectors.staff_meeting(request.user, meeting_id)
    context = _console_context(request, meeting)
    if request.htmx and "q" in request.GET:
        return render(request, "meetings/staff_console.html#candidates", context)
    return render(request, "meetings/staff_console.html", context)


@staff_required
def meeting_ics(request, meeting_id: int):
    meeting = selectors.staff_meeting(request.user, meeting_id)
    return ics_response(request, meeting, reverse("meetings_staff:console", args=[meeting.pk]))


def _back(meeting: Meeting, anchor: str = "", query: str = ""):
    url = reverse("meetings_staff:console", args=[meeting.pk])
    return redirect(url + (f"?{urlencode({'q': query})}" if query else "") + (f"#{anchor}" if anchor else ""))


@staff_required
@require_POST
def meeting_status(request, meeting_id: int):
    meeting = selectors.staff_meeting(request.user, meeting_id, "meetings.run_meeting")
    form = MeetingStatusForm(request.POST)
    if not form.is_valid():
        raise DomainError(_("Choose what to do with the meeting."))
    services.meeting_set_status(actor=request.user, meeting=meeting, status=form.cleaned_data["status"],
                                reason=form.cleaned_data["reason"])
    messages.success(request, _("Meeting status: %(status)s.") % {
        "status": Meeting.Status(form.cleaned_data["status"]).label})
    return _back(meeting)


@staff_required
@require_POST
def host_checkin(request, meeting_id: int):
    """The host checks in someone without a phone, picked from the invited households."""
    meeting = selectors.staff_meeting(request.user, meeting_id, "meetings.run_meeting")
    raw = request.POST.get("person", "")
    person = Person.objects.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 19 else None
    if person is None:
        raise Http404
    _attendance, created = services.checkin_by_host(actor=request.user, meeting=meeting, person=person)
    if created:
        messages.success(request, _("%(name)s is checked in.") % {"name": person.name})
    else:
        messages.info(request, _("%(name)s was already checked in.") % {"name": person.name})
    return _back(meeting, "checkin", request.POST.get("q", "")[:50])


@staff_required
@require_POST
def agenda_add(request, meeting_id: int):
    meeting = selectors.staff_meeting(request.user, meeting_id, "meetings.run_meeting")
    form = AgendaItemForm(request.POST, topics=selectors.open_topics(community=meeting.community))
    return _console_write(request, meeting, form=form, form_key="agenda_form", anchor="agenda",
                          done=_("Added to the agenda."),
                          write=lambda data: services.agenda_item_add(actor=request.user, meeting=meeting,
                                                                      topic=data["topic"], title=data["title"]))


def _console_write(request, meeting: Meeting, *, form, form_key: str, anchor: str, done: str, write):
    """A form of the meeting console: `write(cleaned_data)`, then back to the form's section;
    invalid or refused, the console again with the form's errors (400)."""
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except DomainError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, done)
            return _back(meeting, anchor)
    return render(request, "meetings/staff_console.html", _console_context(request, meeting, **{form_key: form}),
                  status=400)


@staff_required
@require_POST
def tally(request, item_id: int):
    item = selectors.staff_agenda_item(request.user, item_id)
    meeting = item.meeting
    form = TallyForm(request.POST)
    error = _("Enter three whole numbers, zero or more.")
    if form.is_valid():
        try:
            services.tally_record(actor=request.user, item=item, **form.cleaned_data)
        except DomainError as refused:
            error = refused.message
        else:
            messages.success(request, _("Show of hands recorded."))
            return _back(meeting, f"item-{item.pk}")
    return render(request, "meetings/staff_console.html",
                  _console_context(request, meeting, tally_errors={item.pk: error}), status=400)


@staff_required
@require_POST
def minutes(request, meeting_id: int):
    meeting = selectors.staff_meeting(request.user, meeting_id, "meetings.run_meeting")
    return _console_write(request, meeting, form=MinutesForm(request.POST), form_key="minutes_form", anchor="minutes",
                          done=_("Minutes saved."),
                          write=lambda data: services.minutes_record(actor=request.user, meeting=meeting,
                                                                     minutes=data["minutes"]))


@staff_required
@require_POST
def task_add(request, meeting_id: int):
    meeting = selectors.staff_meeting(request.user, meeting_id, "meetings.run_meeting")
    form = TaskForm(request.POST, owners=selectors.task_owners(meeting=meeting))
    return _console_write(request, meeting, form=form, form_key="task_form", anchor="tasks",
                          done=_("Follow-up task added."),
                          write=lambda data: services.task_add(actor=request.user, meeting=meeting, **data))


@staff_required
@require_POST
def task_done(request, task_id: int):
    task = selectors.staff_task(request.user, task_id)
    meeting = task.meeting
    services.task_done(actor=request.user, task=task)
    messages.success(request, _("Task marked as done."))
    return _back(meeting, "tasks")


@staff_required
def raise_need(request, meeting_id: int):
    """Record a need for a resident present at the meeting, with consent evidence."""
    meeting = selectors.staff_meeting(request.user, meeting_id, "meetings.run_meeting")
    present = Person.objects.filter(attendances__meeting=meeting).select_related("household")
    form = RecordForm(request.POST or None, request.FILES or None, community=meeting.community, members=present)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                need = services.meeting_need_raise(
                    actor=request.user, meeting=meeting, person=data["person"], text=data["text"],
                    category=data["category"], place=data["place"], node=data["node"], latitude=data["latitude"],
                    longitude=data["longitude"], photos=data["photos"], consent_method=data["consent_method"],
                    consent_slip=data["consent_slip"])
            except DomainError as refused:
                form.add_error(None, refused.message)
                status = refused.status
            else:
                return _after_need(request, meeting, need)
    return render(request, "meetings/staff_raise_need.html", {"meeting": meeting, "form": form,
                                                              "present": present.exists()}, status=status)


def _after_need(request, meeting: Meeting, need: Need):
    """SMS consent: the code goes out now and the resident reads it back; a slip: done."""
    response = ask_sms_consent(request, need)
    if response is not None:
        return response
    messages.success(request, _("The need is recorded with this meeting as its source."))
    return _back(meeting, "needs")


# --- topics --------------------------------------------------------------------------------------

@staff_required
def topics(request, node_id: int):
    node = node_for(request.user, "meetings.view", node_id)
    before = request.GET.get("before", "")
    rows, cursor = selectors.topic_page(node=node, before=int(before) if before.isdigit() and len(before) < 19
                                        else None)
    context = {"node": node, "rows": rows, "next_cursor": cursor or ""}
    if request.htmx:
        return render(request, "meetings/staff_topics.html#topic-rows", context)
    context["can_create"] = has_perm(request.user, "meetings.manage_topic", node) and node.kind in selectors.AREA_KINDS
    return render(request, "meetings/staff_topics.html", context)


@staff_required
def topic_create(request, node_id: int):
    node = node_for(request.user, "meetings.manage_topic", node_id)
    community = selectors.community_or_none(node)
    if community is None:
        raise Http404
    candidates = selectors.topic_need_candidates(community=community)
    preselected = [int(n) for n in request.GET.getlist("need") if n.isdigit()]
    form = TopicForm(request.POST or None, nodes=selectors.areas(node), needs=candidates,
                     initial={"node": node.pk, "needs": preselected})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            if not has_perm(request.user, "meetings.manage_topic", data["node"]):
                raise Http404
            try:
                topic = services.topic_create(actor=request.user, node=data["node"], title=data["title"],
                                              description=data["description"], needs=list(data["needs"]))
            except DomainError as refused:
                form.add_error(None, refused.message)
                status = refused.status
            else:
                messages.success(request, _("Topic created. Residents can now discuss it."))
                return redirect("meetings_staff:topic", topic_id=topic.pk)
    return render(request, "meetings/staff_topic_form.html", {"node": node, "form": form}, status=status)


def _topic_context(request, topic: Topic, **forms) -> dict:
    can_manage = has_perm(request.user, "meetings.manage_topic", topic.node)
    context = {
        "topic": topic, "can_manage": can_manage,
        "can_moderate": services.can_moderate(request.user, topic.community),
        "threads": selectors.topic_threads(topic=topic), "options": selectors.topic_options(topic=topic),
    }
    if can_manage:
        context |= {
            "link_form": forms.get("link_form") or LinkNeedsForm(needs=selectors.linkable_needs(topic=topic)),
            "status_form": TopicStatusForm(topic=topic) if Topic.TRANSITIONS[topic.status] else None,
            "option_form": forms.get("option_form") or OptionForm(),
        }
    return context


@staff_required
def topic(request, topic_id: int):
    the_topic = selectors.staff_topic(request.user, topic_id)
    return render(request, "meetings/staff_topic.html", _topic_context(request, the_topic))


@staff_required
@require_POST
def topic_link(request, topic_id: int):
    the_topic = selectors.staff_topic(request.user, topic_id, "meetings.manage_topic")
    form = LinkNeedsForm(request.POST, needs=selectors.linkable_needs(topic=the_topic))
    if form.is_valid():
        try:
            services.topic_link_needs(actor=request.user, topic=the_topic, needs=list(form.cleaned_data["needs"]))
        except DomainError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("The needs are gathered in this topic."))
            return redirect("meetings_staff:topic", topic_id=the_topic.pk)
    return render(request, "meetings/staff_topic.html", _topic_context(request, the_topic, link_form=form),
                  status=400)


@staff_required
@require_POST
def topic_status(request, topic_id: int):
    the_topic = selectors.staff_topic(request.user, topic_id, "meetings.manage_topic")
    form = TopicStatusForm(request.POST, topic=the_topic)
    if not form.is_valid():
        raise DomainError(_("This change of status is not allowed."))
    services.topic_set_status(actor=request.user, topic=the_topic, status=form.cleaned_data["status"])
    messages.success(request, _("Topic status changed."))
    return redirect("meetings_staff:topic", topic_id=the_topic.pk)


@staff_required
@require_POST
def topic_option(request, topic_id: int):
    """A cadre proposes an option (for example the one the 两委 drafted)."""
    the_topic = selectors.staff_topic(request.user, topic_id, "meetings.manage_topic")
    form = OptionForm(request.POST)
    if form.is_valid():
        try:
            services.option_propose(actor=request.user, topic=the_topic, **form.proposal())
        except DomainError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Option proposed."))
            return redirect(f"{reverse('meetings_staff:topic', args=[the_topic.pk])}#options")
    return render(request, "meetings/staff_topic.html", _topic_context(request, the_topic, option_form=form),
                  status=400)


# --- moderation ----------------------------------------------------------------------------------

def _back_to_moderation(request, post: Post):
    target = request.POST.get("next", "")
    if target == "topic":
        return redirect(f"{reverse('meetings_staff:topic', args=[post.topic_id])}#post-{post.pk}")
    return redirect("meetings_staff:moderation", node_id=post.topic.community_id)


@staff_required
@require_POST
def post_hide(request, post_id: int):
    post = selectors.moderated_post(request.user, post_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        raise DomainError(_("Say why the post is hidden; readers will see the reason."))
    services.post_hide(actor=request.user, post=post, reason=form.cleaned_data["reason"])
    messages.success(request, _("The post is hidden. Readers see your reason instead."))
    return _back_to_moderation(request, post)


@staff_required
@require_POST
def reports_dismiss(request, post_id: int):
    post = selectors.moderated_post(request.user, post_id)
    services.post_reports_dismiss(actor=request.user, post=post)
    messages.success(request, _("The reports are dismissed; the post stays."))
    return _back_to_moderation(request, post)


@staff_required
def moderation(request, node_id: int):
    node = node_for(request.user, "meetings.moderate", node_id)
    return render(request, "meetings/staff_moderation.html",
                  {"node": node, "posts": selectors.moderation_queue(node=node)})


@staff_required
def moderators(request, node_id: int):
    community = node_for(request.user, "meetings.manage_topic", node_id)
    if community.kind != Kind.COMMUNITY:
        raise Http404
    form = ModeratorForm(request.POST or None, candidates=selectors.moderator_candidates(community=community))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.moderator_appoint(actor=request.user, community=community, person=form.cleaned_data["person"])
            except DomainError as refused:
                form.add_error(None, refused.message)
                status = refused.status
            else:
                messages.success(request, _("Moderator appointed."))
                return redirect("meetings_staff:moderators", node_id=community.pk)
    return render(request, "meetings/staff_moderators.html", {
        "node": community, "form": form, "moderators": selectors.moderators(community=community)}, status=status)


@staff_required
@require_POST
def moderator_remove(request, moderator_id: int):
    moderator = Moderator.objects.select_related("community").filter(pk=moderator_id).first()
    if moderator is None or not has_perm(request.user, "meetings.manage_topic", moderator.community):
        raise Http404
    services.moderator_remove(actor=request.user, moderator=moderator)
    messages.success(request, _("Moderator removed."))
    return redirect("meetings_staff:moderators", node_id=moderator.community_id)
