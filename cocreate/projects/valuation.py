"""折合资金: the money value of a contribution, as pure functions over integers and Decimals.

Cash counts at face value. Labour is hours × (value of a person-day ÷ hours in that day).
Materials are a quantity × the county's unit price. Land ceded and equipment count at the value
declared for them (land may have none: it is recorded by its area and counts zero). Every
result is rounded half up to the fen, once, at the end."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


def round_fen(amount: Fraction | Decimal) -> int:
    """Half up to a whole fen (amounts are never negative here; reversals negate afterwards)."""
    value = Decimal(amount.numerator) / Decimal(amount.denominator) if isinstance(amount, Fraction) else amount
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def labour_value(hours: int, *, day_fen: int, hours_per_day: int) -> int:
    """14 person-days of 8 hours at ¥150 a day: labour_value(112, day_fen=15000, hours_per_day=8) = 210000."""
    return round_fen(Fraction(hours * day_fen, hours_per_day))


def hours_from_days(days: Decimal, *, hours_per_day: int) -> int | None:
    """Person-days as whole hours, or None when they do not come to whole hours (1.3 days of 8 hours)."""
    hours = days * hours_per_day
    return int(hours) if hours == hours.to_integral_value() else None


def material_value(quantity: Decimal, *, price_fen: int) -> int:
    """2.5 t of cement at ¥480/t: material_value(Decimal("2.5"), price_fen=48000) = 120000."""
    return round_fen(Decimal(quantity) * price_fen)
