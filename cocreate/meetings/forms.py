"""Forms for topics, discussion, options and meetings."""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cocreate.needs.forms import NodeChoiceField
from cocreate.needs.models import Need
from cocreate.orgs.models import Household, OrgUnit, Person

from .models import Meeting, Topic


class TopicForm(forms.Form):
    title = forms.CharField(label=_("Title"), min_length=2, max_length=100)
    description = forms.CharField(label=_("What is to be decided?"), max_length=3000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    node = NodeChoiceField(label=_("Where"), queryset=OrgUnit.objects.none(),
                           help_text=_("The community, or one of its grids."))
    needs = forms.ModelMultipleChoiceField(label=_("Needs it gathers"), queryset=Need.objects.none(), required=False,
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, nodes, needs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes
        self.fields["needs"].queryset = Need.objects.filter(pk__in=[n.pk for n in needs])
        self.fields["needs"].label_from_instance = lambda n: f"#{n.pk} {n.text[:40]}（{n.support_count}）"


class LinkNeedsForm(forms.Form):
    needs = forms.ModelMultipleChoiceField(label=_("Needs to gather"), queryset=Need.objects.none(),
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, needs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["needs"].queryset = Need.objects.filter(pk__in=[n.pk for n in needs])
        self.fields["needs"].label_from_instance = lambda n: f"#{n.pk} {n.text[:40]}（{n.support_count}）"


class TopicStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))

    def __init__(self, *args, topic: Topic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s, Topic.Status(s).label) for s in Topic.TRANSITIONS[topic.status]]


class PostForm(forms.Form):
    body = forms.CharField(label=_("What do you think?"), min_length=2, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), min_length=2, max_length=200)


class OptionForm(forms.Form):
    title = forms.CharField(label=_("Title"), min_length=2, max_length=100)
    description = forms.CharField(label=_("How would it work?"), max_length=3000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    cost_yuan = forms.DecimalField(label=_("Cost estimate (yuan)"), required=False, min_value=Decimal(0),
                                   max_value=Decimal("100000000"), decimal_places=2, max_digits=12,
                                   widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
                                   help_text=_("Leave empty if you do not know."))

    def proposal(self) -> dict:
        """The cleaned form as `services.option_propose` takes it: the cost in integer fen."""
        from .services import fen_from_yuan

        data = self.cleaned_data
        return {"title": data["title"], "description": data["description"],
                "cost_fen": fen_from_yuan(data["cost_yuan"])}


class ModeratorForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Resident"), queryset=Person.objects.none())

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(pk__in=[p.pk for p in candidates])
        self.fields["person"].label_from_instance = lambda p: f"{p.masked_name}（{p.household.address}）"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class MeetingForm(forms.Form):
    """Schedule a meeting: the invited households are a subtree (the node) or some of them."""

    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=Meeting.Kind.choices)
    title = forms.CharField(label=_("Title"), min_length=2, max_length=100)
    place = forms.CharField(label=_("Place"), max_length=100, required=False,
                            help_text=_("For example: 3栋门前空地, 村委会议室."))
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DateTimeInput(),
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DateTimeInput(),
                                  input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    node = NodeChoiceField(label=_("Invited area"), queryset=OrgUnit.objects.none(),
                           help_text=_("Every household of this area is invited, unless you pick some below."))
    households = forms.ModelMultipleChoiceField(
        label=_("Only these households"), queryset=Household.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Optional: pick households to invite only them (they must be in the area)."))
    topics = forms.ModelMultipleChoiceField(label=_("Topics on the agenda"), queryset=Topic.objects.none(),
                                            required=False, widget=forms.CheckboxSelectMultiple)
    other_items = forms.CharField(label=_("Other agenda items"), required=False, max_length=1000,
                                  widget=forms.Textarea(attrs={"rows": 3}), help_text=_("One a line."))

    def __init__(self, *args, nodes, households, topics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes
        self.fields["households"].queryset = households
        self.fields["households"].label_from_instance = lambda h: f"{h.address}"
        self.fields["topics"].queryset = Topic.objects.filter(pk__in=[t.pk for t in topics])

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The meeting must end after it starts."))
        return cleaned

    def agenda(self) -> list:
        items = list(self.cleaned_data.get("topics") or [])
        items += [line.strip() for line in (self.cleaned_data.get("other_items") or "").splitlines() if line.strip()]
        return items


class MeetingStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Meeting.Status.choices)
    reason = forms.CharField(label=_("Why is it cancelled?"), max_length=200, required=False)


class HostCheckinForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)


class AgendaItemForm(forms.Form):
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=Topic.objects.none(), required=False)
    title = forms.CharField(label=_("Or a title"), max_length=100, required=False)

    def __init__(self, *args, topics, **kwargs):
        kwargs.setdefault("prefix", "agenda")  # the console holds several forms with a title
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = Topic.objects.filter(pk__in=[t.pk for t in topics])


class TallyForm(forms.Form):
    votes_for = forms.IntegerField(label=_("For"), min_value=0, max_value=100000)
    votes_against = forms.IntegerField(label=_("Against"), min_value=0, max_value=100000)
    votes_abstain = forms.IntegerField(label=_("Abstain"), min_value=0, max_value=100000)


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), min_length=2, max_length=20000,
                              widget=forms.Textarea(attrs={"rows": 8}))


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), min_length=2, max_length=200)
    owner = forms.ModelChoiceField(label=_("Owner (staff)"), queryset=None, required=False)
    owner_name = forms.CharField(label=_("Or the owner's name"), max_length=50, required=False,
                                 help_text=_("Someone without an account, e.g. 楼栋长老李."))
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, owners, **kwargs):
        kwargs.setdefault("prefix", "task")
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["owner"].label_from_instance = lambda u: u.display_name or u.username or f"#{u.pk}"

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("owner") and not (cleaned.get("owner_name") or "").strip():
            self.add_error("owner_name", _("Say who will do it: a staff member or a name."))
        due = cleaned.get("due_on")
        if due and due < timezone.localdate() - timedelta(days=1):
            self.add_error("due_on", _("The due date is in the past."))
        return cleaned


class MeetingNeedForm(forms.Form):
    """A resident raises a need at the meeting on their own phone."""

    text = forms.CharField(label=_("What is the need?"), min_length=4, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 3}))
    category = forms.ModelChoiceField(label=_("What is it about?"), queryset=None, empty_label=None)

    def __init__(self, *args, **kwargs):
        from cocreate.needs.models import Category

        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.all()

