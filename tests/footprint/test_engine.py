"""The engine against hand calculation on a small fixture (tests/footprint/fixtures/mini).

Hand calculation, AR6 (CH4 fossil 29.8, CH4 biogenic 27.0, N2O 273):
  steel S = 2.0 + 0.001*29.8 + 0.5 P ;  grid P = 0.5 + 0.001 S   (a loop)
      => S = 2.2798 / 0.9995,  P = 0.5 + 0.001 S
  wood  W = -1.5 + 0.2 + 0.05 + 0.001*27.0 = -1.223  (uptake, biogenic CO2, LUC, biogenic CH4)
  truck T = 0.1 + 0.0001*273 = 0.1273 per t.km
  scrap R = -0.5 S + 0.1 P  (a recycling credit inside the database)
BOM per piece: tube 2*0.3 kg steel, weld 2*0.2 kWh grid, seat 500 g wood, haul 10 kg over 200 km
(2 t.km), chip 3 x 0.05 supplier kg CO2e, offcut 0.1 kg scrap, reuse -0.05 kg steel (a BOM credit).
"""

from __future__ import annotations

import json
import math

import pytest

from footprint.engine import compute
from footprint.errors import FootprintError, UnlinkedLines
from lcidb.snapshot import Snapshot

S = 2.2798 / 0.9995
P = 0.5 + 0.001 * S
W = -1.5 + 0.2 + 0.05 + 0.001 * 27.0
T = 0.1 + 0.0001 * 273
R = -0.5 * S + 0.1 * P
LINES = {
    "tube": 0.6 * S, "weld": 0.4 * P, "seat": 0.5 * W, "haul": 2 * T, "chip": 0.15,
    "offcut": 0.1 * R, "reuse": -0.05 * S,
}
TOTAL = sum(LINES.values())
REL = 1e-12
# The hand calculation above nets the credits (the database as written): the engine does so only
# when a product rule requires it; its default, cut-off, is checked in test_credits_and_pools.py
NETTED = "PCR-TEST 7.2: recycling credits netted"


def close(value: float, expected: float) -> bool:
    return math.isclose(value, expected, rel_tol=REL, abs_tol=1e-15)


def test_total_and_line_contributions_match_hand_calculation(mini_snapshot: Snapshot, mini_bom) -> None:
    result = compute(mini_bom, mini_snapshot, net_credits_rule=NETTED)
    assert close(result.total_kgco2e, TOTAL)
    flat = {c.line_id: c for top in result.lines for c in [top, *top.children]}
    for line_id, expected in LINES.items():
        assert close(flat[line_id].kgco2e, expected), line_id
    assert close(flat["frame"].kgco2e, LINES["tube"] + LINES["weld"])
    assert close(flat["tube"].share, LINES["tube"] / TOTAL)
    assert [c.line_id for c in flat["frame"].children] == ["tube", "weld"]
    assert close(flat["tube"].amount_per_declared_unit, 0.6)


def test_iso_14067_parts_and_pact_splits(mini_snapshot: Snapshot, mini_bom) -> None:
    result = compute(mini_bom, mini_snapshot, net_credits_rule=NETTED)
    uptake = 0.5 * -1.5
    assert close(result.biogenic_uptake_kgco2e, uptake)
    assert close(result.pcf_including_biogenic_uptake, TOTAL)
    assert close(result.pcf_excluding_biogenic_uptake, TOTAL - uptake)
    # biogenic: seat's CO2 and CH4 plus the supplier's declared biogenic part 3 x 0.005
    assert close(result.biogenic_kgco2e, 0.5 * (0.2 + 0.027) + 0.015)
    # wood carries dLUC (co2_luc); steel, grid, truck, scrap and the supplier did not assess it
    assert result.land_use_change_kgco2e is None
    assert close(result.carbon_pools.land_use_change_found_kgco2e, 0.5 * 0.05)
    # supply of the grid (kWh) in the whole system: s_steel = 0.50041 / 0.9995, s_grid = 0.41 + 0.5 s_steel
    s_steel = 0.50041 / 0.9995
    s_grid = 0.41 + 0.5 * s_steel
    unsplit = 0.5 * s_grid + (0.15 - 0.12 - 0.015)  # grid's aggregated factor + the supplier's unsplit rest
    assert close(result.co2e_unsplit_kgco2e, unsplit)
    assert close(result.by_gas["n2o"], 2 * 0.0001 * 273)
    assert close(result.by_gas["co2_fossil"], 2.0 * s_steel + 2 * 0.1)
    assert close(result.by_gas["supplier_pcf"], 0.15)
    assert close(sum(result.by_gas.values()), TOTAL)
    parts = (result.fossil_kgco2e + result.biogenic_kgco2e + result.biogenic_uptake_kgco2e
             + result.carbon_pools.land_use_change_found_kgco2e + result.co2e_unsplit_kgco2e)
    assert close(parts, TOTAL)


def test_stages_primary_share_unverified_share_and_dqr(mini_snapshot: Snapshot, mini_bom) -> None:
    result = compute(mini_bom, mini_snapshot, net_credits_rule=NETTED)
    assert close(result.by_stage["raw_materials"], LINES["tube"] + LINES["seat"] + LINES["chip"])
    assert close(result.by_stage["end_of_life"], LINES["offcut"] + LINES["reuse"])
    absolute = {k: abs(v) for k, v in LINES.items()}
    assert close(result.primary_data_share, (absolute["weld"] + absolute["chip"]) / sum(absolute.values()))
    # only the truck is unverified; nothing else draws on it
    assert close(result.unverified_share, LINES["haul"] / TOTAL)
    # DQR weighted by |kg|: wood has no rating and counts as 5 (worst)
    ratings = {"tube": (2, 2, 2), "weld": (1, 2, 1), "seat": (5, 5, 5), "haul": (3, 3, 3),
               "chip": (2, 1, 3), "offcut": (2, 2, 2), "reuse": (2, 2, 2)}
    weight = sum(absolute.values())
    expected = [sum(absolute[k] * ratings[k][d] for k in ratings) / weight for d in range(3)]
    assert close(result.dqr.technological, expected[0])
    assert close(result.dqr.temporal, expected[1])
    assert close(result.dqr.geographical, expected[2])
    assert close(result.exclusions_total_share, 0.004)


def test_factors_used_carry_provenance_and_their_emissions(mini_snapshot: Snapshot, mini_bom) -> None:
    result = compute(mini_bom, mini_snapshot, net_credits_rule=NETTED)
    used = {f.id: f for f in result.factors}
    assert set(used) == {"steel", "elec_cn_gd_grid", "wood", "truck", "scrap"}
    assert close(used["steel"].kgco2e, LINES["tube"] + LINES["reuse"])
    assert used["truck"].status == "unverified"
    assert used["steel"].published.isoformat() == "2024-06-01"
    assert result.provenance.snapshot_hash == mini_snapshot.hash


def test_hotspots_are_emissions_occurring_in_each_process(mini_snapshot: Snapshot, mini_bom) -> None:
    result = compute(mini_bom, mini_snapshot, net_credits_rule=NETTED)
    s_steel = 0.50041 / 0.9995
    s_grid = 0.41 + 0.5 * s_steel
    expected = {"steel": s_steel * (2.0 + 0.0298), "elec_cn_gd_grid": s_grid * 0.5, "truck": 2 * T, "wood": 0.5 * W}
    got = {h.activity_id: h.kgco2e for h in result.hotspots}
    for activity_id, value in expected.items():
        assert close(got[activity_id], value), activity_id
    assert close(sum(got.values()), TOTAL - 0.15)  # all but the supplier footprint occurs in processes
    assert result.hotspots[0].activity_id == "steel"


def test_market_based_electricity(mini_snapshot: Snapshot, mini_bom) -> None:
    result = compute(mini_bom, mini_snapshot, net_credits_rule=NETTED, electricity="market")
    # covered share 40/100; the 0.4 kWh of the weld line: 40 % at wind 0.03, 60 % at residual 0.6
    weld = 0.4 * (0.4 * 0.03 + 0.6 * 0.6)
    assert close(result.total_kgco2e, TOTAL - LINES["weld"] + weld)
    assert result.electricity.covered_share == pytest.approx(0.4, rel=REL)
    assert result.electricity.residual_activity_id == "elec_cn_gd_residual_mix"
    assert close(result.electricity.kgco2e, weld)


def test_market_based_needs_site_consumption(mini_snapshot: Snapshot, mini_bom) -> None:
    data = mini_bom.model_dump(mode="json")
    data["product"].update(site_electricity_mwh=None, production_volume=None, electricity_instruments=[])
    from footprint.bom import validate_bom

    with pytest.raises(FootprintError, match="site_electricity_mwh"):
        compute(validate_bom(data), mini_snapshot, electricity="market")


def test_ar5_method(mini_snapshot: Snapshot, mini_bom) -> None:
    s5 = 2.278 / 0.9995
    p5 = 0.5 + 0.001 * s5
    w5 = -1.5 + 0.2 + 0.05 + 0.028
    t5 = 0.1 + 0.0265
    total = 0.6 * s5 + 0.4 * p5 + 0.5 * w5 + 2 * t5 + 0.15 + 0.1 * (-0.5 * s5 + 0.1 * p5) - 0.05 * s5
    assert close(compute(mini_bom, mini_snapshot, net_credits_rule=NETTED, method="AR5").total_kgco2e, total)


def test_same_input_and_snapshot_give_the_same_bytes(mini_snapshot: Snapshot, mini_bom) -> None:
    first = compute(mini_bom, mini_snapshot, monte_carlo=50, seed=3).model_dump_json()
    second = compute(mini_bom, mini_snapshot, monte_carlo=50, seed=3).model_dump_json()
    assert first == second
    other_seed = json.loads(compute(mini_bom, mini_snapshot, monte_carlo=50, seed=4).model_dump_json())
    assert other_seed["uncertainty"]["mean"] != json.loads(first)["uncertainty"]["mean"]
    assert other_seed["provenance"]["input_hash"] != json.loads(first)["provenance"]["input_hash"]


def test_unlinked_line_is_never_a_complete_footprint(mini_snapshot: Snapshot, mini_bom) -> None:
    data = mini_bom.model_dump(mode="json")
    data["lines"][1]["factor_id"] = "stel"
    from footprint.bom import validate_bom

    with pytest.raises(UnlinkedLines) as caught:
        compute(validate_bom(data), mini_snapshot)
    unlinked = caught.value.report.unlinked
    assert [u.line_id for u in unlinked] == ["tube"]
    assert unlinked[0].suggestions and unlinked[0].suggestions[0].factor_id == "steel"


def test_incompatible_unit_does_not_link(mini_snapshot: Snapshot, mini_bom) -> None:
    data = mini_bom.model_dump(mode="json")
    data["lines"][1]["unit"] = "kWh"
    from footprint.bom import validate_bom

    with pytest.raises(UnlinkedLines):
        compute(validate_bom(data), mini_snapshot)
