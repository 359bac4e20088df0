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


# --- Hong Kong and Macao sites through the real engine (issue 10 item 4) ----------------------------------------

def _tumbler_bom(site_region: str, grid_factor: str, resin: dict) -> dict:
    """A 500 ml PP tumbler moulded at a site in `site_region`: 0.5 kg resin and 2 kWh of metered grid electricity."""
    return {
        "schema_version": "1",
        "product": {"id": f"tumbler-{site_region.lower()}", "name": "PP tumbler 500 ml", "category": "houseware",
                    "product_rule": "TEST-PCR-HOUSEWARE", "declared_unit": {"unit": "piece", "amount": 1},
                    "mass_kg": 0.5, "boundary": "cradle-to-gate",
                    "reference_period": {"start": "2025-01-01", "end": "2025-12-31"}, "site_region": site_region},
        "lines": [
            {"line_id": "resin", "name": "PP resin", "quantity": 0.5, "unit": "kg", "stage": "raw_materials", **resin},
            {"line_id": "power", "name": "Moulding electricity (metered)", "quantity": 2, "unit": "kWh",
             "stage": "manufacturing", "data_type": "primary", "factor_id": grid_factor},
        ],
    }


DESNZ_PP = {"data_type": "secondary", "factor_id": "mat_pp"}
SUPPLIER_PP = {"data_type": "primary", "supplier_pcf": {"kgco2e_per_unit": 2.0, "verified": True},
               "dqr": {"technological": 2, "temporal": 2, "geographical": 2}}


def _footprint(tmp_path: Path, bom: dict, name: str) -> dict:
    (tmp_path / f"{name}.bom.json").write_text(json.dumps(bom), encoding="utf-8")
    result = runner.invoke(app, ["footprint", str(tmp_path / f"{name}.bom.json"), "--json"])
    assert result.exit_code == 0, result.output
    (tmp_path / f"{name}.fp.json").write_text(result.stdout, encoding="utf-8")
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _grade(tmp_path: Path, name: str, fp: dict, scheme: str, **evidence: object) -> dict:
    ev = _evidence_for(fp) | evidence
    (tmp_path / f"{name}.ev.json").write_text(json.dumps(ev), encoding="utf-8")
    graded = runner.invoke(app, ["grade", str(tmp_path / f"{name}.fp.json"), "--scheme", scheme, "--evidence",
                                 str(tmp_path / f"{name}.ev.json"), "--on", "2026-06-01", "--json"])
    assert graded.exit_code == 0, graded.output
    return json.loads(graded.stdout)  # type: ignore[no-any-return]


def _failed(decision: dict) -> set[str]:
    return {r["rule_id"] for r in decision["rules"] if r["status"] == "failed"}


def test_hong_kong_sites_on_the_default_database_grade_by_supply_area(home: Path, tmp_path: Path) -> None:
    """A Hong Kong site on CLP's grid and one on HK Electric's, computed on the shipped database.

    Factors (data/lcidb/default): mat_pp 3.090817901 kg CO2e/kg (DESNZ 2023; DQR 2, 2, 4);
    elec_hk_clp_grid 0.49 kg/kWh (CLP 2019; DQR 3, 3, 1); elec_hk_hke_grid 0.81 kg/kWh (HK Electric 2019; DQR 2, 3, 1).
      CLP: resin 0.5 x 3.090817901 = 1.5454089505; power 2 x 0.49 = 0.98; total 2.5254089505 kg
           PDS (primary = the metered power) 0.98 / 2.5254089505 = 0.388 >= 0.20 (G6)
           G7 worst indicator geographical: (1.5454089505 x 4 + 0.98 x 1) / 2.5254089505 = 2.836 <= 3.0
      HKE: power 2 x 0.81 = 1.62; total 3.1654089505 kg; PDS 1.62 / 3.1654089505 = 0.512
           G7 geographical (1.5454089505 x 4 + 1.62 x 1) / 3.1654089505 = 2.465 <= 3.0
    G8.grid_factor (rules: HK -> {CLP: elec_hk_clp_grid, HKE: elec_hk_hke_grid} by the evidence's
    electricity_supply_area): each site passes with its own supplier, fails with the other one's or with none.
    The product rule is a Hong Kong PCR (`hk_pcr`, accepted in G1), the verifier HKAS-accredited.
    Every other gate rule passes, so: T1 under hk-label (and under the GBA label, whose region includes Hong Kong);
    no T2 (no previous certificate) and no T3 (no benchmark)."""
    assert runner.invoke(app, ["db", "build"]).exit_code == 0
    hk = {"product_rule": {"id": "TEST-PCR-HOUSEWARE", "kind": "hk_pcr"},
          "verifier": {"name": "HK Verification Ltd", "accreditation_body": "HKAS", "accreditation_standard": "ISO 14065",
                       "accreditation_valid_until": "2030-01-01", "cnca_approved": False, "on_site_inspection": True,
                       "statement_id": "S-HK"}}
    clp = _footprint(tmp_path, _tumbler_bom("HK", "elec_hk_clp_grid", DESNZ_PP), "clp")
    hke = _footprint(tmp_path, _tumbler_bom("HK", "elec_hk_hke_grid", DESNZ_PP), "hke")
    assert clp["total_kgco2e"] == pytest.approx(0.5 * 3.090817901 + 2 * 0.49, rel=1e-12)
    assert hke["total_kgco2e"] == pytest.approx(0.5 * 3.090817901 + 2 * 0.81, rel=1e-12)
    assert clp["primary_data_share"] == pytest.approx(0.98 / 2.5254089505, rel=1e-12)
    assert (clp["electricity"]["site_region"], clp["electricity"]["grid_activity_id"]) == ("HK", "elec_hk_clp_grid")
    assert hke["electricity"]["grid_activity_id"] == "elec_hk_hke_grid"

    for name, fp, area in (("clp", clp, "CLP"), ("hke", hke, "HKE")):
        for scheme in ("hk-label", "gba-carbon-footprint"):
            d = _grade(tmp_path, name, fp, scheme, electricity_supply_area=area, **hk)
            assert (d["tier"], d["grade"], _failed(d)) == ("T1", None, set()), (name, scheme, _failed(d))
            rules = {r["rule_id"]: r for r in d["rules"]}
            assert rules["G8.grid_factor"]["threshold"] == fp["electricity"]["grid_activity_id"]
            assert f"supply area {area}" in rules["G8.grid_factor"]["detail"]
            assert rules["G1.product_rule_kind"]["status"] == "passed"
    hk_label = _grade(tmp_path, "clp", clp, "hk-label", electricity_supply_area="CLP", **hk)
    assert hk_label["rule_set_status"] == "proposal"  # metadata only ...
    assert "proposal" not in json.dumps(hk_label["label"], ensure_ascii=False)  # ... never printed on the label
    # the other supplier's area, or none: the grid factor is not the site's default
    wrong = _grade(tmp_path, "clp", clp, "hk-label", electricity_supply_area="HKE", **hk)
    assert (wrong["tier"], _failed(wrong)) == (None, {"G8.grid_factor", "T1.footprint_certified"})
    assert "'elec_hk_clp_grid' is not the default 'elec_hk_hke_grid'" in {r["rule_id"]: r for r in wrong["rules"]}[
        "G8.grid_factor"]["detail"]
    unnamed = _grade(tmp_path, "hke", hke, "hk-label", **hk)
    assert (unnamed["tier"], _failed(unnamed)) == (None, {"G8.grid_factor", "T1.footprint_certified"})
    assert "electricity_supply_area" in {r["rule_id"]: r for r in unnamed["rules"]}["G8.grid_factor"]["detail"]


def test_a_macao_site_on_the_default_database_is_graded_by_gba_and_displayed_in_macao(home: Path, tmp_path: Path) -> None:
    """A Macao site on the Macao grid (elec_mo_grid), computed on the shipped database.

    elec_mo_grid is derived (CEM 2024 supply shares over the Guangdong busbar mix, gas and incineration; DQR 3, 3, 3);
    its cradle-to-gate value y_mo is read from the snapshot with `factors show`, independently of the BOM.
      With the DESNZ resin: total 1.5454089505 + 2 y_mo; G7 geographical
        (1.5454089505 x 4 + 2 y_mo x 3) / total = 3.61 for y_mo = 0.4930 > 3.0: the gate fails on G7 alone
        (a UK resin factor and a derived grid mix are not representative enough of a Macao product).
      With the resin supplier's verified PCF (2.0 kg CO2e/kg, primary, DQR 2, 2, 2): total 1.0 + 2 y_mo;
        PDS 1 (every line primary); G7 geographical (1.0 x 2 + 2 y_mo x 3) / (1.0 + 2 y_mo) = 2.50 <= 3.0:
        T1 under the GBA label (its region includes Macao; G8 default for MO is elec_mo_grid).
    Macao has no graded scheme (mo-display is display only): the GBA certificate is displayed there
    (labels.md P5: GBA -> Macao A) on 2026-07-01 without new verification, valid until
    min(source 2028-05-31, 2026-07-01 + 24 months - 1 day = 2028-06-30) = 2028-05-31."""
    assert runner.invoke(app, ["db", "build"]).exit_code == 0
    shown = runner.invoke(app, ["factors", "show", "elec_mo_grid"])
    assert shown.exit_code == 0, shown.output
    y_mo = float(shown.output.split("cradle-to-gate AR6:")[1].split()[0])
    assert y_mo == pytest.approx(0.4930, abs=5e-5)

    desnz = _footprint(tmp_path, _tumbler_bom("MO", "elec_mo_grid", DESNZ_PP), "mo1")
    assert desnz["total_kgco2e"] == pytest.approx(1.5454089505 + 2 * y_mo, rel=1e-5)
    refused = _grade(tmp_path, "mo1", desnz, "gba-carbon-footprint", product_rule={"id": "TEST-PCR-HOUSEWARE", "kind": "gba_group"})
    assert (refused["tier"], _failed(refused)) == (None, {"G7.dqr_mean", "T1.footprint_certified"})
    assert "geographical 3.61" in {r["rule_id"]: r for r in refused["rules"]}["G7.dqr_mean"]["detail"]

    fp = _footprint(tmp_path, _tumbler_bom("MO", "elec_mo_grid", SUPPLIER_PP), "mo2")
    assert fp["total_kgco2e"] == pytest.approx(1.0 + 2 * y_mo, rel=1e-5)
    assert fp["primary_data_share"] == pytest.approx(1.0)
    assert (fp["electricity"]["site_region"], fp["electricity"]["grid_activity_id"]) == ("MO", "elec_mo_grid")
    d = _grade(tmp_path, "mo2", fp, "gba-carbon-footprint", product_rule={"id": "TEST-PCR-HOUSEWARE", "kind": "gba_group"})
    assert (d["tier"], _failed(d)) == ("T1", set())
    assert {r["rule_id"]: r for r in d["rules"]}["G8.grid_factor"]["threshold"] == "elec_mo_grid"
    grant = d["granted"][0]
    assert (grant["valid_from"], grant["valid_until"]) == ("2026-06-01", "2028-05-31")

    evidence = json.loads((tmp_path / "mo2.ev.json").read_text(encoding="utf-8"))
    certificate = {
        "certificate_id": "GBA-MO-2026-0001", "scheme": "gba-carbon-footprint",
        "scheme_version": d["rule_set_version"]["version"], "tier": d["tier"], "grade": d["grade"],
        "issued": grant["valid_from"], "valid_until": grant["valid_until"], "product_id": fp["product_id"],
        "category": fp["category"], "product_rule": evidence["product_rule"], "declared_unit": fp["declared_unit"],
        "boundary": fp["boundary"], "standard": fp["standard"], "total_kgco2e": str(fp["total_kgco2e"]),
        "reference_period": fp["reference_period"], "electricity_method": fp["electricity"]["method"],
        "offsets_netted": False, "verifier": evidence["verifier"], "national_catalogue": False,
    }
    (tmp_path / "mo2.cert.json").write_text(json.dumps(certificate), encoding="utf-8")
    shown_in_macao = runner.invoke(app, ["recognise", str(tmp_path / "mo2.cert.json"), "--target", "mo-display",
                                         "--on", "2026-07-01", "--json"])
    assert shown_in_macao.exit_code == 0, shown_in_macao.output
    r = json.loads(shown_in_macao.stdout)
    # the engine's standard text "ISO 14067:2018 / GB/T 24067-2024" names an accepted standard (it was a gap)
    assert fp["standard"] == "ISO 14067:2018 / GB/T 24067-2024"
    assert (r["outcome"], r["gaps"], r["new_verification_required"]) == ("accepted", [], False)
    assert r["cell"]["kind"] == "accept" and r["target_tier"] is None
    assert (r["valid_from"], r["valid_until"]) == ("2026-07-01", "2028-05-31")


def test_readme_fastener_fails_only_g6_and_the_mill_pcf_variant_gets_t1(home: Path, tmp_path: Path) -> None:
    """The README tour's path (README "A tour of the command line"), on the shipped database.

    examples/steel_fastener.bom.json: the wire rod (1.06 kg at the China steel industry proxy 2.33 kg/kg = 2.4698 kg,
    78 % of 3.1516 kg) is secondary data, so the primary share is 0.199 < 0.20: G6 fails, nothing else.
    examples/labels/steel_fastener.mill-pcf.bom.json: the same line as the mill's verified PCF (2.33 kg/kg, primary),
    so the total is unchanged (1.06 x 2.33 = 2.4698 either way) and the primary share is
    (2.4698 + plant 0.6278) / 3.1516 = 0.983: T1 (no benchmark, no previous certificate)."""
    assert runner.invoke(app, ["db", "build"]).exit_code == 0
    evidence = REPO / "examples" / "labels" / "steel_fastener.evidence.json"
    outcomes = {}
    for name, bom in (("secondary", REPO / "examples" / "steel_fastener.bom.json"),
                      ("mill", REPO / "examples" / "labels" / "steel_fastener.mill-pcf.bom.json")):
        result = runner.invoke(app, ["footprint", str(bom), "--json"])
        assert result.exit_code == 0, result.output
        (tmp_path / f"{name}.json").write_text(result.stdout, encoding="utf-8")
        graded = runner.invoke(app, ["grade", str(tmp_path / f"{name}.json"), "--scheme", "gd-carbon-label",
                                     "--evidence", str(evidence), "--on", "2026-06-01", "--json"])
        assert graded.exit_code == 0, graded.output
        outcomes[name] = (json.loads(result.stdout), json.loads(graded.stdout))
    (fp_secondary, d_secondary), (fp_mill, d_mill) = outcomes["secondary"], outcomes["mill"]
    wire_rod = {line["line_id"]: line for line in fp_mill["lines"]}["wire_rod"]
    assert wire_rod["kgco2e"] == pytest.approx(1.06 * 2.33, rel=1e-12)
    assert fp_mill["total_kgco2e"] == pytest.approx(fp_secondary["total_kgco2e"], rel=1e-12)
    assert fp_secondary["primary_data_share"] == pytest.approx(0.199, abs=5e-4)
    assert (d_secondary["tier"], _failed(d_secondary)) == (None, {"G6.primary_data_share", "T1.footprint_certified"})
    assert fp_mill["primary_data_share"] == pytest.approx(0.983, abs=5e-4)
    assert (d_mill["tier"], _failed(d_mill)) == ("T1", set())
