"""Dated parameters: every value has a unit and a source; assumptions raise their flag."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tariffs.errors import ParameterFileError, ParameterMissing
from tariffs.models import FLAGS
from tariffs.params import load_parameter_file, params, shipped_parameters


@pytest.mark.parametrize("regime", ["EU", "UK"])
def test_every_parameter_has_unit_source_and_known_flag(regime: str) -> None:
    parameter_set = shipped_parameters(regime)
    for parameter in parameter_set.parameters.values():
        assert parameter.unit and parameter.source, parameter.name
        assert parameter.assumption_flag is None or parameter.assumption_flag in FLAGS
        for dated in parameter.values:
            if dated.status == "assumption":
                assert parameter.assumption_flag, f"{parameter.name}: assumption without a flag"
                assert dated.note, f"{parameter.name} {dated.start}: assumption without a note"


def test_values_are_decimal_and_dated() -> None:
    # Directive 2003/87/EC Art. 10a(1a): 97.5 % in 2026 ... 14 % in 2033, none from 2034
    expected = {2026: "0.975", 2027: "0.95", 2028: "0.90", 2029: "0.775", 2030: "0.515",
                2031: "0.39", 2032: "0.265", 2033: "0.14", 2034: "0", 2040: "0"}
    for year, value in expected.items():
        factor = params(at=date(year, 6, 30))["cbam_factor"]
        assert isinstance(factor, Decimal) and factor == Decimal(value), year
    assert params(at=date(2026, 3, 31))["certificate_price_eur"] == Decimal("75.36")
    assert params(at=date(2026, 4, 1))["certificate_price_eur"] == Decimal("75.28")
    assert params(at=date(2027, 5, 1))["markup"]["iron_steel"] == Decimal("0.20")
    assert params(at=date(2033, 1, 1))["markup"]["fertilisers"] == Decimal("0.01")


def test_assumptions_raise_flags_and_published_values_do_not() -> None:
    q1 = params(at=date(2026, 2, 1))
    q1["certificate_price_eur"], q1["cscf"], q1["benchmark_period"]
    assert q1.flags == set()
    q3 = params(at=date(2026, 8, 1))
    q3["certificate_price_eur"]
    assert q3.flags == {"PRICE_SCENARIO"} and "Q3 2026" in q3.notes[0]
    later = params(at=date(2031, 1, 1))
    later["cscf"], later["benchmark_period"]
    assert later.flags == {"CSCF_ASSUMED", "BENCHMARK_PROVISIONAL"}


def test_missing_dates_are_errors() -> None:
    with pytest.raises(ParameterMissing, match="'in_force' has no value at 2025-12-31"):
        params(at=date(2025, 12, 31))["in_force"]
    with pytest.raises(ParameterMissing, match="values end 2034-12-31"):
        params(at=date(2035, 1, 1), regime="UK")["sector_rate_gbp_per_tco2e"]


def test_malformed_parameter_file(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("regime: EU\nparameters:\n  x:\n    unit: t\n    values: {2026-01-01: 1}\n", encoding="utf-8")
    with pytest.raises(ParameterFileError, match="parameter 'x' lacks 'source'"):
        load_parameter_file(path)
