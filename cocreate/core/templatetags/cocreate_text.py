"""Text filters every template has without loading them (TEMPLATES "builtins")."""

from django import template
from django.template.defaultfilters import stringfilter

register = template.Library()

ELLIPSIS = "…"


@register.filter(is_safe=True)
@stringfilter
def clip(value: str, length) -> str:
    """The first `length` characters, the last of them an ellipsis when the text is longer:
    `truncatechars` for list rows. Django's filter normalises and walks the whole text a
    character at a time (to skip combining marks, which Chinese text does not use), which made
    it a tenth of a needs list's rendering time."""
    try:
        length = int(length)
    except ValueError:
        return value
    if length <= 0:
        return ""
    return value if len(value) <= length else value[: length - 1] + ELLIPSIS
