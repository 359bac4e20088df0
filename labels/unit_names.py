"""Declared-unit names in zh-Hans, zh-Hant and English, from one dated data file.

Both the decision's label text (labels/evaluate.py -> labels/text.py) and the on-pack label
(labels/artwork.py) read `data/labels/unit_names.yaml` through this module, so the two can never
name a unit differently ("1件" in the text, "每件" on the label)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from labels.errors import RuleSetInvalid
from labels.ruledata import DatedValue, Provenance, load_dated_value

LANGUAGES = ("zh-Hans", "zh-Hant", "en")


def unit_names_path() -> Path:
    from lcidb.home import shipped_data_dir

    return shipped_data_dir() / "labels" / "unit_names.yaml"


@lru_cache(maxsize=1)
def _unit_names_data() -> DatedValue:
    return load_dated_value(unit_names_path(), "unit_names")


def unit_names(on: date) -> tuple[dict[str, dict[str, str]], Provenance]:
    """Every listed unit's names on `on`, and where they come from."""
    data = _unit_names_data()
    table, provenance = data.on(on)
    if not isinstance(table, dict):
        raise RuleSetInvalid(f"{data.path}: unit_names on {on}: expected a mapping unit -> names, got {table!r}")
    for unit, names in table.items():
        if not isinstance(names, dict) or set(names) != set(LANGUAGES):
            raise RuleSetInvalid(f"{data.path}: unit_names.{unit}: needs exactly {', '.join(LANGUAGES)}, got {names!r}")
    return {str(u): {lang: str(n[lang]) for lang in LANGUAGES} for u, n in table.items()}, provenance


def unit_name(unit: str, on: date) -> dict[str, str]:
    """The unit's name in each language on `on`; a unit not listed is printed as written."""
    table, _ = unit_names(on)
    return dict(table.get(unit) or {lang: unit for lang in LANGUAGES})


__all__ = ["unit_name", "unit_names", "unit_names_path"]
