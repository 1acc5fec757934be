from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """Integer fen shown as yuan, e.g. 1200050 → "12,000.50" (12000 for whole yuan)."""
    if fen is None or fen == "":
        return ""
    amount = Decimal(int(fen)) / 100
    return f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
