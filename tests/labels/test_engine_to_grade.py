"""End to end: `carbonlabel footprint --json` output is exactly what `carbonlabel grade` reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _evidence_for(fp: dict) -> dict:
    """A complete evidence dossier for the footprint's own product (accredited verifier, no offsets)."""
    return {
        "product_id": fp["product_id"], "declared_unit": fp["declared_unit"],
        "product_rule": {"id": fp["product_rule"], "kind": "pcr"}, "label_use": "b2b",
        "reference_period": fp["reference_period"],
        "verifier": {"name": "V", "accreditation_body": "CNAS", "accreditation_standard": "ISO 14065",
                     "accreditation_valid_until": "2030-01-01", "cnca_approved": False, "on_site_inspection": True,
                     "statement_id": "S"},
        "offsets": {"netted_in_footprint": False},
        "applicant": {"legal_entity_name": "A", "registration_id": "R", "data_procedure_since": "2024-01-01",
                      "reduction_plan": {"reference": "P", "adopted_on": "2024-01-01"}},
    }


@pytest.mark.slow
def test_engine_result_grades_and_every_gate_value_matches_the_result(home: Path, tmp_path: Path) -> None:
    built = runner.invoke(app, ["db", "build"])
    assert built.exit_code == 0, built.output
    result = runner.invoke(app, ["footprint", str(REPO / "examples" / "electric_kettle.bom.json"), "--json"])
    assert result.exit_code == 0, result.output
    fp = json.loads(result.output[result.output.index("{"):])
    (tmp_path / "fp.json").write_text(json.dumps(fp), encoding="utf-8")
    evidence = _evidence_for(fp)
    (tmp_path / "ev.json").write_text(json.dumps(evidence), encoding="utf-8")
    graded = runner.invoke(app, ["grade", str(tmp_path / "fp.json"), "--scheme", "gd-carbon-label", "--evidence",
                                 str(tmp_path / "ev.json"), "--on", "2026-06-01", "--json"])
    assert graded.exit_code == 0, graded.output
    d = json.loads(graded.output)
    rules = {r["rule_id"]: r for r in d["rules"]}
    assert d["snapshot_hash"] == fp["provenance"]["snapshot_hash"]
    # independent checks of a few gate rules straight from the engine's JSON
    # the shipped rule sets set no factor age limit (currency = latest edition of the dataset)
    assert rules["G8.factor_age"]["status"] == "not_applicable"
    assert (rules["G4.cutoff_total"]["status"] == "passed") == (fp["exclusions_total_share"] <= 0.05)
    assert (rules["G13.unverified_share"]["status"] == "passed") == (fp["unverified_share"] <= 0.05)
    assert rules["G8.grid_factor"]["status"] == ("passed" if fp["electricity"]["grid_activity_id"] == "elec_cn_gd_grid" else "failed")
    gate_failed = [r for r, o in rules.items() if r.startswith("G") and o["status"] == "failed"]
    assert (d["tier"] is None) == bool(gate_failed)


@pytest.mark.parametrize(("factor_id", "status"), [("elec_cn_grid_footprint", "passed"),
                                                   ("elec_cn_grid_footprint_2023", "failed")])
def test_an_older_edition_of_a_dataset_fails_the_latest_edition_rule(
    home: Path, tmp_path: Path, factor_id: str, status: str
) -> None:
    """Both factors belong to the dataset 'MEE/NBS/NEA electricity carbon footprint factors: China
    national average' (data/lcidb/default, column `dataset`); 2024 is the latest edition shipped."""
    assert runner.invoke(app, ["db", "build"]).exit_code == 0
    bom = json.loads((REPO / "examples" / "electric_kettle.bom.json").read_text())
    for line in bom["lines"]:
        if line.get("factor_id") == "elec_cn_gd_grid":
            line["factor_id"] = factor_id
    (tmp_path / "bom.json").write_text(json.dumps(bom), encoding="utf-8")
    result = runner.invoke(app, ["footprint", str(tmp_path / "bom.json"), "--json"])
    assert result.exit_code == 0, result.output
    fp = json.loads(result.stdout)
    used = {f["id"]: f for f in fp["factors"]}
    assert used[factor_id]["dataset"] == "MEE/NBS/NEA electricity carbon footprint factors: China national average"
    (tmp_path / "fp.json").write_text(result.stdout, encoding="utf-8")
    evidence = _evidence_for(fp)
    (tmp_path / "ev.json").write_text(json.dumps(evidence), encoding="utf-8")
    graded = runner.invoke(app, ["grade", str(tmp_path / "fp.json"), "--scheme", "gd-carbon-label", "--evidence",
                                 str(tmp_path / "ev.json"), "--on", "2026-06-01", "--json"])
    rules = {r["rule_id"]: r for r in json.loads(graded.stdout)["rules"]}
    assert rules["G8.factor_latest_edition"]["status"] == status
    if status == "failed":
        assert "elec_cn_grid_footprint_2023" in rules["G8.factor_latest_edition"]["value"]
