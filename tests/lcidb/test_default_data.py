"""The shipped default factor data: provenance of every row, no CPCD, statuses, DESNZ values against
the government file, and the Guangdong mix / residual mix / scenarios against the hand calculations
of docs/lcidb-default-data.md."""

from __future__ import annotations

import math
import re
from functools import lru_cache, cache
from pathlib import Path

import openpyxl
import pytest

from lcidb.flows import flow_table
from lcidb.home import shipped_data_dir
from lcidb.template import TemplateData, read_template
from tests.conftest import SHARED_DATA, SHARED_DIR

DEFAULT = shipped_data_dir() / "lcidb" / "default"
DESNZ = SHARED_DATA / "factors" / "desnz-ghg-conversion-factors-2023-flat-file-v1.1.xlsx"
FACTORS_MD = SHARED_DIR / "reference" / "factors.md"


@pytest.fixture(scope="module")
def data() -> TemplateData:
    return read_template(DEFAULT)


def cradle_to_gate(data: TemplateData, activity_id: str, method: str = "AR6", scenario: str | None = None) -> float:
    """Independent of the engine: recursive evaluation of the (acyclic) template, overlay applied by key."""
    exchanges = {e.key: e for e in data.exchanges}
    if scenario:
        exchanges.update({e.key: e for e in data.scenarios[scenario]})
    by_owner: dict[str, list] = {}
    for e in exchanges.values():
        by_owner.setdefault(e.activity_id, []).append(e)
    cf = {code: flow.cf[method] for code, flow in flow_table().items()}

    @cache
    def y(a: str) -> float:
        return sum(e.amount * (cf[e.input] if e.kind == "biosphere" else y(e.input)) for e in by_owner.get(a, []))

    return y(activity_id)


# ------------------------------------------------------------------------------------ provenance
def test_at_least_60_activities_each_with_source_year_licence(data: TemplateData) -> None:
    assert len(data.activities) >= 60
    for a in data.activities.values():
        assert a.source.strip() and a.licence in {"OGL-3.0", "cited-fact", "derived"}, a.id
        assert 2000 <= a.year <= 2026, a.id
        assert re.fullmatch(r"[a-z0-9_]+", a.id) and re.fullmatch(r"[a-z0-9_]+", a.category), a.id
        if a.licence == "derived":
            assert a.status in {"derived", "proxy"}, a.id


def test_required_ids_and_their_roles(data: TemplateData) -> None:
    acts = data.activities
    grid = acts["elec_cn_gd_grid"]
    assert (grid.category, grid.geography, grid.unit) == ("electricity", "CN-GD", "kWh")
    assert (acts["elec_cn_grid_footprint"].category, acts["elec_cn_grid_footprint"].geography) == ("electricity", "CN")
    assert acts["elec_cn_gd_residual_mix"].category == "electricity_residual"
    for pid in ("elec_cn_pv", "elec_cn_wind", "elec_cn_hydro"):
        assert acts[pid].category == "electricity_generation" and acts[pid].unit == "kWh"
    for fid in ("freight_truck", "freight_rail", "freight_sea_container", "freight_air"):
        assert acts[fid].category == "transport" and acts[fid].unit == "tkm"
    co2_only = [a for a in acts.values() if a.category == "electricity_co2_only"]
    assert any(a.geography == "CN-GD" for a in co2_only)
    # the CO2-only factors are alternatives: nothing in the data links to them
    assert not {e.input for e in data.exchanges} & {a.id for a in co2_only}
    for cat in ("fuel", "material", "packaging", "end_of_life"):
        assert sum(a.category == cat for a in acts.values()) >= 5, cat


CPCD_SEED_IDS = {  # factors.md §6 rows whose source is CPCD (licence unknown)
    "mat_steel_bof_cn", "mat_steel_eaf_cn", "mat_clinker_cn", "mat_pp_cn", "mat_containerboard_cn",
    "mat_cotton_yarn_cn", "mat_pet_filament_cn", "tr_truck_heavy_cn", "tr_rail_cn", "tr_container_sea_cn",
    "tr_air_cn", "elec_cn_fp_coal_2024", "elec_cn_fp_pv_2024", "elec_cn_fp_wind_2024", "elec_cn_fp_hydro_2024",
}
# CPCD's own product and freight values (factors.md §3.3, §3.4); none may be shipped
CPCD_PRODUCT_VALUES = (1.990, 3.030, 2.050, 2.310, 2.600, 1.587, 1.4929, 1.1721, 9.673, 0.418, 2.250, 0.535, 73.51,
                       0.0978, 0.2157, 0.1502, 0.006502, 0.008122, 0.006088, 0.004505, 0.921)


def test_no_cpcd_rows(data: TemplateData) -> None:
    assert not CPCD_SEED_IDS & set(data.activities)
    assert not any("cpcd" in a.source.lower() for a in data.activities.values())
    amounts = [e.amount for e in data.exchanges] + [e.amount for rows in data.scenarios.values() for e in rows]
    for value in CPCD_PRODUCT_VALUES:
        assert not any(math.isclose(x, value, rel_tol=1e-9) for x in amounts), value


def _seed_rows() -> list[dict[str, str]]:
    text = FACTORS_MD.read_text(encoding="utf-8")
    block = text.split("id,name,unit,kgco2e_per_unit", 1)[1].split("```", 1)[0]
    rows = []
    for line in block.strip().splitlines()[1:]:
        parts = line.split(",")
        rows.append({"id": parts[0], "value": parts[3], "source": ",".join(parts[7:-1]), "status": parts[-1]})
    return rows


def test_no_remembered_number_ships(data: TemplateData) -> None:
    """Issue 11: never ship a remembered number. The [U] rows of factors.md that were memory or "not
    retrieved" (copper 4.0, clinker calcination 0.52, worldsteel routes 2.3 / 0.7 / 1.4) are gone or
    replaced by a figure read from a recorded source."""
    for a in data.activities.values():
        if a.status == "unverified":
            assert "[U]" in a.source, a.id
        elif a.status == "verified":
            assert "[U]" not in a.source, a.id
        assert "from memory" not in a.source and "not retrieved" not in a.source, a.id
    # every [U] seed row of factors.md §6 that is not CPCD is replaced by a sourced figure
    u_rows = [r for r in _seed_rows() if r["status"] == "U" and "CPCD" not in r["source"]]
    assert {r["id"] for r in u_rows} == {"mat_copper_cathode", "mat_clinker_process_ipcc"}
    shipped = {"mat_copper_cathode": "mat_copper_cathode", "mat_clinker_process_ipcc": "mat_clinker_calcination"}
    for row in u_rows:
        aid = shipped[row["id"]]
        assert data.activities[aid].status == "verified" and data.activities[aid].source_figure, aid
        (amount,) = [e.amount for e in data.exchanges if e.activity_id == aid]
        assert amount != float(row["value"]), aid
    assert not {"mat_steel_bf_bof_worldsteel", "mat_steel_eaf_scrap_worldsteel", "mat_steel_dri_eaf_worldsteel"} & set(
        data.activities)
    assert not [a.id for a in data.activities.values() if a.status == "unverified"]


def test_unverified_rows_are_not_on_any_main_path(data: TemplateData) -> None:
    unverified = {a.id for a in data.activities.values() if a.status == "unverified"}
    assert not any(e.input in unverified for e in data.exchanges if e.kind == "technosphere")


def test_aggregates_are_unsplit_with_a_basis_and_credits_are_typed(data: TemplateData) -> None:
    for e in data.exchanges:
        if e.input == "co2e_unsplit":
            assert e.gwp_basis, e.origin
        else:
            assert e.gwp_basis is None, e.origin
        if e.amount < 0:
            assert e.credit_type == "recycling_credit" and data.activities[e.activity_id].category == "end_of_life"
    for a in data.activities.values():
        if a.licence == "OGL-3.0":
            flows = {e.input for e in data.exchanges if e.activity_id == a.id and e.kind == "biosphere"}
            # DESNZ totals stay unsplit; only rows citing the _2/_3/_4 gas parts carry gas masses
            assert flows == ({"co2_fossil", "ch4_fossil", "n2o"} if "_2/_3/_4" in a.source else {"co2e_unsplit"}), a.id
    recycling = [a.id for a in data.activities.values() if a.id.startswith("eol_recycling_")]
    assert len(recycling) >= 5
    for aid in recycling:
        credits = [e for e in data.exchanges if e.activity_id == aid and e.credit_type]
        assert len(credits) == 1 and credits[0].amount == -1.0


def test_every_row_has_dqr_and_a_simple_product_passes_the_gates(data: TemplateData) -> None:
    for a in data.activities.values():
        assert None not in (a.dqr_technological, a.dqr_temporal, a.dqr_geographical), a.id
    # factors.md V6-like product: 0.2 kg PP, 0.05 kg board, 1.5 kWh Guangdong grid, 0.025 tkm truck, 2 tkm ship
    lines = {"mat_pp": 0.2, "mat_board": 0.05, "elec_cn_gd_grid": 1.5, "freight_truck": 0.025, "freight_sea_container": 2.0}
    emissions = {aid: q * cradle_to_gate(data, aid) for aid, q in lines.items()}
    total = sum(emissions.values())
    dqr = sum(v * (lambda a: (a.dqr_technological + a.dqr_temporal + a.dqr_geographical) / 3)(data.activities[k])
              for k, v in emissions.items()) / total
    unverified_share = sum(v for k, v in emissions.items() if data.activities[k].status == "unverified") / total
    assert dqr <= 3.0 and unverified_share <= 0.05


# ------------------------------------------------------------------------------ DESNZ vs the file
@lru_cache(maxsize=1)
def _desnz_values() -> dict[str, float | None]:
    ws = openpyxl.load_workbook(DESNZ, read_only=True, data_only=True)["Factors by Category"]
    return {str(r[0]): r[9] for r in ws.iter_rows(min_row=7, values_only=True) if r[0]}


@pytest.mark.skipif(not DESNZ.is_file(), reason="shared DESNZ file not present")
def test_desnz_rows_match_the_government_file(data: TemplateData) -> None:
    values = _desnz_values()
    checked = 0
    for a in data.activities.values():
        if a.licence != "OGL-3.0":
            continue
        own = {e.input: e.amount for e in data.exchanges if e.activity_id == a.id and e.kind == "biosphere"}
        if "_2/_3/_4" in a.source:
            prefix = re.search(r"IDs (\S+)_2/_3/_4", a.source).group(1)
            co2, ch4e, n2oe, total = (values[f"{prefix}_{i}"] for i in (2, 3, 4, 1))
            assert own["co2_fossil"] == pytest.approx(co2, rel=1e-9)
            assert own["ch4_fossil"] == pytest.approx(ch4e / 28, rel=1e-9)
            assert own["n2o"] == pytest.approx(n2oe / 265, rel=1e-9)
            assert own["co2_fossil"] + 28 * own["ch4_fossil"] + 265 * own["n2o"] == pytest.approx(total, rel=1e-6)
        else:
            desnz_id = re.search(r"ID (\d+(?:_\d+)+)", a.source).group(1)
            per = 1000.0 if "divided by 1000" in a.source else 1.0
            assert own["co2e_unsplit"] == pytest.approx(values[desnz_id] / per, rel=1e-9), a.id
        checked += 1
    assert checked >= 50


def test_desnz_published_values_by_hand(data: TemplateData) -> None:
    # factors.md §3.1/§3.4 (from the file): PP 3,090.817901 kg/t; well-to-wheel truck 0.096957 + 0.023460
    assert cradle_to_gate(data, "mat_pp", "AR5") == pytest.approx(3.090817901, rel=1e-9)
    assert cradle_to_gate(data, "freight_truck", "AR5") == pytest.approx(0.120417, rel=1e-5)
    assert cradle_to_gate(data, "freight_sea_container", "AR5") == pytest.approx(0.019774, rel=1e-4)
    # diesel litre, AR5: 2.659372 combustion + 0.62409 WTT
    assert cradle_to_gate(data, "fuel_diesel_desnz_l", "AR5") == pytest.approx(2.659372 + 0.62409, rel=1e-6)


# ------------------------------------------------------------------------------- cited / derived
def test_ipcc_fuel_rows_by_hand(data: TemplateData) -> None:
    # factors.md §2.1: diesel per tonne AR6 = 43.0 x (74.1 + 0.003 x 29.8 + 0.0006 x 273) = 3197.1876
    assert cradle_to_gate(data, "fuel_diesel_combustion_t") == pytest.approx(43.0 * (74.1 + 0.003 * 29.8 + 0.0006 * 273), rel=1e-12)
    assert cradle_to_gate(data, "fuel_diesel_combustion_t") == pytest.approx(3197.19, abs=0.01)
    # natural gas per GJ AR6 = 56.1 + 0.001 x 29.8 + 0.0001 x 273 = 56.1571 (factors.md prints 56.157)
    assert cradle_to_gate(data, "fuel_natural_gas_combustion_gj") == pytest.approx(56.1571, rel=1e-12)
    # per Nm3: China NCV 389.31 GJ / 1e4 Nm3
    assert cradle_to_gate(data, "fuel_natural_gas_combustion_nm3") == pytest.approx(0.038931 * 56.1571, rel=1e-12)


def test_incineration_stoichiometry(data: TemplateData) -> None:
    # PE (C2H4)n: 2 x 44.009 / (2 x 12.011 + 4 x 1.008) = 88.018 / 28.054 = 3.1374492; + DESNZ handling 21.280807 kg/t
    handling = 21.280807237 / 1000  # DESNZ 20_505_5381_15_1 = 21.28080723687633 kg CO2e/t in the file
    assert cradle_to_gate(data, "eol_incineration_pe_pp") == pytest.approx(88.018 / 28.054 + handling, rel=1e-8)
    # PVC (C2H3Cl)n: 88.018 / 62.496
    assert cradle_to_gate(data, "eol_incineration_pvc") == pytest.approx(88.018 / 62.496 + handling, rel=1e-8)


def test_recycling_credit_by_hand(data: TemplateData) -> None:
    """Aluminium: the Chinese pair of Peng et al. 2022, the primary metal Chinese BOMs use. Handling
    0.021280807 + recycled (5.3 % x 15.947 = 0.845191) - primary 15.947 = -15.080528193 kg CO2e/kg."""
    assert cradle_to_gate(data, "eol_recycling_aluminium") == pytest.approx(0.021280807 + 0.845191 - 15.947, rel=1e-8)
    assert cradle_to_gate(data, "eol_recycling_aluminium") == pytest.approx(-15.080528193, rel=1e-8)
    credit = next(e for e in data.exchanges if e.activity_id == "eol_recycling_aluminium" and e.credit_type)
    assert credit.input == "mat_aluminium_primary_cn"
    # steel cans: DESNZ closed-loop 1.726727309 + handling - primary cans 3.086727309 = -1.338719192
    assert cradle_to_gate(data, "eol_recycling_steel") == pytest.approx(0.021280807 + 1.726727309 - 3.086727309, rel=1e-8)


# ----------------------------------------------------------------- Guangdong mix (docs §3, §4, §10)
NBS = {"thermal": 1802.3, "hydro": 79.3, "nuclear": 491.6, "wind": 153.6, "solar": 30.1}
F2023 = {"coal": 0.944, "gas": 0.4792, "hydro": 0.0143, "nuclear": 0.0065, "wind": 0.0336, "pv": 0.0545, "biomass": 0.0457}
F2024 = {"coal": 0.924, "gas": 0.4503, "hydro": 0.0141, "nuclear": 0.0065, "wind": 0.0324, "pv": 0.0520, "biomass": 0.0404}
LOSS = 1 + (0.0327 - 0.0046) / (0.5777 - 0.0327)


def _hand_gd_2023() -> tuple[float, float, dict[str, float]]:
    total = sum(NBS.values())  # 2556.9
    share = {"coal": 0.70 * NBS["thermal"] / total, "gas": 0.25 * NBS["thermal"] / total,
             "biomass": 0.05 * NBS["thermal"] / total, "hydro": NBS["hydro"] / total,
             "nuclear": NBS["nuclear"] / total, "wind": NBS["wind"] / total, "pv": NBS["solar"] / total}
    inprovince = sum(share[k] * F2023[k] for k in share)          # 0.5561908700
    received = 0.75 * F2023["hydro"] + 0.25 * F2023["coal"]       # 0.246725
    busbar = 0.75 * inprovince + 0.25 * received                  # 0.4788244025
    hv = {k: 0.75 * v for k, v in share.items()}
    hv["hydro"] += 0.25 * 0.75
    hv["coal"] += 0.25 * 0.25
    return busbar, LOSS * busbar + 0.0036, hv                     # delivered 0.5071124130


def _hand_residual(hv: dict[str, float], factors: dict[str, float], td: float) -> float:
    tracked = 1 - 0.5306 / 0.6096
    eligible = ("hydro", "wind", "pv", "biomass")
    removal = tracked / sum(hv[k] for k in eligible)
    busbar = sum(v * (1 - (removal if k in eligible else 0)) / (1 - tracked) * factors[k] for k, v in hv.items())
    return LOSS * busbar + td


def test_guangdong_delivered_mix_matches_the_hand_calculation(data: TemplateData) -> None:
    busbar, delivered, _hv = _hand_gd_2023()
    assert busbar == pytest.approx(0.4788244025, abs=5e-11)  # the number written in the doc
    assert delivered == pytest.approx(0.5071124130, abs=5e-11)
    assert cradle_to_gate(data, "elec_cn_gd_hv") == pytest.approx(busbar, rel=1e-9)
    assert cradle_to_gate(data, "elec_cn_gd_grid") == pytest.approx(delivered, rel=1e-9)
    assert cradle_to_gate(data, "elec_cn_gd_grid", "AR5") == pytest.approx(delivered, rel=1e-9)  # all unsplit


def test_residual_mix_matches_the_hand_calculation(data: TemplateData) -> None:
    _busbar, delivered, hv = _hand_gd_2023()
    residual = _hand_residual(hv, F2023, 0.0036)
    assert residual == pytest.approx(0.5787354592, abs=5e-11)
    assert cradle_to_gate(data, "elec_cn_gd_residual_mix") == pytest.approx(residual, rel=1e-9)
    assert delivered < residual < 0.8273 * 1.169  # above the location mix, below a fossil-only life-cycle factor


SCENARIOS = {  # TWh (docs §10): in-province, received
    "gd-2030-targets": ({"coal": 435.1, "gas": 162.5, "biomass": 25.0, "hydro": 20.0, "nuclear": 176.2, "wind": 79.2, "pv": 44.0},
                        {"hydro": 210.0, "coal": 54.0}),
    "gd-2030-trend": ({"coal": 362.7, "gas": 162.5, "biomass": 25.0, "hydro": 20.0, "nuclear": 176.2, "wind": 105.6, "pv": 90.0},
                      {"hydro": 210.0, "coal": 54.0}),
    "gd-2030-high-import": ({"coal": 380.1, "gas": 162.5, "biomass": 25.0, "hydro": 20.0, "nuclear": 176.2, "wind": 79.2, "pv": 44.0},
                            {"hydro": 253.75, "coal": 65.25}),
}
# factors.md §1.5.7 rounded results (busbar, delivered) for A and B
PUBLISHED_2030 = {"gd-2030-targets": (0.444, 0.471), "gd-2030-trend": (0.391, 0.416)}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenarios_match_the_hand_calculation(data: TemplateData, name: str) -> None:
    inprovince, received = SCENARIOS[name]
    supply = sum(inprovince.values()) + sum(received.values())
    assert supply == pytest.approx(1206.0)
    emissions = sum(v * F2024[k] for k, v in inprovince.items()) + sum(v * F2024[k] for k, v in received.items())
    busbar = emissions / supply
    delivered = LOSS * busbar + 0.0046
    assert cradle_to_gate(data, "elec_cn_gd_hv", scenario=name) == pytest.approx(busbar, rel=1e-9)
    assert cradle_to_gate(data, "elec_cn_gd_grid", scenario=name) == pytest.approx(delivered, rel=1e-9)
    if name in PUBLISHED_2030:
        assert busbar == pytest.approx(PUBLISHED_2030[name][0], abs=0.0006)
        assert delivered == pytest.approx(PUBLISHED_2030[name][1], abs=0.0006)
    gen = sum(inprovince.values())
    hv = {k: v / supply for k, v in inprovince.items()}
    for k, v in received.items():
        hv[k] += v / supply
    assert gen / supply == pytest.approx(
        next(e.amount for e in data.scenarios[name] if e.key == ("elec_cn_gd_hv", "elec_cn_gd_inprovince_mix")), rel=1e-9)
    assert cradle_to_gate(data, "elec_cn_gd_residual_mix", scenario=name) == pytest.approx(
        _hand_residual(hv, F2024, 0.0046), rel=1e-9)


def test_scenario_rows_only_replace_existing_keys(data: TemplateData) -> None:
    base = {e.key for e in data.exchanges}
    for name, rows in data.scenarios.items():
        assert {e.key for e in rows} <= base, name


def test_built_default_snapshot_gives_the_same_grid_factor(home: Path) -> None:
    build = pytest.importorskip("lcidb.build")
    from lcidb.snapshot import load_snapshot
    from lcidb.solve import FactorizedSnapshot

    build.build_snapshot([])
    snap = load_snapshot("default")
    _busbar, delivered, _hv = _hand_gd_2023()
    y = FactorizedSnapshot(snap).scores("AR6")
    assert y[snap.index["elec_cn_gd_grid"]] == pytest.approx(delivered, rel=1e-9)
    y_targets = FactorizedSnapshot(snap, "gd-2030-targets").scores("AR6")
    assert y_targets[snap.index["elec_cn_gd_grid"]] == pytest.approx(0.4713970258, rel=1e-9)
