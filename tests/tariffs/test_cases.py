"""Runs the YAML rule-set cases of tests/tariffs/cases/ (input lines -> expected exposure)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from tariffs import exposure_report

CASES_DIR = Path(__file__).parent / "cases"


def _load_cases() -> list[tuple[str, dict]]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            cases.append((f"{path.stem}: {case['name']}", case))
    return cases


CASES = _load_cases()


def _check(field: str, actual: object, expected: object, where: str) -> None:
    if expected is None:
        assert actual is None, f"{where}: {field} = {actual!r}, expected missing"
    elif field == "flags":
        assert sorted(actual) == sorted(expected), f"{where}: flags {actual} != {expected}"  # type: ignore[arg-type]
    elif isinstance(actual, Decimal):
        assert actual == Decimal(str(expected)), f"{where}: {field} = {actual}, expected {expected}"
    else:
        assert str(actual) == str(expected), f"{where}: {field} = {actual!r}, expected {expected!r}"


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[name for name, _ in CASES])
def test_case(case: dict) -> None:
    report = exposure_report(case["lines"], importer=case.get("importer", "IMP"))
    assert len(report.lines) == len(case["lines"])
    for index, (result, expected) in enumerate(zip(report.lines, case["expect"]), start=1):
        for field, value in expected.items():
            _check(field, getattr(result, field), value, f"line {index}")
