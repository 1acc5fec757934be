"""Masking of personal data for display (security.md P-2): 138****5678, 张*明, 420***********123X."""

import re

_DIGITS = re.compile(r"\D")


def mask_phone(phone: str | None) -> str:
    """Keep the first 3 and last 4 digits of a mobile number; never more than 7 of 11."""
    if not phone:
        return ""
    digits = _DIGITS.sub("", phone)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_name(name: str | None) -> str:
    """张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明; Latin names keep their first letter."""
    if not name:
        return ""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"


def mask_id_number(id_number: str | None) -> str:
    """First 3 and last 4 characters of an ID number."""
    if not id_number:
        return ""
    if len(id_number) < 8:
        return "*" * len(id_number)
    return f"{id_number[:3]}{'*' * (len(id_number) - 7)}{id_number[-4:]}"
