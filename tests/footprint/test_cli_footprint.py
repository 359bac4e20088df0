"""`carbonlabel footprint` and `footprint-batch` through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from lcidb.build import build_snapshot

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def mini_home(home: Path) -> Path:
    build_snapshot([FIXTURES / "mini"], name="mini")
    return home


def test_footprint_json_is_the_same_bytes_twice(mini_home: Path) -> None:
    runner = CliRunner()
    args = ["footprint", str(FIXTURES / "mini_bom.json"), "--snapshot", "mini", "--json"]
    first, second = runner.invoke(app, args), runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert first.output == second.output
    result = json.loads(first.output)
    assert result["provenance"]["snapshot_name"] == "mini"
    assert len(result["provenance"]["snapshot_hash"]) == 64


def test_footprint_summary_and_scenario_error(mini_home: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(app, ["footprint", str(FIXTURES / "mini_bom.json"), "--snapshot", "mini"])
    assert shown.exit_code == 0 and "kg CO2e" in shown.output and "hotspots" in shown.output
    missing = runner.invoke(app, ["footprint", str(FIXTURES / "mini_bom.json"), "--snapshot", "mini", "--scenario", "x"])
    assert missing.exit_code == 2 and "no scenario 'x'" in missing.output


def test_unlinked_line_writes_a_fillable_report(mini_home: Path, tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "mini_bom.json").read_text())
    data["lines"][1]["factor_id"] = "stel"
    bom = tmp_path / "bom.json"
    bom.write_text(json.dumps(data))
    report = tmp_path / "report.csv"
    result = CliRunner().invoke(app, ["footprint", str(bom), "--snapshot", "mini", "--linking-report", str(report)])
    assert result.exit_code == 3
    assert "not complete" in result.output
    assert "stel" in report.read_text()


def test_batch_writes_one_result_per_line_and_fails_on_a_bad_line(mini_home: Path, tmp_path: Path) -> None:
    good = json.loads((FIXTURES / "mini_bom.json").read_text())
    bad = json.loads(json.dumps(good))
    bad["lines"][1]["quantity"] = -1  # negative without credit
    source = tmp_path / "boms.jsonl"
    source.write_text("\n".join(json.dumps(x) for x in (good, bad, good)) + "\n")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["footprint-batch", str(source), "--out", str(out), "--snapshot", "mini"])
    assert result.exit_code == 1
    records = [json.loads(line) for line in out.read_text().splitlines()]
    header, rows = records[0]["header"], records[1:]
    assert header["snapshot_name"] == "mini"
    assert [r["line"] for r in rows] == [1, 2, 3]
    assert "error" in rows[1] and "line 2" in rows[1]["error"] and "quantity" in rows[1]["error"]
    single = json.loads(CliRunner().invoke(
        app, ["footprint", str(FIXTURES / "mini_bom.json"), "--snapshot", "mini", "--json"]).output)
    assert rows[0]["total_kgco2e"] == pytest.approx(single["total_kgco2e"], rel=1e-12)
    assert rows[0]["by_gas"] == pytest.approx(single["by_gas"], rel=1e-12)
    assert rows[0]["lines"]["frame"] == pytest.approx(single["lines"][0]["kgco2e"], rel=1e-12)
    assert "hotspots" not in rows[0]


def test_totals_in_bulk_match_single_computations(mini_snapshot, mini_bom) -> None:
    from footprint.batch import totals
    from footprint.engine import compute

    values = totals([mini_bom, mini_bom], mini_snapshot)
    assert values.tolist() == pytest.approx([compute(mini_bom, mini_snapshot).total_kgco2e] * 2, rel=1e-12)
