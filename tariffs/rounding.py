"""Presentation rounding of results (the calculation itself stays unrounded Decimal)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

TONNES = Decimal("0.000001")
CENTS = Decimal("0.01")


def tonnes(value: Decimal) -> Decimal:
    """t CO2e (and t/t) to 6 decimals; trailing zeros dropped so 3.5057 stays 3.5057."""
    normalized = value.quantize(TONNES, rounding=ROUND_HALF_UP).normalize()
    exponent = normalized.as_tuple().exponent
    return normalized.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normalized


def money(value: Decimal) -> Decimal:
    return value.quantize(CENTS, rounding=ROUND_HALF_UP)
