"""Template filters of the funds pages: money in yuan from integer fen, per-mille as percent."""

from django import template

from cocreate.funds import wording

register = template.Library()


@register.filter
def yuan(fen) -> str:
    return wording.yuan(fen)


@register.filter
def permille(value) -> str:
    return wording.permille(value)


@register.filter
def reason(allocation) -> str:
    return wording.reason_text(allocation.reason, allocation.params)
