"""Jinja2 environment for pages and PDFs: autoescape always on (product names are user text)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from lcidb.home import package_path

TEMPLATES_DIR = package_path("api.documents", "templates")


# Values are shown to people rounded, and exactly in JSON. No rule set in data/rules carries a
# display rule yet; when one does, its digits replace this default (issue 9, "Hardened pages").
DEFAULT_SIGNIFICANT_DIGITS = 3


def significant(value: object, digits: int = DEFAULT_SIGNIFICANT_DIGITS) -> str:
    """A decimal string rounded to `digits` significant figures, written without exponent."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if number == 0:
        return "0"
    quantum = Decimal(1).scaleb(number.adjusted() - digits + 1)
    text = format(number.quantize(quantum, rounding=ROUND_HALF_EVEN), "f")
    return text


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,  # every template, whatever its suffix
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["sig3"] = significant
    return env


def render_page(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
