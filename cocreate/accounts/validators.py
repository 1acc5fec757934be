"""Staff password rules (security.md A-2): ≥ 8 characters, 3 of 4 classes, not the username
or phone, not a common password (Django's list), not one of the last 5."""

import re

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLASSES = [re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"\d"), re.compile(r"[^a-zA-Z\d]")]
MAX_LENGTH = 128
HISTORY = 5


class StaffPasswordValidator:
    def validate(self, password: str, user=None) -> None:
        errors = []
        if len(password) < 8:
            errors.append(_("The password must have at least 8 characters."))
        if len(password) > MAX_LENGTH:
            errors.append(_("The password may have at most 128 characters."))
        if sum(bool(c.search(password)) for c in CLASSES) < 3:
            errors.append(_("Use at least 3 of: lower-case letters, capitals, digits, symbols."))
        lowered = password.lower()
        if user is not None and user.username and len(user.username) >= 3 and user.username.lower() in lowered:
            errors.append(_("The password must not contain the username."))
        if user is not None and user.phone_enc:
            digits = user.phone_national()
            if digits and digits[-8:] in password:
                errors.append(_("The password must not contain the phone number."))
        if errors:
            raise ValidationError(errors, code="password_policy")

    def get_help_text(self) -> str:
        return _("At least 8 characters, using 3 of: lower-case, capitals, digits, symbols.")


class PasswordHistoryValidator:
    def validate(self, password: str, user=None) -> None:
        if user is None or not user.pk:
            return
        for old in user.password_history.all()[:HISTORY]:
            if check_password(password, old.password):
                raise ValidationError(_("Choose a password you have not used recently."), code="password_reused")

    def get_help_text(self) -> str:
        return _("It must differ from your last 5 passwords.")
