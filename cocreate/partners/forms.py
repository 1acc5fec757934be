"""Forms for the partners pages (and the API, which runs the same forms). Time is typed as hours
and minutes and kept in integer minutes; photos are checked and re-encoded like the needs
photos (no EXIF, no GPS position of a home)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cocreate.needs.forms import PHOTO_ACCEPT, clean_photo
from cocreate.needs.models import Need
from cocreate.orgs.models import DispatchedMember, PartnerUnit, Person

from .models import MAX_ORDER_MINUTES, Category, ServiceItem

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PhotoField(forms.ImageField):
    widget = forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT})

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        return clean_photo(upload) if upload else upload


class PairingForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("partner unit"), queryset=PartnerUnit.objects.none())
    since = forms.DateField(label=_("paired since"), widget=DATE)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = PartnerUnit.objects.filter(pk__in=[u.pk for u in units])
        self.fields["since"].initial = timezone.localdate()


class OfferForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("partner unit"), queryset=PartnerUnit.objects.none())
    title = forms.CharField(label=_("title"), max_length=100)
    category = forms.ChoiceField(label=_("category"), choices=Category.choices, initial=Category.OTHER)
    description = forms.CharField(label=_("description"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    capacity = forms.CharField(label=_("how much, how often"), max_length=100, required=False,
                               help_text=_("For example: two volunteers every Saturday morning."))

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = PartnerUnit.objects.filter(pairings__community=community).order_by("name")


class ItemForm(forms.Form):
    """List an offer: matched to one of the community's open needs, or on its own."""

    need = forms.ModelChoiceField(label=_("matched need"), queryset=Need.objects.none(), required=False,
                                  help_text=_("Leave empty to list the offer on its own."))
    title = forms.CharField(label=_("title on the list"), max_length=100, required=False,
                            help_text=_("The offer's title if left empty."))
    description = forms.CharField(label=_("description"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, offer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].queryset = Need.objects.filter(community_id=offer.community_id).open()


class OrderForm(forms.Form):
    item = forms.ModelChoiceField(label=_("service"), queryset=ServiceItem.objects.none(), required=False,
                                  empty_label=_("Something else (describe it below)"))
    description = forms.CharField(label=_("what do you need?"), min_length=4, max_length=500,
                                  widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text=_("When and where, and anything the helper should know."))

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = (ServiceItem.objects.filter(community=community, published=True,
                                                                   offer__active=True) if community
                                        else ServiceItem.objects.none())


class ProxyOrderForm(OrderForm):
    """Placing an order for a resident without a phone: the photo of the slip they signed."""

    person = forms.ModelChoiceField(label=_("for whom"), queryset=Person.objects.none())
    consent_slip = PhotoField(label=_("photo of the slip the resident signed"))
    consent_confirmed = forms.BooleanField(label=_("The resident agreed that I place this order for them."))

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = household.members.order_by("id")
        self.order_fields(["person", "item", "description", "consent_slip", "consent_confirmed"])


class DispatchForm(forms.Form):
    member = forms.ModelChoiceField(label=_("dispatched member"), queryset=DispatchedMember.objects.none(),
                                    required=False)
    unit = forms.ModelChoiceField(label=_("or a partner unit"), queryset=PartnerUnit.objects.none(),
                                  required=False)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (DispatchedMember.objects.filter(home_community=community)
                                          .select_related("person", "unit"))
        self.fields["member"].label_from_instance = lambda m: f"{m.person.masked_name} · {m.unit.name}"
        self.fields["unit"].queryset = PartnerUnit.objects.filter(pairings__community=community).order_by("name")

    def clean(self):
        data = super().clean()
        if not data.get("member") and not data.get("unit"):
            raise forms.ValidationError(_("Choose a dispatched member or a partner unit."))
        return data


class CompleteForm(forms.Form):
    hours = forms.IntegerField(label=_("hours"), min_value=0, max_value=24, initial=0)
    minutes = forms.IntegerField(label=_("minutes"), min_value=0, max_value=59, initial=0)
    photo = PhotoField(label=_("photo of the work done"))
    note = forms.CharField(label=_("what was done"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("hours") is not None and data.get("minutes") is not None:
            total = data["hours"] * 60 + data["minutes"]
            if not 1 <= total <= MAX_ORDER_MINUTES:
                raise forms.ValidationError(_("Give the time spent: at least 1 minute, at most 24 hours."))
            data["total_minutes"] = total
        return data


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("how was the service?"), coerce=int, widget=forms.RadioSelect,
                                    choices=[(n, "★" * n) for n in range(5, 0, -1)])
    comment = forms.CharField(label=_("comment"), max_length=300, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=200, required=False)
