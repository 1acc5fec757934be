from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cocreate.core.phones import normalise_phone

from .models import Consent, Household, OrgUnit, Person


class PhoneField(forms.CharField):
    """A mobile number, validated and normalised; never echoed back into the page."""

    widget = forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"})

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_phone(value) if value else ""

    def bound_data(self, data, initial):
        return ""


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", "—"), *Person.Gender.choices], required=False)
    birth_year = forms.IntegerField(label=_("Birth year"), required=False, min_value=1900)
    # The initial value lets Django see untouched extra member forms as empty, not as "head".
    relation = forms.ChoiceField(label=_("Relation to the head"), choices=Person.Relation.choices,
                                 initial=Person.Relation.HEAD)
    phone = PhoneField(label=_("Mobile phone"), required=False,
                       help_text=_("Optional. Stored encrypted and shown masked."))
    is_party_member = forms.BooleanField(label=_("Party member"), required=False)

    def clean_birth_year(self):
        year = self.cleaned_data.get("birth_year")
        if year and year > timezone.now().year:
            raise ValidationError(_("The birth year cannot be in the future."))
        return year

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("Enter the name."))
        return name


class PersonEditForm(PersonForm):
    clear_phone = forms.BooleanField(label=_("Remove the stored phone number"), required=False)
    consent_evidence = forms.CharField(label=_("Consent evidence for a new phone number"), required=False,
                                       max_length=200)


class HouseholdForm(forms.Form):
    address = forms.CharField(label=_("Address"), max_length=200)
    occupancy = forms.ChoiceField(label=_("Occupancy"), choices=Household.Occupancy.choices)


class ConsentForm(forms.Form):
    consent_channel = forms.ChoiceField(
        label=_("How the residents agreed"),
        choices=[(Consent.Channel.STAFF, _("Told in person, agreed verbally")),
                 (Consent.Channel.PAPER, _("Signed a paper slip"))],
    )
    consent_evidence = forms.CharField(label=_("Evidence (slip number, or a note)"), max_length=200, required=False)
    consent_confirmed = forms.BooleanField(
        label=_("I explained the privacy notice and the residents agreed to registration."), required=True,
    )


class MoveForm(forms.Form):
    to_node = forms.ModelChoiceField(label=_("Move to"), queryset=OrgUnit.objects.none())

    def __init__(self, *args, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_node"].queryset = nodes if nodes is not None else OrgUnit.objects.none()


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("Why do you need the full number?"), max_length=200, min_length=2)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError(_("Upload an .xlsx file made from the template."))
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise ValidationError(_("The file is larger than 5 MB."))
        head = upload.read(4)
        upload.seek(0)
        if head != b"PK\x03\x04":
            raise ValidationError(_("This is not an Excel .xlsx file."))
        return upload


def member_formset(data=None, extra: int = 3):
    formset = forms.formset_factory(PersonForm, extra=extra, min_num=1, validate_min=True, max_num=20)
    return formset(data=data, prefix="m")
