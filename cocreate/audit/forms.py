from django import forms
from django.utils.translation import gettext_lazy as _


class AuditFilterForm(forms.Form):
    node = forms.IntegerField(label=_("Node"), required=False, widget=forms.HiddenInput)
    actor = forms.CharField(label=_("Actor (username)"), required=False, max_length=40)
    action = forms.CharField(label=_("Action"), required=False, max_length=80)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    data_access = forms.BooleanField(label=_("Only who viewed or exported personal data"), required=False)
    before = forms.IntegerField(required=False, widget=forms.HiddenInput)
