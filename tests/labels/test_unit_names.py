"""Declared-unit names have one source (data/labels/unit_names.yaml): the decision's label text and the
on-pack label artwork print the same names, and a change to that file changes both."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any
from collections.abc import Iterator

import pytest

from labels import evaluate
from labels import unit_names as unit_names_module
from labels.artwork import artwork_for
from labels.errors import NoValueOnDate, RuleSetInvalid
from labels.unit_names import unit_name, unit_names
from tests.labels import factory

ON = date(2026, 6, 1)


def _graded(unit: str) -> dict[str, Any]:
    """A T1 decision (no registry, no previous certificate) for the factory product declared per 1 `unit`."""
    declared = {"unit": unit, "amount": 1.0}
    d = evaluate(factory.footprint(declared_unit=declared),
                 factory.merge(factory.default_evidence(), {"declared_unit": declared}), "gd-carbon-label", ON)
    assert d.tier == "T1"
    return json.loads(d.model_dump_json())  # type: ignore[no-any-return]


@pytest.fixture
def clear_cache() -> Iterator[None]:
    unit_names_module._unit_names_data.cache_clear()
    yield
    unit_names_module._unit_names_data.cache_clear()


@pytest.mark.parametrize(("unit", "text", "per"), [
    # the value line of the label text reads "100 kg CO₂e / 1件"; the artwork "每件 / 每件 / per piece"
    ("piece", {"zh-Hans": "1件", "zh-Hant": "1件", "en": "1 piece"}, {"zh-Hans": "每件", "zh-Hant": "每件", "en": "per piece"}),
    # kg: 千克 (GB 3100-1993), zh-Hant 公斤 (GB 3100's own synonym, Hong Kong and Macao usage)
    ("kg", {"zh-Hans": "1千克", "zh-Hant": "1公斤", "en": "1 kg"}, {"zh-Hans": "每千克", "zh-Hant": "每公斤", "en": "per kg"}),
    # not listed: printed as written in every language, in both outputs
    ("bottle", {"zh-Hans": "1bottle", "zh-Hant": "1bottle", "en": "1 bottle"},
     {"zh-Hans": "每bottle", "zh-Hant": "每bottle", "en": "per bottle"}),
])
def test_label_text_and_artwork_use_the_same_unit_names(unit: str, text: dict[str, str], per: dict[str, str]) -> None:
    decision = _graded(unit)
    for lang, shown in text.items():
        assert f"100 kg CO₂e / {shown}\n" in decision["label"][lang]
    assert artwork_for(decision).per_unit == per


def test_a_dated_renaming_in_the_one_file_changes_text_and_artwork_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clear_cache: None
) -> None:
    shipped = unit_names_module.unit_names_path().read_text(encoding="utf-8")
    renamed = shipped + ("    2026-01-01:\n"
                         "      piece: {zh-Hans: 个, zh-Hant: 個, en: item}\n")
    path = tmp_path / "unit_names.yaml"
    path.write_text(renamed, encoding="utf-8")
    monkeypatch.setattr(unit_names_module, "unit_names_path", lambda: path)
    decision = _graded("piece")  # graded on 2026-06-01: the 2026-01-01 names apply
    assert "100 kg CO₂e / 1个\n" in decision["label"]["zh-Hans"]
    assert "100 kg CO₂e / 1 item\n" in decision["label"]["en"]
    assert artwork_for(decision).per_unit == {"zh-Hans": "每个", "zh-Hant": "每個", "en": "per item"}
    # a date before the renaming keeps the names it was printed with
    assert unit_name("piece", date(2025, 12, 31)) == {"zh-Hans": "件", "zh-Hant": "件", "en": "piece"}
    # the later table replaces the earlier one: kg is no longer listed in it and prints as written
    assert unit_name("kg", ON) == {"zh-Hans": "kg", "zh-Hant": "kg", "en": "kg"}


def test_the_names_are_dated_and_sourced_like_rule_data(clear_cache: None) -> None:
    _, provenance = unit_names(ON)
    assert provenance.since == date(2022, 6, 28)
    assert provenance.source is not None and "GB 3100-1993" in provenance.source
    with pytest.raises(NoValueOnDate, match=r"unit_names.yaml: unit_names has no value on or before 2022-06-27"):
        unit_names(date(2022, 6, 27))


def test_a_malformed_entry_names_the_file_and_the_unit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clear_cache: None
) -> None:
    path = tmp_path / "unit_names.yaml"
    path.write_text("unit_names:\n  source: test\n  values:\n    2022-06-28:\n      piece: {zh-Hans: 件, en: piece}\n",
                    encoding="utf-8")
    monkeypatch.setattr(unit_names_module, "unit_names_path", lambda: path)
    with pytest.raises(RuleSetInvalid, match=r"unit_names.yaml: unit_names.piece: needs exactly zh-Hans, zh-Hant, en"):
        unit_names(ON)
