"""Rule sets as data: strict loading, dated values, version selection, and every shipped file's health."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from labels.errors import NoValueOnDate, NoVersionInForce, RuleSetInvalid, UnknownScheme, UnknownVersion
from labels.evaluate import graded_rules
from labels.params import DisplayOnlyRules, RecognitionOnlyRules
from labels.ruledata import load_rule_set, parse_rule_set, scheme_ids, scheme_versions

HEADER = "scheme: demo\nversion: '1'\nkind: graded\neffective_from: 2024-01-01\neffective_until: null\n"


def _write(tmp_path: Path, body: str, name: str = "2024-01-01.yaml") -> Path:
    folder = tmp_path / "demo"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


def test_float_literal_is_refused_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "rules:\n  x:\n    source: s\n    values:\n      2024-01-01: 0.70\n")
    with pytest.raises(RuleSetInvalid, match=r"line 10: float literal '0.70'"):
        parse_rule_set(path)


def test_duplicate_key_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "rules:\n  x:\n    source: s\n    values:\n      2024-01-01: '1'\n      2024-01-01: '2'\n")
    with pytest.raises(RuleSetInvalid, match="duplicate key '2024-01-01'"):
        parse_rule_set(path)


def test_value_without_source_or_proposal_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "rules:\n  x:\n    values:\n      2024-01-01: '1'\n")
    with pytest.raises(RuleSetInvalid, match="neither a source nor a proposal"):
        parse_rule_set(path)


def test_bare_undated_value_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "rules:\n  x: '1'\n")
    with pytest.raises(RuleSetInvalid, match="every policy value must be dated"):
        parse_rule_set(path)


def test_dated_values_resolve_to_the_latest_on_or_before(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "rules:\n  x:\n    source: s\n    values:\n      2024-01-01: '1'\n"
                                     "      2024-07-01: {value: '2', proposal: later}\n")
    rs = parse_rule_set(path)
    assert rs.params(date(2024, 6, 30))[0] == {"x": "1"}
    values, prov = rs.params(date(2024, 7, 1))
    assert values == {"x": "2"} and prov["x"].proposal == "later" and prov["x"].source is None
    with pytest.raises(NoValueOnDate, match="x has no value on or before 2023-12-31"):
        rs.params(date(2023, 12, 31))


def test_overlapping_versions_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, HEADER + "rules: {}\n")
    _write(tmp_path, HEADER.replace("2024-01-01", "2024-06-01").replace("'1'", "'2'") + "rules: {}\n", "2024-06-01.yaml")
    with pytest.raises(RuleSetInvalid, match="overlaps"):
        scheme_versions("demo", tmp_path)


def test_rule_sets_are_parsed_once_and_again_when_a_file_changes(tmp_path: Path) -> None:
    """scheme_versions caches per process (issue 12: no re-parsing per request), keyed by the folder's
    files: the same objects while nothing changed, a fresh parse after an edit."""
    path = _write(tmp_path, HEADER + "rules:\n  x:\n    source: s\n    values:\n      2024-01-01: '1'\n")
    first = scheme_versions("demo", tmp_path)
    assert scheme_versions("demo", tmp_path)[0] is first[0]
    path.write_text(HEADER + "rules:\n  x:\n    source: s\n    values:\n      2024-01-01: '22'\n", encoding="utf-8")
    edited = scheme_versions("demo", tmp_path)
    assert edited[0] is not first[0] and edited[0].params(date(2024, 2, 1))[0] == {"x": "22"}


def test_version_selection_by_id_and_by_date() -> None:
    assert load_rule_set("gd-carbon-label", date(2025, 2, 28)).version == "2022.1"
    assert load_rule_set("gd-carbon-label", date(2025, 3, 1)).version == "2025.1"
    assert load_rule_set("gd-carbon-label", version="2022.1").effective_until == date(2025, 2, 28)
    with pytest.raises(UnknownVersion, match="no version '1999.1'"):
        load_rule_set("gd-carbon-label", version="1999.1")
    with pytest.raises(NoVersionInForce, match="not on 2026-01-01"):
        load_rule_set("gd-carbon-label", date(2026, 1, 1), version="2022.1")
    with pytest.raises(UnknownScheme, match="unknown scheme 'gd'"):
        load_rule_set("gd", date(2026, 1, 1))


def test_every_shipped_rule_set_validates_on_each_of_its_value_dates() -> None:
    """Each version resolves into its typed model on its first day and on every date a value changes."""
    checked = 0
    for scheme in scheme_ids():
        for rs in scheme_versions(scheme):
            dates = {rs.effective_from} | {e.since for entries in rs._leaves.values() for e in entries
                                           if e.since >= rs.effective_from}
            for day in sorted(dates):
                if rs.kind == "graded":
                    graded_rules(rs, day)
                elif rs.kind == "display_only":
                    DisplayOnlyRules.model_validate(rs.params(day)[0])
                else:
                    RecognitionOnlyRules.model_validate(rs.params(day)[0])
                checked += 1
    assert checked >= 13


def test_issue_schemes_are_all_present() -> None:
    assert set(scheme_ids()) == {"gd-carbon-label", "gba-carbon-footprint", "cn-national-pcf", "hk-label", "carbon-trust",
                                 "kr-keiti", "jp-sumpo", "epd-international", "ceea", "self-declared", "mo-display"}


def test_every_graded_scheme_has_a_recognition_cell_for_every_other_source() -> None:
    on = date(2026, 6, 1)
    sources = set(scheme_ids()) - {"mo-display"}
    for target in ("gd-carbon-label", "gba-carbon-footprint", "cn-national-pcf", "hk-label"):
        rules, _ = graded_rules(load_rule_set(target, on), on)
        assert set(rules.recognition.cells) == sources - {target}, target
    display = DisplayOnlyRules.model_validate(load_rule_set("mo-display", on).params(on)[0])
    assert set(display.recognition.cells) == sources
