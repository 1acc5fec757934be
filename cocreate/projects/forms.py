"""Forms for the project pages and API. Money is typed in yuan and kept in integer fen; labour in
person-days (halves allowed) or hours; photos are checked and re-encoded like the needs photos."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from cocreate.decisions.forms import DATE, PhotoField, yuan_to_fen
from cocreate.decisions.models import Ballot
from cocreate.meetings.models import Option, Topic
from cocreate.needs.models import Need
from cocreate.orgs.models import Household, OrgUnit, PartnerUnit

from . import valuation as val
from .models import ContributionKind, FundingSource, MaterialPrice, Project
from .selectors import valuation_for
from .services import Contributor, Gift, Origin

YUAN = {"min_value": Decimal("0.01"), "max_digits": 14, "decimal_places": 2}


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=100)
    scope = forms.CharField(label=_("scope"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=_("What will be built, how big, for whom."))
    node = forms.ModelChoiceField(label=_("place"), queryset=OrgUnit.objects.none())
    topic = forms.ModelChoiceField(label=_("decided topic"), queryset=Topic.objects.none(), required=False)
    ballot = forms.ModelChoiceField(label=_("ballot that decided it"), queryset=Ballot.objects.none(), required=False)
    option = forms.ModelChoiceField(label=_("option chosen"), queryset=Option.objects.none(), required=False)
    needs = forms.ModelMultipleChoiceField(label=_("needs it answers"), queryset=Need.objects.none(), required=False,
                                           widget=forms.CheckboxSelectMultiple)
    latitude = forms.DecimalField(label=_("latitude"), max_digits=9, decimal_places=6, min_value=-90, max_value=90,
                                  required=False)
    longitude = forms.DecimalField(label=_("longitude"), max_digits=9, decimal_places=6, min_value=-180,
                                   max_value=180, required=False)

    def __init__(self, *args, community: OrgUnit, **kwargs):
        super().__init__(*args, **kwargs)
        topics = Topic.objects.filter(community=community).exclude(status=Topic.Status.CLOSED)
        self.fields["node"].queryset = OrgUnit.objects.in_subtree(community).order_by("path")
        self.fields["node"].initial = community.pk
        self.fields["topic"].queryset = topics.order_by("-id")
        self.fields["ballot"].queryset = Ballot.objects.filter(topic__community=community,
                                                               status=Ballot.Status.PUBLISHED).order_by("-id")
        self.fields["option"].queryset = Option.objects.filter(topic__community=community).order_by("-id")
        # The 100 most supported open needs; a sliced queryset cannot validate the choices made.
        top = (Need.objects.filter(community=community).exclude(status__in=[Need.Status.DECLINED, Need.Status.MERGED])
               .order_by("-support_count", "-id").values_list("pk", flat=True)[:100])
        self.fields["needs"].queryset = Need.objects.filter(pk__in=list(top)).order_by("-support_count", "-id")

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        origin = Origin(topic=data["topic"], ballot=data["ballot"], option=data["option"],
                        needs=tuple(data["needs"] or ()))
        return {"node": data["node"], "title": data["title"], "scope": data["scope"], "origin": origin,
                "latitude": data["latitude"], "longitude": data["longitude"]}


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("new status"), choices=Project.Status.choices)
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class BudgetLineForm(forms.Form):
    item = forms.CharField(label=_("item"), max_length=100)
    amount_yuan = forms.DecimalField(label=_("amount in yuan"), **YUAN)

    def service_kwargs(self) -> dict:
        return {"item": self.cleaned_data["item"], "amount_fen": yuan_to_fen(self.cleaned_data["amount_yuan"])}


class SourceForm(forms.Form):
    kind = forms.ChoiceField(label=_("source"), choices=FundingSource.Kind.choices)
    amount_yuan = forms.DecimalField(label=_("amount in yuan"), **YUAN)
    note = forms.CharField(label=_("note"), max_length=100, required=False)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"kind": data["kind"], "amount_fen": yuan_to_fen(data["amount_yuan"]), "note": data["note"]}


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("milestone"), max_length=100)
    due_date = forms.DateField(label=_("due date"), widget=DATE)


class TaskForm(forms.Form):
    title = forms.CharField(label=_("task"), max_length=200)
    owner_name = forms.CharField(label=_("who does it"), max_length=40)
    due_date = forms.DateField(label=_("due date"), widget=DATE)


class ProgressForm(forms.Form):
    text = forms.CharField(label=_("what happened"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    percent = forms.IntegerField(label=_("progress (%)"), min_value=0, max_value=100)
    photo = PhotoField(label=_("photo"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=200)


class EvidenceForm(forms.Form):
    evidence = PhotoField(label=_("evidence photo"))


class GiftForm(forms.Form):
    """What is given. Only the fields of the chosen kind are read."""

    kind = forms.ChoiceField(label=_("what you give"), choices=ContributionKind.choices,
                             widget=forms.RadioSelect, initial=ContributionKind.LABOUR)
    cash_yuan = forms.DecimalField(label=_("cash in yuan"), required=False, **YUAN)
    days = forms.DecimalField(label=_("person-days of labour"), required=False, min_value=Decimal("0.5"),
                              max_digits=6, decimal_places=1, help_text=_("Half days are fine: 0.5."))
    hours = forms.IntegerField(label=_("or hours of labour"), required=False, min_value=1, max_value=24 * 366)
    material = forms.ModelChoiceField(label=_("material"), queryset=MaterialPrice.objects.none(), required=False)
    quantity = forms.DecimalField(label=_("quantity"), required=False, min_value=Decimal("0.001"), max_digits=12,
                                  decimal_places=3)
    area_m2 = forms.DecimalField(label=_("area in m²"), required=False, min_value=Decimal("0.01"), max_digits=12,
                                 decimal_places=2)
    value_yuan = forms.DecimalField(label=_("value in yuan (land, equipment)"), required=False,
                                    min_value=Decimal(0), max_digits=14, decimal_places=2)
    description = forms.CharField(label=_("description"), max_length=200, required=False)
    anonymous = forms.BooleanField(label=_("Show me as “anonymous” on the honour roll"), required=False)

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.valuation = valuation_for(project.node)
        prices = self.valuation.prices.filter(active=True) if self.valuation else MaterialPrice.objects.none()
        self.fields["material"].queryset = prices

    def clean(self):
        data = super().clean()
        if data.get("kind") == ContributionKind.LABOUR:
            data["labour_hours"] = self._labour_hours(data)
        return data

    def _labour_hours(self, data) -> int | None:
        if data.get("hours"):
            return data["hours"]
        if data.get("days") and self.valuation is not None:
            hours = val.hours_from_days(data["days"], hours_per_day=self.valuation.hours_per_day)
            if hours is None:
                self.add_error("days", _("Person-days must come to whole hours; give the hours instead."))
            return hours
        if not data.get("days"):
            self.add_error("days", _("Give the labour in person-days or hours."))
        return None

    def gift(self) -> Gift:
        data = self.cleaned_data
        return Gift(kind=data["kind"], cash_fen=yuan_to_fen(data.get("cash_yuan")) or 0,
                    hours=data.get("labour_hours") or 0, material=data.get("material"),
                    quantity=data.get("quantity") or Decimal(0), area_m2=data.get("area_m2") or Decimal(0),
                    value_fen=yuan_to_fen(data.get("value_yuan")) or 0, description=data.get("description") or "")


class PledgeForm(GiftForm):
    as_household = forms.BooleanField(label=_("On behalf of my household"), required=False, initial=True)


class RecordForm(GiftForm):
    """A cadre records a contribution given without a pledge: from a household of the community or
    a partner unit, with a photo."""

    household = forms.ModelChoiceField(label=_("household"), queryset=Household.objects.none(), required=False)
    unit = forms.ModelChoiceField(label=_("partner unit"), queryset=PartnerUnit.objects.none(), required=False)
    evidence = PhotoField(label=_("evidence photo"))

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, project=project, **kwargs)
        self.fields["household"].queryset = Household.objects.filter(path__startswith=project.community.path
                                                                     ).order_by("address")
        self.fields["unit"].queryset = PartnerUnit.objects.filter(pairings__community=project.community).distinct()
        self.fields["anonymous"].label = _("The contributor asked to appear as “anonymous”")

    def contributor(self) -> Contributor:
        return Contributor(household=self.cleaned_data.get("household"), unit=self.cleaned_data.get("unit"))


class ValuationForm(forms.Form):
    labour_day_yuan = forms.DecimalField(label=_("value of one person-day in yuan"), **YUAN)
    hours_per_day = forms.IntegerField(label=_("hours in a working day"), min_value=1, max_value=24, initial=8)


class MaterialPriceForm(forms.Form):
    name = forms.CharField(label=_("material"), max_length=40)
    unit = forms.CharField(label=_("unit"), max_length=10)
    price_yuan = forms.DecimalField(label=_("price per unit in yuan"), **YUAN)
