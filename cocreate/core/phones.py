"""Mainland mobile numbers: validation (security.md I-1) and E.164 normalisation (A-1)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalise_phone(raw: str) -> str:
    """Return '+8613812345678' for any common way of writing the number, or raise."""
    digits = re.sub(r"[\s\-()]", "", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not _MOBILE.match(digits):
        raise ValidationError(
            _("Enter an 11-digit mainland mobile number starting with 1, e.g. 138 1234 5678."),
            code="invalid_phone",
        )
    return f"+86{digits}"


def national_number(e164: str) -> str:
    return e164[3:] if e164.startswith("+86") else e164
