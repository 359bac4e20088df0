"""DERIVED through the CLI with the real footprint engine on the shipped default snapshot."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.slow
def test_cli_derived_line_from_the_fastener_bom(home: Path) -> None:
    from footprint import compute
    from footprint.bom_io import read_bom
    from lcidb.build import build_snapshot
    from lcidb.snapshot import load_snapshot

    build_snapshot([], name=None)
    bom = read_bom(EXAMPLES / "steel_fastener.bom.json")
    footprint = compute(bom, load_snapshot("default"))
    wire_rod = next(line for line in bom.lines if line.line_id == "wire_rod")
    assert wire_rod.cbam_role == "precursor:7213" and wire_rod.unit == "kg"
    furnace = next(c for top in footprint.lines for c in top.children if c.line_id == "furnace_gas").kgco2e

    result = CliRunner().invoke(app, ["cbam", str(EXAMPLES / "cbam" / "lines_derived.csv"), "--json"])
    assert result.exit_code == 0, result.output
    derived, default = json.loads(result.stdout)["lines"]
    # SEE = wire rod 1.06 kg x China 7213 default 3.169 + furnace gas (direct fuel), per 1 kg of bolts
    rod_kg = Decimal(repr(wire_rod.quantity))  # per 1 kg of bolts (the declared unit)
    expected = (rod_kg * Decimal("3.169") + Decimal(repr(furnace))).quantize(Decimal("0.000001"))
    assert Decimal(str(derived["see"])) == expected
    assert "DERIVED_FROM_PCF" in derived["flags"] and derived["data_basis"] == "DERIVED"
    assert derived["derivation"]["bom_ref"] == "../steel_fastener.bom.json"
    assert derived["saving_eur"] == pytest.approx(default["cost_eur"] - derived["cost_eur"], abs=0.005)
