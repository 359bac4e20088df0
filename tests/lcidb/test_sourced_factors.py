"""The China / GBA factors of issue 11 (docs/lcidb-default-data.md §2, §3.3, §6): every quoted figure
re-derived from the source's own print and unit, the derived rows by hand, proxies honest about what
they borrow, and the CBAM default values used as a cross-check only."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from lcidb.template import TemplateData, read_template
from tests.conftest import SHARED_DATA, SHARED_DIR
from tests.lcidb.test_default_data import DEFAULT, cradle_to_gate

REFERENCE_TEXT = "\n".join((SHARED_DIR / "reference" / name).read_text(encoding="utf-8")
                           for name in ("materials.md", "factors.md", "cbam.md")
                           if (SHARED_DIR / "reference" / name).is_file())
CBAM_DEFAULTS = SHARED_DATA / "cbam" / "cbam_default_values_CHN_and_OTHER_2026-1740.csv"

# The unit each source prints, and the factor that turns the printed figure into the stored amount
# (kg of gas, or kg CO2e, per one unit of the activity). Spelled out so a slip in either fails.
PER_UNIT = {
    # per kWh figures are stored per kWh
    "kg CO2e/kWh": 1.0,
    "kg CO2/kWh": 1.0,
    # tonnes per tonne of product = kg per kg
    "ton CO2/ton": 1.0,
    "t CO2/t": 1.0,
    "t CO2/t crude steel": 1.0,
    "Tonnes CO2/tonne crude steel cast": 1.0,
    "tonnes of CO₂ equivalent per tonne of crude steel": 1.0,
    "tonnes CO2e per tonne": 1.0,
    "t CO2/t cement": 1.0,
    "t CO2/t clinker": 1.0,
    "t CO2 eq/t copper": 1.0,
    "t CO2e/t fibre": 1.0,
    # kg per tonne of product / 1000 = kg per kg
    "kg CO2-eq/t": 1 / 1000,
    "kg eq. CO2/t olefins": 1 / 1000,
    "kg CO2-eq/t paper": 1 / 1000,
    # kg per kg
    "kg CO2 eq/kg": 1.0,
    "kg CO2-eq./kg": 1.0,
    # one 28 kWh battery pack: / 28 = per kWh of capacity
    "kgCO2-eq per 28 kWh battery": 1 / 28,
}


@pytest.fixture(scope="module")
def data() -> TemplateData:
    return read_template(DEFAULT)


def _terms(figure: str) -> list[str]:
    """A figure as printed, or a sum of printed figures ("5793 + 5714")."""
    return [t.strip() for t in figure.split(" + ")]


def _printed_value(figure: str) -> float:
    return sum(float(t.replace(",", "")) for t in _terms(figure))  # "15,947" is fifteen thousand


def test_every_quoted_row_is_its_printed_figure_times_the_unit_conversion(data: TemplateData) -> None:
    quoted = [a for a in data.activities.values() if a.source_figure]
    assert len(quoted) >= 35
    for a in quoted:
        assert a.source_unit in PER_UNIT, (a.id, a.source_unit)
        for term in _terms(a.source_figure):
            # the figure is printed in the row's own citation and in the recorded reference notes
            assert re.search(rf"(?<![\d.,]){re.escape(term)}(?![\d])", a.source), (a.id, term)
            assert term in REFERENCE_TEXT, (a.id, term)
        own = [e for e in data.exchanges if e.activity_id == a.id]
        assert len(own) == 1 and own[0].kind == "biosphere", a.id
        expected = _printed_value(a.source_figure) * PER_UNIT[a.source_unit]
        assert own[0].amount == pytest.approx(expected, rel=1e-9), a.id
        # what the unit says the number is, the flow and its GWP basis say too
        if re.search(r"CO2e|CO2-eq|CO2 eq|eq\. CO2|equivalent", a.source_unit):
            assert own[0].input == "co2e_unsplit" and own[0].gwp_basis != "CO2-only", a.id
        else:
            assert own[0].input == "co2_fossil" or own[0].gwp_basis == "CO2-only", a.id


def test_every_single_figure_citation_carries_its_quote(data: TemplateData) -> None:
    for a in data.activities.values():
        own = [e for e in data.exchanges if e.activity_id == a.id]
        if a.licence == "cited-fact" and len(own) == 1 and own[0].kind == "biosphere":
            assert a.source_figure, a.id


def test_new_china_and_gba_factors_by_hand(data: TemplateData) -> None:
    """Spot values, each from the figure the source prints (materials.md, factors.md §9)."""
    hand = {
        "mat_steel_cn_industry_2019": 2.33,          # "2.33 ton CO2/ton"
        "mat_steel_wire_rod_cn": 2.33,               # proxy of the industry average
        "mat_steel_bf_bof": 2.183,                   # Y mill, "2.183 t CO2"
        "mat_steel_eaf": 0.3,                        # proxy of global scrap-EAF "0.3"
        "mat_aluminium_primary_cn": 15947 / 1000,    # "15,947 kg CO2-eq" per t
        "mat_aluminium_secondary_cn": 0.053 * 15.947,  # "5.3% that of primary" = 0.845191
        "mat_cement_cn_2011": 0.5450,
        "mat_olefins_cn_coal": (5793 + 5714) / 1000,  # 11.507
        "mat_pp_cn_coal": 11.507,
        "mat_copper_cathode": 3.09,
        "mat_battery_lfp_pack_cn": 3061 / 28,        # 109.3214286 kg CO2e per kWh of capacity
        "elec_hk_clp_grid": 0.49,
        "elec_hk_hke_grid": 0.81,
    }
    for aid, value in hand.items():
        assert cradle_to_gate(data, aid) == pytest.approx(value, rel=1e-9), aid
    assert cradle_to_gate(data, "mat_aluminium_secondary_cn") == pytest.approx(0.845191, rel=1e-9)


def test_clinker_and_flat_glass_route_models_by_hand(data: TemplateData) -> None:
    """Clinker: IPCC Tier 1 calcination 0.507 + 3,502 MJ/t kiln fuel (GNR 2014) as bituminous coal
    (IPCC: 94.6 kg CO2, 0.01 kg CH4, 0.0015 kg N2O per GJ): 0.003502 x (94.6 + 0.01 x 29.8 + 0.0015 x 273)
    = 0.003502 x 95.3075 = 0.333766865; total 0.840766865 kg CO2e/kg (AR6).
    Flat glass: IPCC AR4 450 kg energy CO2/t + up to 200 kg decarbonation = 0.65 kg CO2/kg."""
    assert cradle_to_gate(data, "mat_clinker_cn_derived") == pytest.approx(0.840766865, rel=1e-9)
    assert cradle_to_gate(data, "mat_clinker_cn_derived", "AR5") == pytest.approx(
        0.507 + 0.003502 * (94.6 + 0.01 * 28 + 0.0015 * 265), rel=1e-9)
    assert cradle_to_gate(data, "mat_flat_glass_direct") == pytest.approx(0.65, rel=1e-12)


def test_macao_mix_by_hand(data: TemplateData) -> None:
    """Macao 2024: 88.24 % imports (Guangdong busbar 0.4788244025), 8.62 % local generation (gas
    0.4792), 3.1 % incineration (biomass 0.0457), over their printed sum 99.96:
    (42.2514652766 + 4.130704 + 0.14167) / 99.96 = 0.4654245626 at the busbar; delivered with the
    Guangdong loss factor 1.0515596330 and T&D 0.0036: 0.4930216822 kg CO2e/kWh."""
    busbar = (88.24 * 0.4788244025 + 8.62 * 0.4792 + 3.1 * 0.0457) / 99.96
    loss = 1 + (0.0327 - 0.0046) / (0.5777 - 0.0327)
    assert cradle_to_gate(data, "elec_mo_grid") == pytest.approx(loss * busbar + 0.0036, rel=1e-9)
    assert cradle_to_gate(data, "elec_mo_grid") == pytest.approx(0.4930216822, rel=1e-9)
    assert data.activities["elec_mo_grid"].status == "derived"


def test_hong_kong_grids_by_supply_area(data: TemplateData) -> None:
    for aid, year in (("elec_hk_clp_grid", 2019), ("elec_hk_hke_grid", 2019)):
        a = data.activities[aid]
        assert (a.geography, a.unit, a.category, a.year) == ("HK", "kWh", "electricity", year)
        assert str(year) in a.name and "supply area" in a.name
    assert "elec_hk_hke_2019" not in data.activities  # renamed to the supply-area id


def test_guangdong_grid_dqr_shows_its_assumptions(data: TemplateData) -> None:
    """factors.md §1.5.4/§1.5.2: the thermal split and the received-power mix are [U]."""
    grid = data.activities["elec_cn_gd_grid"]
    assert (grid.dqr_technological, grid.dqr_temporal, grid.dqr_geographical) != (2, 2, 2)
    # every activity built on the same January-May shares and [U] splits says so, the residual mix too
    built = [a for a in data.activities.values() if a.id.startswith("elec_cn_gd_") and a.status == "derived"]
    assert len(built) == 5
    for a in built:
        assert a.dqr_technological >= 3 and a.dqr_temporal >= 3, a.id


def test_proxies_name_what_they_borrow(data: TemplateData) -> None:
    proxies = [a for a in data.activities.values() if a.status == "proxy"]
    assert {"mat_steel_eaf", "mat_steel_wire_rod_cn", "mat_aluminium_extrusion_cn", "mat_pp_cn_coal",
            "mat_battery_lfp_cell_cn", "mat_abs", "mat_polyester_fibre", "mat_cotton_textile"} <= {a.id for a in proxies}
    for a in proxies:
        assert "proxy" in a.name.lower(), a.id
        own = [e for e in data.exchanges if e.activity_id == a.id]
        assert len(own) == 1 and own[0].kind == "technosphere" and own[0].amount == 1.0, a.id
        borrowed = data.activities[own[0].input]
        assert borrowed.status in {"verified", "derived", "proxy"}, a.id
        # the DQR shows the borrowing: no better than the row it borrows, and not 1/1/1
        for field in ("dqr_technological", "dqr_temporal", "dqr_geographical"):
            assert getattr(a, field) >= 2 or getattr(borrowed, field) <= getattr(a, field), (a.id, field)
        assert max(a.dqr_technological, a.dqr_temporal, a.dqr_geographical) >= 3, a.id


def test_steel_cans_are_not_steelmaking_routes(data: TemplateData) -> None:
    """Issue 11, finding 1: DESNZ steel cans were shipped as the BF-BOF and EAF routes."""
    for aid in ("mat_steel_bf_bof", "mat_steel_eaf"):
        assert "can" not in data.activities[aid].name.lower() and "DESNZ" not in data.activities[aid].source, aid
    assert "cans" in data.activities["mat_steel_cans_primary"].name
    # scrap-EAF below BF-BOF, both within the 0.3-2.2 t CO2/t range of the route literature (materials.md §1)
    assert 0.3 <= cradle_to_gate(data, "mat_steel_eaf") < cradle_to_gate(data, "mat_steel_bf_bof") <= 2.2


def _cbam_china() -> dict[str, dict[str, str]]:
    with CBAM_DEFAULTS.open(encoding="utf-8", newline="") as fh:
        return {row["good_key"].split("-", 1)[0]: row for row in csv.DictReader(fh) if row["country_iso3"] == "CHN"}


@pytest.mark.skipif(not CBAM_DEFAULTS.is_file(), reason="shared CBAM default values not present")
def test_cbam_default_values_are_a_cross_check_never_a_value(data: TemplateData) -> None:
    """The CBAM defaults (IR 2026/1740, China table) are conservative and on the CBAM boundary: no
    steel, aluminium, cement or clinker amount equals a default of its own sector, the life-cycle steel and clinker factors sit below the China default,
    and the cradle-to-gate aluminium sits above the direct-only (no electricity) default."""
    cbam = _cbam_china()
    sectors = {"steel": ("72", "73"), "aluminium": ("76",), "cement": ("2523",), "clinker": ("2523",)}
    checked = 0
    for e in data.exchanges:
        sector = next((k for k in sectors if k in e.activity_id), None)
        if e.kind != "biosphere" or sector is None:
            continue
        values = {float(r[k]) for code, r in cbam.items() if code.startswith(sectors[sector])
                  for k in ("default_direct_t_co2e_per_t", "default_total_t_co2e_per_t") if r[k]}
        assert not any(e.amount == pytest.approx(v, rel=1e-9) for v in values), e.activity_id
        checked += 1
    assert checked >= 12
    assert cradle_to_gate(data, "mat_steel_wire_rod_cn") < float(cbam["7213"]["default_total_t_co2e_per_t"])  # 3.169
    assert cradle_to_gate(data, "mat_steel_hot_rolled_coil_cn") < float(cbam["7208"]["default_total_t_co2e_per_t"])  # 3.187
    clinker_total = float(cbam["2523100090"]["default_total_t_co2e_per_t"])  # 1.39 (1.35 direct + 0.04)
    assert cradle_to_gate(data, "mat_clinker_calcination") < cradle_to_gate(data, "mat_clinker_cn_derived") < clinker_total
    assert cradle_to_gate(data, "mat_aluminium_primary_cn") > float(cbam["7601"]["default_direct_t_co2e_per_t"])  # 3.0


def test_example_boms_use_the_china_factors() -> None:
    import json

    examples = Path(__file__).resolve().parents[2] / "examples"
    fastener = json.loads((examples / "steel_fastener.bom.json").read_text(encoding="utf-8"))
    lamp = json.loads((examples / "led_lamp.bom.json").read_text(encoding="utf-8"))
    ids = {line["line_id"]: line.get("factor_id") for line in fastener["lines"] + lamp["lines"]}
    assert ids["wire_rod"] == "mat_steel_wire_rod_cn"
    assert ids["use_electricity"] == "elec_hk_clp_grid"
    assert {ids[k] for k in ("mcpcb", "heat_sink", "cap")} == {"mat_aluminium_primary_cn"}
    # end of life per material, not the commercial-waste landfill row (issue 11, finding 6)
    assert "eol_landfill_commercial_waste" not in ids.values()
    eol = [line for line in lamp["lines"] if line["stage"] == "end_of_life" and line["line_id"].startswith("eol_lamp")]
    assert sum(line["quantity"] for line in eol) == pytest.approx(lamp["product"]["mass_kg"])


@pytest.mark.parametrize(("figure", "unit", "field"), [("15,947", "", "source_unit"), ("", "kg CO2-eq/t", "source_figure")])
def test_a_figure_without_its_unit_is_refused_naming_file_row_and_field(
    tmp_path: Path, figure: str, unit: str, field: str
) -> None:
    from lcidb.errors import TemplateError

    (tmp_path / "activities.csv").write_text(
        "activity_id,name,unit,geography,year,category,source,licence,status,source_figure,source_unit\n"
        "a,thing (proxy: b),kg,CN,2024,material,test,derived,proxy,,\n"
        f'b,other,kg,CN,2024,material,test,cited-fact,verified,"{figure}",{unit}\n', encoding="utf-8")
    (tmp_path / "exchanges.csv").write_text(
        "activity_id,input,amount,unit,kind,uncertainty_sigma,gwp_basis,credit_type\n"
        "a,b,1,kg,technosphere,,,\nb,co2e_unsplit,15.947,kg,biosphere,,x,\n", encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        read_template(tmp_path)
    assert (caught.value.row, caught.value.field) == (3, field)
    assert caught.value.file.endswith("activities.csv")
    # with both given the row reads, the quote as printed kept; `proxy` is a status the reader accepts
    (tmp_path / "activities.csv").write_text(
        (tmp_path / "activities.csv").read_text(encoding="utf-8").replace(f'"{figure}",{unit}', '"15,947",kg CO2-eq/t'),
        encoding="utf-8")
    data = read_template(tmp_path)
    assert (data.activities["b"].source_figure, data.activities["b"].source_unit) == ("15,947", "kg CO2-eq/t")
    assert data.activities["a"].status == "proxy"


# factors.md §2.1 table rows, by the fuel key of the shipped ids fuel_<key>_combustion_gj / _t
IPCC_TABLE_NAMES = {"diesel": "Gas/diesel oil", "residual_fuel_oil": "Residual fuel oil", "gasoline": "Motor gasoline",
                    "kerosene": "Other kerosene", "lpg": "LPG", "natural_gas": "Natural gas",
                    "coal_bituminous": "Other bituminous coal", "coal_anthracite": "Anthracite"}


@pytest.mark.skipif("Gas/diesel oil" not in REFERENCE_TEXT, reason="reference notes not present")
def test_every_ipcc_fuel_exchange_is_the_printed_table(data: TemplateData) -> None:
    """factors.md §2.1 prints NCV (MJ/kg = GJ/t), CO2, CH4 and N2O (kg/TJ) per fuel; the per-GJ rows
    store kg per GJ (kg/TJ / 1000) and the per-tonne rows NCV GJ of the per-GJ row."""
    section = REFERENCE_TEXT.split("### 2.1 IPCC 2006", 1)[1].split("### 2.2", 1)[0]
    rows = {cells[0]: cells[1:5] for line in section.splitlines() if line.startswith("| ")
            for cells in [[c.strip() for c in line.strip("|").split("|")]]}
    for key, printed in IPCC_TABLE_NAMES.items():
        ncv, co2, ch4, n2o = (float(v.replace(",", "")) for v in rows[printed])
        per_gj = {e.input: e.amount for e in data.exchanges if e.activity_id == f"fuel_{key}_combustion_gj"}
        assert per_gj == pytest.approx({"co2_fossil": co2 / 1000, "ch4_fossil": ch4 / 1000, "n2o": n2o / 1000}, rel=1e-12), key
        (per_t,) = [e for e in data.exchanges if e.activity_id == f"fuel_{key}_combustion_t"]
        assert (per_t.input, per_t.amount) == (f"fuel_{key}_combustion_gj", pytest.approx(ncv, rel=1e-12)), key


def test_every_recycling_and_incineration_row_by_hand(data: TemplateData) -> None:
    """docs §7 and §8: incineration = n_C x 44.009 / M + DESNZ handling 0.021280807; recycling nets
    handling + recycled - primary (DESNZ kg/t / 1000, factors.md §3.1; aluminium Chinese, §6.2)."""
    handling = 0.021280807
    assert cradle_to_gate(data, "eol_incineration_pet") == pytest.approx(10 * 44.009 / 192.17 + handling, rel=1e-7)
    assert cradle_to_gate(data, "eol_incineration_ps") == pytest.approx(8 * 44.009 / 104.152 + handling, rel=1e-7)
    desnz = {  # (primary, closed-loop) kg CO2e/t, factors.md §3.1
        "pet": (4018.483406, 3121.344294), "pp": (3090.817901, 2537.385998), "hdpe": (3255.929801, 2346.689069),
        "board": (801.521765, 699.881836), "paper": (910.478098, 730.478098), "glass": (1402.766667, 823.189539),
    }
    printed_net = {"pet": -0.875858, "pp": -0.532151, "hdpe": -0.887960, "board": -0.080359, "paper": -0.158719,
                   "glass": -0.558296}  # the docs' §8 values
    for key, (primary, recycled) in desnz.items():
        net = handling + (recycled - primary) / 1000
        assert cradle_to_gate(data, f"eol_recycling_{key}") == pytest.approx(net, rel=1e-8), key
        assert net == pytest.approx(printed_net[key], abs=1e-6), key


def test_packaging_is_one_kg_of_its_documented_material(data: TemplateData) -> None:
    """docs §6.13: steel cans are DESNZ steel cans, no longer the BF-BOF route."""
    expected = {"pack_corrugated_box": "mat_board", "pack_plastic_film": "mat_plastic_film", "pack_pet_bottle": "mat_pet",
                "pack_glass_container": "mat_glass", "pack_steel_can": "mat_steel_cans_primary",
                "pack_aluminium_can_foil": "mat_aluminium_primary_desnz", "pack_wood_pallet": "mat_wood",
                "pack_paper": "mat_paper"}
    for aid, material in expected.items():
        assert [(e.input, e.amount) for e in data.exchanges if e.activity_id == aid] == [(material, 1.0)], aid


MATERIALS_TEXT = " ".join((SHARED_DIR / "reference" / "materials.md").read_text(encoding="utf-8").split()) \
    if (SHARED_DIR / "reference" / "materials.md").is_file() else ""
QUOTE = re.compile(r"(?:(?<=[\s:(])|^)'(.+?)'(?=[\s,;)]|$)")


@pytest.mark.skipif(not MATERIALS_TEXT, reason="reference notes not present")
def test_quoted_passages_are_verbatim_in_the_reference_notes(data: TemplateData) -> None:
    """A row citing materials.md quotes the passage that prints its figure; the passage must stand
    word for word in materials.md (which quotes the source), so the figure and its context agree."""
    checked = 0
    for a in data.activities.values():
        if not a.source_figure or "materials.md" not in a.source:
            continue
        passages = [q for q in QUOTE.findall(a.source) if any(t in q for t in _terms(a.source_figure))]
        assert passages, a.id
        for passage in passages:
            assert " ".join(passage.split()) in MATERIALS_TEXT, (a.id, passage)
        checked += 1
    assert checked >= 12
