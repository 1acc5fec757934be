"""Forms for the funds pages (and the API, which runs the same forms). Money is typed in yuan and
kept in integer fen; rates and shares are typed in percent (one decimal) and kept in per-mille."""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cocreate.projects.models import ContributionKind

from .models import Disbursement, Pool, Review

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_YUAN = Decimal("100000000000")


def yuan_to_fen(value: Decimal | None) -> int | None:
    return None if value is None else int((value * 100).to_integral_value())


def percent_to_permille(value: Decimal | None) -> int | None:
    return None if value is None else int((value * 10).to_integral_value())


def yuan_field(label, *, required=True, help_text="") -> forms.DecimalField:
    return forms.DecimalField(label=label, min_value=Decimal("0.01"), max_value=MAX_YUAN, max_digits=14,
                              decimal_places=2, required=required, help_text=help_text)


class PoolForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    budget_yuan = yuan_field(_("budget (yuan)"))
    rate_percent = forms.DecimalField(
        label=_("award rate, in percent of the eligible self-raised value"), min_value=Decimal("0.1"),
        max_value=Decimal("1000"), max_digits=5, decimal_places=1, initial=100,
        help_text=_("100 means one yuan of award for each yuan residents raised (1:1)."))
    counted_kinds = forms.MultipleChoiceField(label=_("contribution kinds that count"),
                                              choices=ContributionKind.choices, widget=forms.CheckboxSelectMultiple,
                                              initial=["cash", "labour", "materials"])
    labour_day_yuan = yuan_field(_("value of one person-day (yuan)"), required=False,
                                 help_text=_("Leave empty to use the county's valuation table."))
    min_share_percent = forms.DecimalField(label=_("minimum self-raised share, in percent of the project budget"),
                                           min_value=Decimal(0), max_value=Decimal(100), max_digits=4,
                                           decimal_places=1, initial=0)
    cap_project_yuan = yuan_field(_("cap per project (yuan)"), required=False,
                                  help_text=_("Leave empty for no cap."))
    cap_community_yuan = yuan_field(_("cap per community (yuan)"), required=False,
                                    help_text=_("Leave empty for no cap."))
    method = forms.ChoiceField(label=_("allocation method when requests exceed the fund"),
                               choices=Pool.Method.choices, initial=Pool.Method.PROPORTIONAL)
    vote_opens_at = forms.DateTimeField(label=_("residents' voting opens"), widget=DATETIME, required=False,
                                        help_text=_("Only for the methods with residents' votes."))
    vote_closes_at = forms.DateTimeField(label=_("residents' voting closes"), widget=DATETIME, required=False)
    notes = forms.CharField(label=_("notes for the notice"), widget=forms.Textarea(attrs={"rows": 3}),
                            max_length=2000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        now = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["year"].initial = now.year
        self.fields["vote_opens_at"].initial = now + timedelta(days=14)
        self.fields["vote_closes_at"].initial = now + timedelta(days=21)

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "name": d["name"], "year": d["year"], "budget_fen": yuan_to_fen(d["budget_yuan"]),
            "rate_permille": percent_to_permille(d["rate_percent"]), "counted_kinds": list(d["counted_kinds"]),
            "labour_day_fen": yuan_to_fen(d["labour_day_yuan"]),
            "min_share_permille": percent_to_permille(d["min_share_percent"]) or 0,
            "cap_project_fen": yuan_to_fen(d["cap_project_yuan"]),
            "cap_community_fen": yuan_to_fen(d["cap_community_yuan"]), "method": d["method"],
            "vote_opens_at": d["vote_opens_at"], "vote_closes_at": d["vote_closes_at"], "notes": d["notes"],
        }


class ApplicationForm(forms.Form):
    project = forms.ModelChoiceField(label=_("project"), queryset=None)
    requested_yuan = yuan_field(_("amount requested (yuan)"))
    note = forms.CharField(label=_("why this project"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                           required=False)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects


class ResubmitForm(forms.Form):
    requested_yuan = yuan_field(_("amount requested (yuan)"), required=False,
                                help_text=_("Leave empty to keep the amount."))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("decision"), choices=Review.Decision.choices, widget=forms.RadioSelect,
                                 initial=Review.Decision.APPROVE)
    comment = forms.CharField(label=_("comment"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500,
                              required=False, help_text=_("Needed when returning or rejecting."))
    score = forms.IntegerField(label=_("review score (0–100)"), min_value=0, max_value=100, required=False)


class DisbursementForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=Disbursement.Kind.choices, widget=forms.RadioSelect,
                             initial=Disbursement.Kind.ADVANCE)
    amount_yuan = yuan_field(_("amount (yuan)"))
    paid_on = forms.DateField(label=_("paid on"), widget=DATE)
    reference = forms.CharField(label=_("voucher or transfer reference"), max_length=100)
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].initial = timezone.localdate()

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {"kind": d["kind"], "amount_fen": yuan_to_fen(d["amount_yuan"]), "paid_on": d["paid_on"],
                "reference": d["reference"], "note": d["note"]}
