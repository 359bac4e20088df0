"""Exact numbers for rule checks: everything is `Decimal`, built from decimal text, never from binary floats.

Python's default decimal context rounds to 28 digits, which would round products such as
share (17 digits) x rating (17 digits). Every check therefore runs inside `exact()`: a context wide
enough for any product or sum of our inputs, with `Inexact` trapped, so a rounded intermediate raises
instead of passing silently. Divisions are only for display (`DISPLAY.divide`); decisions compare
cross-multiplied values instead.
"""

from __future__ import annotations

import decimal
from contextlib import AbstractContextManager
from decimal import ROUND_HALF_UP, Context, Decimal

_EXACT_CONTEXT = Context(prec=1000, Emax=999999, Emin=-999999,
                         traps=[decimal.Inexact, decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow])
DISPLAY = Context(prec=50)


def exact() -> AbstractContextManager[Context]:
    """`with exact(): ...` every +, -, x inside is exact or raises decimal.Inexact."""
    return decimal.localcontext(_EXACT_CONTEXT)


def dec(value: float | int | str | Decimal) -> Decimal:
    """A float from a JSON document becomes the Decimal of its shortest text (repr), i.e. what was written."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def plain(value: Decimal) -> str:
    """Decimal as plain text without exponent (for messages and JSON)."""
    return format(value, "f")


def significant(value: Decimal, digits: int) -> str:
    """For display on a label only (never used in a check): `digits` significant figures, half up."""
    if value == 0:
        return "0"
    quantum = Decimal(1).scaleb(value.adjusted() - digits + 1, context=DISPLAY)
    return format(value.quantize(quantum, rounding=ROUND_HALF_UP, context=DISPLAY), "f")


def one_decimal(value: Decimal) -> str:
    """For display only: one decimal place, half up."""
    return format(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP, context=DISPLAY), "f")


def rounded(value: Decimal, places: int) -> Decimal:
    """For display only: `places` decimal places, half up (e.g. a DQR mean 2.0533... -> 2.05)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=DISPLAY)
