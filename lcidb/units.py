"""The project's unit vocabulary (pint). Every quantity is converted to the activity's unit
before linking; an unknown or incompatible unit is an error, never a silent zero."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from lcidb.errors import IncompatibleUnit, UnknownUnit

# Spellings accepted in templates and BOMs -> pint expressions. Keys are matched case-sensitively
# first, then case-insensitively (so "KWH" and "kwh" work but "t" never means "T" tesla).
_ALIASES: dict[str, str] = {
    "kg": "kilogram", "g": "gram", "t": "tonne", "tonne": "tonne", "ton": "tonne",
    "kWh": "kilowatt_hour", "MWh": "megawatt_hour", "GWh": "gigawatt_hour", "Wh": "watt_hour",
    "MJ": "megajoule", "GJ": "gigajoule", "TJ": "terajoule", "kJ": "kilojoule",
    "m3": "meter**3", "Nm3": "normal_cubic_meter", "L": "liter", "l": "liter", "mL": "milliliter",
    "m2": "meter**2", "m": "meter", "km": "kilometer", "cm": "centimeter", "mm": "millimeter",
    "tkm": "tonne_kilometer", "t.km": "tonne_kilometer", "t*km": "tonne_kilometer",
    # the middle dot of the docs' own notation (U+00B7) and the dot operator (U+22C5)
    "t\u00b7km": "tonne_kilometer", "t\u22c5km": "tonne_kilometer",
    "tonne_km": "tonne_kilometer", "kgkm": "kilogram*kilometer", "kg.km": "kilogram*kilometer",
    "piece": "piece", "pcs": "piece", "pc": "piece", "unit": "piece", "item": "piece",
    "pair": "pair", "set": "piece",
    "h": "hour", "hour": "hour",
}

if TYPE_CHECKING:
    import pint

# pint is imported on first need, not with this module: importing it costs ~1 s when dask is
# installed (pint.compat imports dask), and most runs only look spellings up in _ALIASES.

CANONICAL: dict[str, str] = {
    # the spelling written into results for each accepted alias family
    "kilogram": "kg", "tonne": "t", "kilowatt_hour": "kWh", "megajoule": "MJ", "meter**3": "m3",
    "normal_cubic_meter": "Nm3", "liter": "L", "meter**2": "m2", "tonne_kilometer": "tkm",
    "piece": "piece",
}


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    import pint

    ureg: pint.UnitRegistry[float] = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    # Counted things are their own dimension, so 1 piece never converts to 1 kg.
    ureg.define("piece = [count] = pcs")
    ureg.define("pair = 2 * piece")
    # Normal cubic metre (0 °C, 101.325 kPa) is a gas quantity, kept apart from geometric m3 so
    # that a BOM in Nm3 does not silently link to a factor per m3 at other conditions.
    ureg.define("normal_cubic_meter = [normal_volume] = Nm3_")
    ureg.define("tonne_kilometer = tonne * kilometer")
    return ureg


@lru_cache(maxsize=4096)
def unit_expression(text: str) -> str | None:
    """The pint expression of a vocabulary spelling, None when it is not in the vocabulary. No
    pint registry is built for this (building one takes ~1 s; batches ask it for every line)."""
    key = text.strip()
    expr = _ALIASES.get(key)
    if expr is None:
        lowered = {k.lower(): v for k, v in _ALIASES.items()}
        expr = lowered.get(key.lower())
    return expr


@lru_cache(maxsize=4096)
def parse_unit(text: str) -> pint.Unit:
    """The pint unit for a template/BOM unit string; UnknownUnit when it is not in the vocabulary."""
    expr = unit_expression(text)
    if expr is None:
        raise UnknownUnit(f"unknown unit {text!r}; known units: {', '.join(sorted(_ALIASES))}")
    return registry().parse_units(expr)


def is_known_unit(text: str) -> bool:
    try:
        parse_unit(text)
    except UnknownUnit:
        return False
    return True


@lru_cache(maxsize=4096)
def conversion_factor(from_unit: str, to_unit: str) -> float:
    """How many `to_unit` one `from_unit` is (e.g. t -> kg = 1000)."""
    same = unit_expression(from_unit)
    if same is not None and same == unit_expression(to_unit):
        return 1.0  # the same unit under two spellings: no registry needed
    src, dst = parse_unit(from_unit), parse_unit(to_unit)
    if src == dst:
        return 1.0
    import pint

    try:
        return float(registry().Quantity(1.0, src).to(dst).magnitude)
    except pint.DimensionalityError as exc:
        raise IncompatibleUnit(f"cannot convert {from_unit!r} to {to_unit!r}") from exc
