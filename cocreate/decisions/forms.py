"""Forms for the decisions pages. Money is typed in yuan and kept in integer fen; photos are
checked and re-encoded like the needs photos (no EXIF, no GPS position of a home)."""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cocreate.meetings.models import Meeting, Option
from cocreate.needs.forms import PHOTO_ACCEPT, clean_photo
from cocreate.orgs.models import OrgUnit

from .models import Ballot, PaperTally, Procedure, ProcedureStage
from .rules import procedures as proc

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def yuan_to_fen(value: Decimal | None) -> int | None:
    return None if value is None else int((value * 100).to_integral_value())


class PhotoField(forms.ImageField):
    widget = forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT})

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        return clean_photo(upload) if upload else upload


class BallotForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=100)
    kind = forms.ChoiceField(label=_("type"), choices=Ballot.Kind.choices)
    options = forms.ModelMultipleChoiceField(label=_("options on the ballot"), queryset=Option.objects.none(),
                                             widget=forms.CheckboxSelectMultiple, required=False,
                                             help_text=_("Not needed for a yes / no / abstain ballot."))
    max_choices = forms.IntegerField(label=_("at most how many choices (approval)"), min_value=1, max_value=30,
                                     initial=2, required=False)
    budget_limit_yuan = forms.DecimalField(label=_("cost limit in yuan (budget)"), min_value=Decimal("0.01"),
                                           max_digits=14, decimal_places=2, required=False)
    voter_unit = forms.ChoiceField(label=_("who votes"), choices=Ballot.Unit.choices, initial=Ballot.Unit.HOUSEHOLD)
    eligibility = forms.ChoiceField(label=_("eligible voters"), choices=Ballot.Eligibility.choices)
    node = forms.ModelChoiceField(label=_("area or estate"), queryset=OrgUnit.objects.none())
    meeting = forms.ModelChoiceField(label=_("meeting (for its roster)"), queryset=Meeting.objects.none(),
                                     required=False)
    rule = forms.ChoiceField(label=_("threshold"), choices=Ballot.Rule.choices, initial=Ballot.Rule.NONE)
    quorum_percent = forms.IntegerField(label=_("quorum, as a percentage of eligible voters"), min_value=1,
                                        max_value=100, initial=50)
    opens_at = forms.DateTimeField(label=_("opens"), widget=DATETIME)
    closes_at = forms.DateTimeField(label=_("closes"), widget=DATETIME)

    def __init__(self, *args, topic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["options"].queryset = topic.options.filter(status=Option.Status.PROPOSED)
        self.fields["node"].queryset = OrgUnit.objects.in_subtree(topic.community).order_by("path")
        self.fields["node"].initial = topic.node_id
        self.fields["meeting"].queryset = Meeting.objects.filter(community=topic.community).order_by("-starts_at")
        now = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["opens_at"].initial = now
        self.fields["closes_at"].initial = now + timedelta(days=7)
        self.fields["title"].initial = topic.title

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"], "kind": data["kind"], "options": list(data["options"] or []),
            "max_choices": data["max_choices"] or 1, "budget_limit_fen": yuan_to_fen(data["budget_limit_yuan"]),
            "voter_unit": data["voter_unit"], "eligibility": data["eligibility"], "node": data["node"],
            "meeting": data["meeting"], "rule": data["rule"], "quorum_percent": data["quorum_percent"],
            "opens_at": data["opens_at"], "closes_at": data["closes_at"],
        }


class PaperTallyForm(forms.Form):
    method = forms.ChoiceField(label=_("how they voted"), choices=PaperTally.Method.choices,
                               widget=forms.RadioSelect, initial=PaperTally.Method.PAPER)
    held_at = forms.DateTimeField(label=_("when the vote was held"), widget=DATETIME)
    invalid = forms.IntegerField(label=_("blank or spoilt"), min_value=0, initial=0)
    voters = forms.MultipleChoiceField(label=_("who voted this way (tick on the roster)"),
                                       widget=forms.CheckboxSelectMultiple)
    sheet_photo = PhotoField(label=_("photo of the signed tally sheet"))
    signatory_one = forms.CharField(label=_("first signatory"), max_length=50)
    signatory_two = forms.CharField(label=_("second signatory"), max_length=50)

    def __init__(self, *args, ballot: Ballot, roster, **kwargs):
        super().__init__(*args, **kwargs)
        self.ballot = ballot
        self.fields["held_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["voters"].choices = [(v.key, v.label) for v in roster]
        owners = ballot.eligibility == Ballot.Eligibility.OWNERS
        for choice in ballot.choices.all():
            self.fields[f"count_{choice.key}"] = forms.IntegerField(
                label=_("votes for “%(choice)s”") % {"choice": choice.label}, min_value=0, initial=0)
            if owners:
                self.fields[f"area_{choice.key}"] = forms.DecimalField(
                    label=_("area (m²) for “%(choice)s”") % {"choice": choice.label}, min_value=0,
                    max_digits=12, decimal_places=2, initial=0)

    def counts(self) -> dict[str, int]:
        return {c.key: self.cleaned_data[f"count_{c.key}"] for c in self.ballot.choices.all()}

    def areas(self) -> dict[str, str]:
        return {c.key: str(self.cleaned_data.get(f"area_{c.key}") or 0) for c in self.ballot.choices.all()
                if f"area_{c.key}" in self.cleaned_data}


class OwnersForm(forms.Form):
    lines = forms.CharField(
        label=_("owners, one per line: unit, name, area in m²"), widget=forms.Textarea(attrs={"rows": 8}),
        max_length=400_000, help_text=_("For example: 1栋101, 张三, 89.5. A unit already on the roll is updated."))


class PublishForm(forms.Form):
    note = forms.CharField(label=_("note for the notice"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=2000, required=False)


class ProcedureForm(forms.Form):
    kind = forms.ChoiceField(label=_("procedure"), choices=Procedure.Kind.choices)
    matter = forms.ChoiceField(label=_("matter (owners' assembly)"), choices=Procedure.Matter.choices,
                               initial=Procedure.Matter.ORDINARY)
    quorum_percent = forms.IntegerField(label=_("quorum, as a percentage of eligible voters"), min_value=1,
                                        max_value=100, initial=50)


class StageForm(forms.Form):
    held_on = forms.DateField(label=_("date"), widget=DATE)
    body = forms.CharField(label=_("body, meeting or notice board"), max_length=100, required=False)
    meeting = forms.ModelChoiceField(label=_("meeting"), queryset=Meeting.objects.none(), required=False)
    ballot = forms.ModelChoiceField(label=_("published ballot (for its counts)"), queryset=Ballot.objects.none(),
                                    required=False)
    resolution_body = forms.ChoiceField(label=_("which meeting resolved"), required=False,
                                        choices=[("", "—"), *ProcedureStage.Body.choices])
    expected = forms.IntegerField(label=_("expected (members, voters or representatives)"), min_value=0,
                                  required=False)
    present = forms.IntegerField(label=_("present or voted"), min_value=0, required=False)
    approving = forms.IntegerField(label=_("approving"), min_value=0, required=False)
    expected_households = forms.IntegerField(label=_("households (villagers' meeting)"), min_value=0,
                                             required=False)
    present_households = forms.IntegerField(label=_("households represented"), min_value=0, required=False)
    expected_area = forms.DecimalField(label=_("total area (m²)"), min_value=0, max_digits=12, decimal_places=2,
                                       required=False)
    present_area = forms.DecimalField(label=_("participating area (m²)"), min_value=0, max_digits=12,
                                      decimal_places=2, required=False)
    approving_area = forms.DecimalField(label=_("approving area (m²)"), min_value=0, max_digits=12,
                                        decimal_places=2, required=False)
    minutes_ref = forms.CharField(label=_("minutes or document reference"), max_length=200, required=False)
    content = forms.CharField(label=_("content"), widget=forms.Textarea(attrs={"rows": 3}), max_length=3000,
                              required=False)
    evidence = PhotoField(label=_("evidence (photo of the record or notice)"), required=False)

    COUNTED = {proc.MEMBERS_REVIEW, proc.VILLAGERS_RESOLUTION, proc.VOTE}

    def __init__(self, *args, procedure: Procedure, stage: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_on"].initial = timezone.localdate()
        self.fields["meeting"].queryset = Meeting.objects.filter(community=procedure.community).order_by(
            "-starts_at")
        self.fields["ballot"].queryset = Ballot.objects.filter(topic=procedure.topic,
                                                               status=Ballot.Status.PUBLISHED)
        drop = set()
        if stage not in self.COUNTED:
            drop |= {"expected", "present", "approving", "expected_households", "present_households", "ballot"}
        if stage != proc.VILLAGERS_RESOLUTION:
            drop |= {"resolution_body", "expected_households", "present_households"}
        if not (stage == proc.VOTE and procedure.kind == proc.OWNERS_ASSEMBLY):
            drop |= {"expected_area", "present_area", "approving_area"}
        if stage != proc.VOTE:
            drop.add("ballot")
        for name in drop:
            self.fields.pop(name, None)

    def clean(self):
        data = super().clean()
        if data.get("held_on") and data["held_on"] > timezone.localdate():
            raise ValidationError(_("Record a stage once it has taken place."))
        return data
