"""Honest totals: cut-off credits in their own fields, the GWP basis of every share, carbon pools
that say "not assessed" (null) rather than 0, and the DQR mean of all-5 leaves."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from footprint.engine import compute
from lcidb.build import build_snapshot
from lcidb.snapshot import Snapshot, load_snapshot
from tests.footprint.helpers import factor_line, product_bom
from tests.footprint.test_engine import LINES, TOTAL, S, P, close

# --- credits on the hand-computed fixture (tests/footprint/test_engine.py has the derivation) ----
# offcut: 0.1 kg scrap, scrap R = -0.5 S (recycling_credit) + 0.1 P -> cut-off keeps 0.1 x 0.1 P
# reuse:  -0.05 kg steel, a BOM credit line -> outside the cut-off total, reported
CUTOFF_TOTAL = TOTAL - 0.1 * (-0.5 * S) - (-0.05 * S)  # = TOTAL + 0.1 S


def test_cut_off_is_the_default_and_credits_have_their_own_fields(mini_snapshot: Snapshot, mini_bom) -> None:
    result = compute(mini_bom, mini_snapshot)
    assert close(result.total_kgco2e, CUTOFF_TOTAL)
    c = result.credits
    assert c.approach == "cut-off" and not c.in_total and "cut-off" in c.rule
    assert close(c.recycling_credit_kgco2e, 0.1 * -0.5 * S)
    assert c.avoided_burden_kgco2e == 0.0
    assert close(c.bom_credit_lines_kgco2e, -0.05 * S)
    assert close(c.total_kgco2e, -0.1 * S)
    assert close(c.total_with_credits_kgco2e, TOTAL)
    flat = {x.line_id: x for top in result.lines for x in [top, *top.children]}
    assert close(flat["offcut"].kgco2e, 0.1 * 0.1 * P) and close(flat["offcut"].credit_kgco2e, 0.1 * -0.5 * S)
    assert flat["reuse"].kgco2e == 0.0 and close(flat["reuse"].credit_kgco2e, -0.05 * S)
    assert close(sum(result.by_gas.values()), CUTOFF_TOTAL)
    used = {f.id: f.kgco2e for f in result.factors}  # steel is still listed: the tube uses it too
    assert close(used["steel"], LINES["tube"]) and close(used["scrap"], 0.1 * 0.1 * P)
    assert close(sum(result.by_stage.values()), CUTOFF_TOTAL)


def test_a_product_rule_that_nets_credits_says_so(mini_snapshot: Snapshot, mini_bom) -> None:
    result = compute(mini_bom, mini_snapshot, net_credits_rule="PCR-TEST 7.2")
    assert close(result.total_kgco2e, TOTAL)
    assert result.credits.approach == "netted" and result.credits.in_total
    assert result.credits.rule == "PCR-TEST 7.2"
    assert close(result.credits.total_kgco2e, -0.1 * S)
    flat = {x.line_id: x for top in result.lines for x in [top, *top.children]}
    assert close(flat["offcut"].kgco2e, LINES["offcut"]) and close(flat["reuse"].kgco2e, LINES["reuse"])
    cutoff = compute(mini_bom, mini_snapshot)
    assert result.provenance.input_hash != cutoff.provenance.input_hash


def test_cut_off_monte_carlo_is_centred_on_the_cut_off_total(mini_snapshot: Snapshot, mini_bom) -> None:
    u = compute(mini_bom, mini_snapshot, monte_carlo=400, seed=1).uncertainty
    assert u.p2_5 < CUTOFF_TOTAL < u.p97_5
    assert abs(u.median - CUTOFF_TOTAL) < abs(u.median - TOTAL)


# --- GWP bases and carbon pools on a small template written here ---------------------------------
ACTIVITIES = """activity_id,name,unit,geography,year,category,source,licence,status,biogenic_carbon_content,luc_assessed
split,split gases,kg,CN,2024,material,test,test,verified,0,true
ar5,aggregated under AR5,kg,CN,2024,material,test,test,verified,,
unstated,aggregated basis unstated,kWh,CN,2024,electricity,test,test,verified,,
paper,paper,kg,CN,2024,material,test,test,verified,0.4,true
"""
EXCHANGES = """activity_id,input,amount,unit,kind,uncertainty_sigma,gwp_basis,credit_type
split,co2_fossil,1.0,kg,biosphere,,,
split,ch4_fossil,0.01,kg,biosphere,,,
ar5,co2e_unsplit,2.0,kg,biosphere,,AR5,
unstated,co2e_unsplit,0.5,kg,biosphere,,unstated (test authority),
paper,co2_fossil,0.3,kg,biosphere,,,
"""


@pytest.fixture(scope="module")
def bases_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    root = tmp_path_factory.mktemp("bases")
    (root / "t").mkdir()
    (root / "t" / "activities.csv").write_text(ACTIVITIES, encoding="utf-8")
    (root / "t" / "exchanges.csv").write_text(EXCHANGES, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CARBONLABEL_HOME", str(root / "home"))
        build_snapshot([root / "t"], name="bases")
        return load_snapshot("bases")


def _bom(lines: list[tuple[str, float, str, str]]):
    return product_bom([factor_line(f"{f}-{stage}", f, q, unit, stage) for f, q, unit, stage in lines], "bases")


def test_every_share_states_its_gwp_basis(bases_snapshot: Snapshot) -> None:
    """1 kg split (1 CO2 + 0.01 CH4: 1.298 AR6, 1.28 AR5), 1 kg ar5 (2.0 AR5), 1 kWh unstated (0.5).
    AR6 total 3.798: AR6 1.298 (34.2 %), AR5 2.0 (52.7 %), unstated 0.5 (13.2 %)."""
    bom = _bom([("split", 1, "kg", "raw_materials"), ("ar5", 1, "kg", "raw_materials"),
                ("unstated", 1, "kWh", "manufacturing")])
    result = compute(bom, bases_snapshot)
    assert close(result.total_kgco2e, 3.798)
    assert result.by_gwp_basis.keys() == {"AR6", "AR5", "unstated (test authority)"}
    assert close(result.by_gwp_basis["AR6"], 1.298) and close(result.by_gwp_basis["AR5"], 2.0)
    assert close(result.by_gwp_basis["unstated (test authority)"], 0.5)
    assert close(result.method_share, 1.298 / 3.798)
    assert result.headline == ("3.798 kg CO2e per 1 piece: GWP100 AR6 for 34.2%; as published by the sources: "
                               "AR5 52.7%, unstated 13.2%")
    line = next(x for x in result.lines if x.line_id == "ar5-raw_materials")
    assert line.by_gwp_basis == {"AR5": 2.0}
    ar5 = compute(bom, bases_snapshot, method="AR5")
    assert close(ar5.by_gwp_basis["AR5"], 1.28 + 2.0) and close(ar5.method_share, 3.28 / 3.78)


def test_carbon_pools_assessed_give_numbers_even_zero(bases_snapshot: Snapshot) -> None:
    """2 kg paper at 0.4 kg C/kg + 1 kg split at 0 kg C/kg = 0.8 kg C; both assessed dLUC: 0, not null."""
    result = compute(_bom([("paper", 2, "kg", "packaging"), ("split", 1, "kg", "raw_materials")]), bases_snapshot)
    assert result.carbon_pools.biogenic_carbon_content_kg == pytest.approx(0.8, rel=1e-12)
    assert result.land_use_change_kgco2e == 0.0
    assert result.carbon_pools.land_use_change_not_assessed == []


def test_carbon_pools_not_assessed_are_null_and_named(bases_snapshot: Snapshot) -> None:
    result = compute(_bom([("paper", 2, "kg", "packaging"), ("ar5", 1, "kg", "raw_materials"),
                           ("unstated", 1, "kWh", "manufacturing")]), bases_snapshot)
    pools = result.carbon_pools
    assert pools.biogenic_carbon_content_kg is None
    assert pools.biogenic_carbon_content_not_assessed == ["ar5-raw_materials"]  # electricity is not material
    assert result.land_use_change_kgco2e is None
    assert pools.land_use_change_not_assessed == ["ar5", "unstated"]
    data = json.loads(result.model_dump_json())
    assert data["land_use_change_kgco2e"] is None and data["carbon_pools"]["biogenic_carbon_content_kg"] is None


def test_dqr_mean_of_all_worst_ratings_does_not_crash(mini_snapshot: Snapshot) -> None:
    """Three lines of 0.3 kg steel, each rated 5/5/5: sum(|kg| x 5) / sum(|kg|) is 5.000000000000001
    in floating point (checked below), which failed the result's le=5; the mean is exactly 5."""
    y = compute(_steel_bom([1.0]), mini_snapshot).total_kgco2e
    weights = [0.3 * y] * 3
    assert sum(w * 5.0 for w in weights) / sum(weights) > 5.0  # the case that crashed
    result = compute(_steel_bom([0.3, 0.3, 0.3]), mini_snapshot)
    assert result.dqr.technological == result.dqr.temporal == result.dqr.geographical == 5.0


def _steel_bom(quantities: list[float]):
    worst = {"technological": 5, "temporal": 5, "geographical": 5}
    return product_bom([factor_line(f"s{i}", "steel", q, dqr=worst) for i, q in enumerate(quantities)], "dqr")


def test_a_bom_line_in_t_middle_dot_km_links(mini_snapshot: Snapshot) -> None:
    """2 t·km on the truck: 2 x (0.1 + 0.0001 x 273) = 0.2546 kg CO2e."""
    bom = product_bom([factor_line("haul", "truck", 2, "t·km", "transport")], "haul")
    assert math.isclose(compute(bom, mini_snapshot).total_kgco2e, 0.2546, rel_tol=1e-12)


def test_the_published_schema_knows_the_new_fields() -> None:
    schema = json.loads((Path(__file__).resolve().parents[2] / "docs" / "schemas" / "footprint-result.schema.json")
                        .read_text())
    for name in ("headline", "method_share", "by_gwp_basis", "carbon_pools", "credits"):
        assert name in schema["properties"]


def test_factor_show_gives_the_cut_off_score_the_credit_and_every_sigma(mini_snapshot: Snapshot) -> None:
    """scrap = -0.5 kg steel (recycling_credit) + 0.1 kWh grid: cut-off 0.1 P, credit -0.5 S."""
    from lcidb.search import show

    record = show(mini_snapshot, "scrap")
    ar6 = record["cradle_to_gate"]["AR6"]
    assert close(ar6["total_kgco2e"], 0.1 * P)
    assert close(ar6["credits_kgco2e"]["recycling_credit"], -0.5 * S)
    own = {e["input"]: e for e in record["exchanges"]}
    assert own["steel"]["amount"] == -0.5 and own["steel"]["credit_type"] == "recycling_credit"
    assert own["steel"]["sigma_source"] == "pedigree" and own["steel"]["uncertainty_sigma"] > 0


def test_a_format_1_snapshot_still_computes_and_says_what_it_did_not_record(mini_snapshot: Snapshot, mini_bom,
                                                                           tmp_path: Path) -> None:
    """Format 1 kept neither credit types nor GWP bases: credits are found by sign (the template
    refuses a negative amount without credit_type) and aggregated rows get an explicit 'not recorded'
    basis; the totals are the same."""
    import shutil

    import numpy as np

    from lcidb.snapshot import UNCLASSIFIED_CREDIT, UNRECORDED_BASIS

    old = tmp_path / "format1"
    shutil.copytree(mini_snapshot.path, old)
    (old / "derived.npz").unlink()
    with np.load(old / "arrays.npz") as arrays:
        kept = {k: arrays[k] for k in arrays.files if k.split("_", 1)[1] in ("rows", "cols", "amounts", "sigmas")}
    np.savez(old / "arrays.npz", **kept)
    manifest = json.loads((old / "manifest.json").read_text())
    for key in ("gwp_bases", "credit_types", "uncertainty"):
        manifest.pop(key)
    manifest["format"] = 1
    (old / "manifest.json").write_text(json.dumps(manifest))
    result = compute(mini_bom, Snapshot(old))
    assert close(result.total_kgco2e, CUTOFF_TOTAL)
    assert close(result.credits.total_kgco2e, -0.1 * S) and result.credits.recycling_credit_kgco2e == 0.0
    assert UNCLASSIFIED_CREDIT in Snapshot(old).credit_types
    assert set(result.by_gwp_basis) == {"AR6", UNRECORDED_BASIS, "supplier-declared (GWP set not stated)"}


def test_a_factor_used_only_by_a_credit_line_stays_in_the_provenance(bases_snapshot: Snapshot) -> None:
    """1 kg split (1.298) and a credit line of -0.5 kg paper (0.3 kg CO2 / kg): cut-off total 1.298,
    the credit -0.15 reported; paper is listed among the factors with 0 kg in the total."""
    bom = product_bom([factor_line("split", "split", 1), factor_line("paper", "paper", -0.5, credit=True)])
    result = compute(bom, bases_snapshot)
    assert close(result.total_kgco2e, 1.298) and close(result.credits.bom_credit_lines_kgco2e, -0.15)
    assert {f.id: f.kgco2e for f in result.factors}["paper"] == 0.0
