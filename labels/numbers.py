"""Exact numbers for rule checks: everything is `Decimal`, built from decimal text, never from binary floats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

# Division (benchmark means, weighted DQR means) happens in this context; 50 digits is far beyond
# any data's precision, so results are not rounded in any way a threshold could notice.
EXACT = Context(prec=50)


def dec(value: float | int | str | Decimal) -> Decimal:
    """A float from a JSON document becomes the Decimal of its shortest text (repr), i.e. what was written."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def plain(value: Decimal) -> str:
    """Decimal as plain text without exponent (for messages and JSON)."""
    text = format(value, "f")
    return text


def significant(value: Decimal, digits: int) -> str:
    """For display on a label only (never used in a check): `digits` significant figures, half up."""
    if value == 0:
        return "0"
    quantum = Decimal(1).scaleb(value.adjusted() - digits + 1)
    return format(value.quantize(quantum, rounding=ROUND_HALF_UP), "f")
