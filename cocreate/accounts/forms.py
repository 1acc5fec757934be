from django import forms
from django.utils.translation import gettext_lazy as _

from cocreate.orgs.forms import PhoneField


class PhoneForm(forms.Form):
    phone = PhoneField(label=_("Mobile number"), widget=forms.TextInput(
        attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "138 0000 0000"}))
    agree = forms.BooleanField(label=_("I have read the privacy notice and agree."), required=True)


class CodeField(forms.RegexField):
    """A one-time code is never echoed back into the page after a wrong try."""

    def bound_data(self, data, initial):
        return ""


class CodeForm(forms.Form):
    code = CodeField(label=_("6-digit code"), regex=r"^\s*\d{6}\s*$", error_messages={
        "invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 6}))


class StaffLoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=40,
                               widget=forms.TextInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(label=_("Password"), max_length=128, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class TotpForm(forms.Form):
    token = forms.RegexField(label=_("Code from your authenticator app"), regex=r"^\s*\d{6}\s*$",
                             widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Current password"), strip=False, widget=forms.PasswordInput)
    new_password = forms.CharField(label=_("New password"), strip=False, widget=forms.PasswordInput,
                                   help_text=_("At least 8 characters, using 3 of: lower-case, capitals, digits, "
                                               "symbols; not your username or phone; not one of your last 5."))
    new_password2 = forms.CharField(label=_("New password again"), strip=False, widget=forms.PasswordInput)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_old_password(self):
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError(_("The current password is not right."))
        return value

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("The two new passwords differ."))
        return data
