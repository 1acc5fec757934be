"""Forms for needs pages. Photos are checked by their content, not their name, and
re-encoded: that drops EXIF data (a phone photo carries the GPS position of the home)."""

import io
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import MinLengthValidator
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from cocreate.orgs.models import OrgUnit, Person

from .models import MAX_PHOTOS, Category, Need

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000  # well under Pillow's bomb limit; a 48 MP phone photo is refused
MAX_PHOTO_SIDE = 2560  # stored photos are scaled down to this
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"


def clean_photo(upload) -> ContentFile:
    """A JPEG re-encoded from an uploaded JPEG, PNG or WebP photo of at most 5 MB."""
    if upload.size > MAX_PHOTO_BYTES:
        raise ValidationError(_("Each photo must be 5 MB or smaller."), code="too_big")
    not_a_photo = ValidationError(_("This file is not a photo. Use a JPEG, PNG or WebP picture."), code="not_photo")
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            kind, (width, height) = probe.format, probe.size
            probe.verify()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as bad:
        raise not_a_photo from bad
    if kind not in PHOTO_FORMATS:
        raise not_a_photo
    if width * height > MAX_PHOTO_PIXELS:
        raise ValidationError(_("This photo is too large. Take it again at a lower resolution."), code="too_big")
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))
            if image.mode in ("RGBA", "LA", "P"):
                image = image.convert("RGBA")
                flat = Image.new("RGB", image.size, (255, 255, 255))
                flat.paste(image, mask=image.getchannel("A"))
                image = flat
            elif image.mode != "RGB":
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85, optimize=True)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as bad:
        raise not_a_photo from bad
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


class MultiplePhotoInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to nine photos from one <input type=file multiple>."""

    widget = MultiplePhotoInput(attrs={"accept": PHOTO_ACCEPT})

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("At most 9 photos."), code="too_many")
        errors, photos = [], []
        for upload in files:
            try:
                photos.append(clean_photo(super().clean(upload, initial)))
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(sorted(set(errors)))
        return photos


class PhotoField(forms.FileField):
    widget = forms.FileInput(attrs={"accept": PHOTO_ACCEPT})

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        return clean_photo(upload) if upload else None


class NodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（{obj.level.name}）"


class PlaceMixin(forms.Form):
    """Where the need is: the household's home, a node of the community, or a map point."""

    place = forms.ChoiceField(label=_("Where is it?"), choices=Need.Place.choices, initial=Need.Place.HOUSEHOLD,
                              widget=forms.RadioSelect)
    node = NodeChoiceField(label=_("Which building or hamlet?"), queryset=OrgUnit.objects.none(), required=False,
                           help_text=_("Only if you chose “A building or hamlet”."))
    latitude = forms.DecimalField(label=_("Latitude"), required=False, max_digits=9, decimal_places=6,
                                  min_value=-90, max_value=90,
                                  help_text=_("Only for a point on the map, e.g. 30.593100."))
    longitude = forms.DecimalField(label=_("Longitude"), required=False, max_digits=9, decimal_places=6,
                                   min_value=-180, max_value=180, help_text=_("For example 114.305400."))

    def set_community(self, community: OrgUnit | None) -> None:
        nodes = OrgUnit.objects.in_subtree(community).select_related("level") if community else OrgUnit.objects.none()
        self.fields["node"].queryset = nodes.order_by("path")

    def clean_place_fields(self, cleaned: dict) -> None:
        place = cleaned.get("place")
        if place == Need.Place.NODE and not cleaned.get("node"):
            self.add_error("node", _("Choose the building or hamlet."))
        if place == Need.Place.POINT:
            for name in ("latitude", "longitude"):
                if cleaned.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Needed for a point on the map."))


class NeedForm(PlaceMixin):
    """A resident raises a need. Typing in the text asks for similar needs (htmx)."""

    text = forms.CharField(label=_("What is the need?"), min_length=4, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("In your own words, for example: the street light at building 3 is broken."))
    category = forms.ModelChoiceField(label=_("What is it about?"), queryset=Category.objects.all(),
                                      empty_label=None)
    photos = PhotosField(label=_("Photos"), required=False,
                         help_text=_("Up to 9 photos, 5 MB each at most."))

    field_order = ["text", "category", "place", "node", "latitude", "longitude", "photos"]

    def __init__(self, *args, community: OrgUnit | None = None, suggest_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.set_community(community)
        if suggest_url:
            # `input`, not `keyup`: Chinese input methods (and voice input) on phones insert the
            # characters without key events, so a keyup trigger would never ask.
            self.fields["text"].widget.attrs.update({
                "hx-get": suggest_url, "hx-trigger": "input changed delay:400ms", "hx-target": "#suggestions",
                "hx-swap": "innerHTML", "aria-describedby": "suggestions",
            })

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if len(text) < 4:
            raise ValidationError(_("Describe the need in a few words (at least 4 characters)."))
        return text

    def clean(self):
        cleaned = super().clean()
        self.clean_place_fields(cleaned)
        return cleaned


class RecordForm(NeedForm):
    """A 联户长, grid worker or cadre records a need for a resident, with consent evidence.
    With `optional=True` (a door-to-door visit) the whole form may be left empty."""

    person = forms.ModelChoiceField(label=_("For whom?"), queryset=Person.objects.none())
    consent_method = forms.ChoiceField(
        label=_("How does the resident agree?"), widget=forms.RadioSelect,
        choices=[(Need.ConsentMethod.SMS, _("A code is sent to the resident's phone; they read it back to you")),
                 (Need.ConsentMethod.SLIP, _("The resident signed a paper slip; add a photo of it"))])
    consent_slip = PhotoField(label=_("Photo of the signed slip"), required=False)

    field_order = ["person", *NeedForm.field_order, "consent_method", "consent_slip"]

    def __init__(self, *args, members=None, optional: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.optional = optional
        self.fields["person"].queryset = members if members is not None else Person.objects.none()
        self.fields["person"].label_from_instance = lambda p: f"{p.masked_name}（{p.get_relation_display()}）"
        self.fields["place"].choices = [
            (Need.Place.HOUSEHOLD, _("The resident's home")), (Need.Place.NODE, _("A building or hamlet")),
            (Need.Place.POINT, _("A point on the map"))]
        self.fields["text"].help_text = _("In the resident's words.")
        if optional:
            for name in ("person", "text", "category", "place", "consent_method"):
                self.fields[name].required = False
            self.fields["text"].min_length = None
            self.fields["text"].widget.attrs.pop("minlength", None)
            self.fields["text"].validators = [v for v in self.fields["text"].validators
                                              if not isinstance(v, MinLengthValidator)]

    def clean_text(self):
        text = (self.cleaned_data.get("text") or "").strip()
        if self.optional and not text:
            return ""
        return super().clean_text()

    def clean(self):
        cleaned = forms.Form.clean(self)
        if self.optional and not cleaned.get("text") and "text" not in self.errors:
            return cleaned  # no need raised during this visit
        for name in ("person", "category", "consent_method"):
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, _("This field is required."))
        if not cleaned.get("place"):
            cleaned["place"] = Need.Place.HOUSEHOLD
        self.clean_place_fields(cleaned)
        person, method = cleaned.get("person"), cleaned.get("consent_method")
        if method == Need.ConsentMethod.SMS and person is not None and not person.has_phone:
            self.add_error("consent_method", _("This resident has no phone: use a signed slip instead."))
        if method == Need.ConsentMethod.SLIP and not cleaned.get("consent_slip") and "consent_slip" not in self.errors:
            self.add_error("consent_slip", _("Add a photo of the slip the resident signed."))
        return cleaned


class ConsentCodeForm(forms.Form):
    code = forms.RegexField(label=_("The code the resident reads to you"), regex=r"^\s*\d{6}\s*$", max_length=12,
                            error_messages={"invalid": _("The code has 6 digits.")},
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))


class TriageForm(forms.Form):
    """Move a need on: status, who handles it, common or individual, a note for the resident."""

    status = forms.ChoiceField(label=_("New status"))
    assigned_node = NodeChoiceField(label=_("Responsible node"), queryset=OrgUnit.objects.none(), required=False)
    assigned_to = forms.ModelChoiceField(label=_("Responsible person"), queryset=Person.objects.none(),
                                         required=False)
    scope = forms.ChoiceField(label=_("Common or individual (共性/个性)"), choices=Need.Scope.choices, required=False)
    note = forms.CharField(label=_("Note (the resident reads it)"), max_length=300, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Required when you decline the need: say why."))

    def __init__(self, *args, need: Need, nodes, users, **kwargs):
        kwargs.setdefault("initial", {"scope": need.scope, "assigned_node": need.assigned_node_id,
                                      "assigned_to": need.assigned_to_id})
        super().__init__(*args, **kwargs)
        self.need = need
        self.fields["status"].choices = [(s.value, s.label) for s in Need.Status
                                         if s != Need.Status.MERGED and need.can_transition_to(s)]
        self.fields["assigned_node"].queryset = nodes
        self.fields["assigned_to"].queryset = users
        self.fields["assigned_to"].label_from_instance = lambda u: u.display_name or u.username or f"#{u.pk}"

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status == Need.Status.DECLINED and len((cleaned.get("note") or "").strip()) < 2:
            self.add_error("note", _("Say why the need is declined; the resident will read it."))
        if status == Need.Status.ACCEPTED and not (cleaned.get("assigned_node") or cleaned.get("assigned_to")
                                                   or self.need.assigned_node_id or self.need.assigned_to_id):
            self.add_error("assigned_node", _("Say who handles it: a node or a person."))
        return cleaned


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(label=_("Merge into"), queryset=Need.objects.none(), widget=forms.RadioSelect,
                                    empty_label=None)

    def __init__(self, *args, candidates: list[Need], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = Need.objects.filter(pk__in=[n.pk for n in candidates])
        self.fields["target"].label_from_instance = lambda n: f"#{n.pk} {n.text}"


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    starts_on = forms.DateField(label=_("Starts"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Ends"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts_on") and cleaned.get("ends_on") and cleaned["ends_on"] < cleaned["starts_on"]:
            self.add_error("ends_on", _("The campaign must end after it starts."))
        return cleaned


class VisitForm(forms.Form):
    at_home = forms.BooleanField(label=_("Someone was at home"), required=False, initial=True)
    special_care = forms.BooleanField(label=_("Needs special care (elderly alone, ill, disabled)"), required=False)
    notes = forms.CharField(label=_("Notes"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))
