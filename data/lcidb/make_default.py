"""Writes data/lcidb/default/ (activities.csv, exchanges.csv, scenarios/*/exchanges.csv).

Run from the repo root:  .venv/bin/python data/lcidb/make_default.py

Why a script: the shipped CSVs are the product, but every DESNZ number in them is read here from the
government file by its DESNZ ID (so it is verified against the file, never re-typed), and every
derived amount (Guangdong mix shares, loss factor, residual mix, 2030 scenarios, stoichiometric
incineration CO2) is computed here from the cited facts listed in docs/lcidb-default-data.md.
Re-running it gives byte-identical output. It reads /work/shared/data (not shipped); the CSVs are.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "data" / "lcidb" / "default"
DESNZ_FILE = REPO.parent / "shared" / "data" / "factors" / "desnz-ghg-conversion-factors-2023-flat-file-v1.1.xlsx"

AR5_CH4 = 28.0  # GWPs the DESNZ 2023 file used (its "Refrigerant & other" sheet; SOURCES.md)
AR5_N2O = 265.0

ACTIVITY_COLUMNS = (
    "activity_id", "name", "unit", "geography", "year", "category", "source", "licence", "status",
    "published", "dqr_technological", "dqr_temporal", "dqr_geographical", "dataset",
)

# Series shipped in more than one edition: the label rules check that a BOM uses the latest
# edition of its dataset (G8.factor_latest_edition), so editions of one series share a name.
# Every other row is the only edition shipped of its series and leaves the column empty.
DATASETS = {
    "elec_cn_grid_footprint": "MEE/NBS/NEA electricity carbon footprint factors: China national average",
    "elec_cn_grid_footprint_2023": "MEE/NBS/NEA electricity carbon footprint factors: China national average",
    "elec_cn_co2_2023": "MEE/NBS electricity CO2 emission factors: China national grid average",
    "elec_cn_co2_2022": "MEE/NBS electricity CO2 emission factors: China national grid average",
    "elec_cn_gd_co2_2023": "MEE/NBS electricity CO2 emission factors: Guangdong provincial grid average",
    "elec_cn_gd_co2_2022": "MEE/NBS electricity CO2 emission factors: Guangdong provincial grid average",
    "elec_cn_gd_co2_2021": "MEE/NBS electricity CO2 emission factors: Guangdong provincial grid average",
    "elec_cn_south_co2_2023": "MEE/NBS electricity CO2 emission factors: Southern grid region average",
    "elec_cn_south_co2_2022": "MEE/NBS electricity CO2 emission factors: Southern grid region average",
}
EXCHANGE_COLUMNS = ("activity_id", "input", "amount", "unit", "kind", "uncertainty_sigma", "gwp_basis", "credit_type")

DESNZ_PUBLISHED = "2023-06-20"
DESNZ_LICENCE = "OGL-3.0"
DESNZ_CITE = "DESNZ/Defra UK GHG Conversion Factors for Company Reporting 2023, flat file v1.1"


def fmt(x: float) -> str:
    """Amounts written with 10 significant digits (relative rounding < 5e-11)."""
    return format(float(f"{x:.10g}"), "")


# --------------------------------------------------------------------------------------- DESNZ file
_DESNZ: dict[str, dict] = {}


def desnz_rows() -> dict[str, dict]:
    if not _DESNZ:
        wb = openpyxl.load_workbook(DESNZ_FILE, read_only=True, data_only=True)
        ws = wb["Factors by Category"]
        for row in ws.iter_rows(min_row=7, values_only=True):
            if row[0] is None:
                continue
            _DESNZ[str(row[0])] = {
                "levels": [c for c in row[2:6] if c], "text": row[6], "uom": row[7], "ghg": row[8], "value": row[9],
            }
    return _DESNZ


def desnz(id_: str) -> float:
    value = desnz_rows()[id_]["value"]
    if value is None:
        raise SystemExit(f"DESNZ {id_} has no value")
    return float(value)


def desnz_label(id_: str) -> str:
    r = desnz_rows()[id_]
    parts = " > ".join(str(p) for p in r["levels"])
    if r["text"]:
        parts += f" > {r['text']}"
    return f"{parts} [{r['uom']}]"


def desnz_split(prefix: str) -> tuple[float, float, float, float]:
    """(total kg CO2e, kg CO2, kg CH4, kg N2O) for a DESNZ row family <prefix>_1.._4."""
    total, co2, ch4e, n2oe = (desnz(f"{prefix}_{i}") for i in (1, 2, 3, 4))
    return total, co2, ch4e / AR5_CH4, n2oe / AR5_N2O


# ------------------------------------------------------------------------------------------ model
@dataclass
class Act:
    id: str
    name: str
    unit: str
    geography: str
    year: int
    category: str
    source: str
    licence: str
    status: str
    published: str = ""
    dqr: tuple[float, float, float] | None = None
    exchanges: list[tuple] = field(default_factory=list)

    def bio(self, flow: str, amount: float, gwp_basis: str = "", sigma: str = "", credit: str = "") -> "Act":
        self.exchanges.append((self.id, flow, fmt(amount), "kg", "biosphere", sigma, gwp_basis, credit))
        return self

    def tech(self, input_id: str, amount: float, unit: str, sigma: str = "", credit: str = "") -> "Act":
        self.exchanges.append((self.id, input_id, fmt(amount), unit, "technosphere", sigma, "", credit))
        return self


ACTS: list[Act] = []


def act(*args, **kwargs) -> Act:
    a = Act(*args, **kwargs)
    if any(x.id == a.id for x in ACTS):
        raise SystemExit(f"duplicate {a.id}")
    ACTS.append(a)
    return a


def desnz_total_act(id_: str, aid: str, name: str, unit: str, per: float, category: str, geography: str = "GB",
                    dqr=(2, 2, 4)) -> Act:
    """A DESNZ row that publishes only a total: co2e_unsplit, AR5. `per` converts the DESNZ unit to ours."""
    value = desnz(id_)
    src = f"{DESNZ_CITE}, ID {id_}: {desnz_label(id_)}"
    if per != 1:
        src += f"; divided by {per:g} for per {unit}"
    return act(aid, name, unit, geography, 2023, category, src, DESNZ_LICENCE, "verified", DESNZ_PUBLISHED, dqr).bio(
        "co2e_unsplit", value / per, "AR5")


def desnz_split_act(prefix: str, aid: str, name: str, unit: str, category: str, geography: str = "GB",
                    dqr=(2, 2, 4)) -> Act:
    _total, co2, ch4, n2o = desnz_split(prefix)
    src = (f"{DESNZ_CITE}, IDs {prefix}_2/_3/_4: {desnz_label(prefix + '_1')}; CH4 and N2O kg CO2e "
           f"divided by the file's AR5 GWPs (28, 265) to masses")
    a = act(aid, name, unit, geography, 2023, category, src, DESNZ_LICENCE, "verified", DESNZ_PUBLISHED, dqr)
    return a.bio("co2_fossil", co2).bio("ch4_fossil", ch4).bio("n2o", n2o)


# =================================================================================== ELECTRICITY
MEE_FP_2023 = "MEE/NBS/NEA 2023 electricity carbon footprint factors, 公告2025年第3号 (2025-01-17)"
MEE_FP_2024 = "MEE/NBS/NEA 2024 electricity carbon footprint factors (announcement 2025-09-28, issued 2025-10-23)"
FP_BASIS = "unstated (MEE/NBS/NEA footprint factors; the GWP set of the calculation notes was not retrieved)"

# 2023 national by-source life-cycle factors, kg CO2e/kWh (reference/factors.md §1.2)
FP2023 = {"coal": 0.944, "gas": 0.4792, "hydro": 0.0143, "nuclear": 0.0065, "wind": 0.0336, "pv": 0.0545,
          "solar_thermal": 0.0313, "biomass": 0.0457}
FP2024 = {"coal": 0.924, "gas": 0.4503, "hydro": 0.0141, "nuclear": 0.0065, "wind": 0.0324, "pv": 0.0520,
          "solar_thermal": 0.0312, "biomass": 0.0404}
TD_EXCL_LOSSES = {2023: 0.0036, 2024: 0.0046}
TD_INCL_LOSSES_2024 = 0.0327
NATIONAL_FP = {2023: 0.6205, 2024: 0.5777}

GEN_NAMES = {
    "coal": "coal-fired", "gas": "gas-fired", "hydro": "hydro", "nuclear": "nuclear", "wind": "wind",
    "pv": "photovoltaic", "solar_thermal": "solar thermal", "biomass": "biomass",
}
# transcription note per source (factors.md §1.2 status column)
GEN_NOTE = {
    "coal": "[S]: matches the official -2.1 % change to 2024", "gas": "[S]: matches the official -6 % change",
    "hydro": "[S]", "nuclear": "[S]", "wind": "[V] (news)", "pv": "[V] (news)", "solar_thermal": "[S]",
    "biomass": "[V] (news)",
}
for key in FP2023:
    act(f"elec_cn_{key}", f"Electricity, {GEN_NAMES[key]} generation, China national average, life cycle, at busbar",
        "kWh", "CN", 2023, "electricity_generation",
        f"{MEE_FP_2023}, {GEN_NAMES[key]} power: {FP2023[key]} kg CO2e/kWh (reference/factors.md §1.2, {GEN_NOTE[key]})",
        "cited-fact", "verified", "2025-01-17", (1, 2, 2)).bio("co2e_unsplit", FP2023[key], FP_BASIS)

act("elec_cn_td_infrastructure", "Transmission and distribution of electricity, China, excluding losses (per kWh delivered)",
    "kWh", "CN", 2023, "electricity",
    f"{MEE_FP_2023}, T&D excluding losses: 0.0036 kg CO2e/kWh (reference/factors.md §1.2, [V])",
    "cited-fact", "verified", "2025-01-17", (2, 2, 2)).bio("co2e_unsplit", TD_EXCL_LOSSES[2023], FP_BASIS)

act("elec_cn_grid_footprint", "Electricity, China national average, carbon footprint factor (life cycle, delivered)",
    "kWh", "CN", 2024, "electricity",
    f"{MEE_FP_2024}, national average 0.5777 kg CO2e/kWh (reference/factors.md §1.2, [V])",
    "cited-fact", "verified", "2025-09-28", (1, 1, 2)).bio("co2e_unsplit", NATIONAL_FP[2024], FP_BASIS)
act("elec_cn_grid_footprint_2023", "Electricity, China national average, carbon footprint factor 2023 (life cycle, delivered)",
    "kWh", "CN", 2023, "electricity",
    f"{MEE_FP_2023}, national average 0.6205 kg CO2e/kWh (reference/factors.md §1.2, [V])",
    "cited-fact", "verified", "2025-01-17", (1, 2, 2)).bio("co2e_unsplit", NATIONAL_FP[2023], FP_BASIS)
act("elec_cn_td_incl_losses_2024", "Transmission and distribution of electricity, China, including losses (per kWh delivered)",
    "kWh", "CN", 2024, "electricity",
    f"{MEE_FP_2024}, T&D including losses 0.0327 kg CO2e/kWh (reference/factors.md §1.2, [V], zhb.org.cn)",
    "cited-fact", "verified", "2025-09-28", (2, 1, 2)).bio("co2e_unsplit", TD_INCL_LOSSES_2024, FP_BASIS)

# --- Guangdong delivered mix (docs/lcidb-default-data.md §3) -----------------------------------
# NBS Jan-May 2023 Guangdong generation by source, 亿kWh (factors.md §1.5.3, [S])
NBS_GD_2023_JANMAY = {"thermal": 1802.3, "hydro": 79.3, "nuclear": 491.6, "wind": 153.6, "solar": 30.1}
NBS_TOTAL = sum(NBS_GD_2023_JANMAY.values())  # 2556.9
THERMAL_SPLIT = {"coal": 0.70, "gas": 0.25, "biomass": 0.05}  # factors.md §1.5.4 [U]
INPROVINCE_2023 = {
    "coal": THERMAL_SPLIT["coal"] * NBS_GD_2023_JANMAY["thermal"] / NBS_TOTAL,
    "gas": THERMAL_SPLIT["gas"] * NBS_GD_2023_JANMAY["thermal"] / NBS_TOTAL,
    "biomass": THERMAL_SPLIT["biomass"] * NBS_GD_2023_JANMAY["thermal"] / NBS_TOTAL,
    "hydro": NBS_GD_2023_JANMAY["hydro"] / NBS_TOTAL,
    "nuclear": NBS_GD_2023_JANMAY["nuclear"] / NBS_TOTAL,
    "wind": NBS_GD_2023_JANMAY["wind"] / NBS_TOTAL,
    "pv": NBS_GD_2023_JANMAY["solar"] / NBS_TOTAL,
}
RECEIVED_SHARE_2023 = 0.25          # factors.md §1.5.1 model value [S/U]
RECEIVED_MIX_2023 = {"hydro": 0.75, "coal": 0.25}  # factors.md §1.5.2 working assumption [U]
# Loss factor 1/(1-L) = 1 + L/(1-L); L/(1-L) = (T&D incl. losses - excl. losses) / (national - T&D incl.)
LOSS_RATIO = (TD_INCL_LOSSES_2024 - TD_EXCL_LOSSES[2024]) / (NATIONAL_FP[2024] - TD_INCL_LOSSES_2024)
LOSS_FACTOR = 1.0 + LOSS_RATIO
# The busbar range 0.45-0.50 of factors.md §1.5.5 read as a 95 % interval of a lognormal
GRID_SIGMA = __import__("math").log(0.50 / 0.45) / (2 * 1.96)

GD_DQR = (2, 2, 2)
DERIVED_GD = "derived, not official (docs/lcidb-default-data.md §3)"

inprov = act("elec_cn_gd_inprovince_mix", "Electricity, Guangdong in-province generation mix, at busbar (derived, not official)",
             "kWh", "CN-GD", 2023, "electricity",
             "NBS Guangdong generation by source Jan-May 2023 (华经产业研究院 from NBS; reference/factors.md §1.5.3 [S]); "
             "thermal split 70 % coal / 25 % gas / 5 % biomass (§1.5.4 [U]); " + DERIVED_GD,
             "derived", "derived", "", GD_DQR)
for key, share in INPROVINCE_2023.items():
    inprov.tech(f"elec_cn_{key}", share, "kWh")

received = act("elec_cn_gd_received", "Electricity received by Guangdong from other provinces (西电东送), at busbar (derived, not official)",
               "kWh", "CN-South", 2023, "electricity",
               "Received-power mix 75 % hydro and other non-fossil / 25 % coal (reference/factors.md §1.5.2 working assumption, "
               "cross-checked with MEE 2023 CO2 factors of Yunnan/Guizhou/Guangxi); " + DERIVED_GD,
               "derived", "derived", "", (2, 2, 3))
for key, share in RECEIVED_MIX_2023.items():
    received.tech(f"elec_cn_{key}", share, "kWh")

act("elec_cn_gd_hv", "Electricity, Guangdong high-voltage market (in-province + received), at busbar (derived, not official)",
    "kWh", "CN-GD", 2023, "electricity",
    "Received power = 25 % of Guangdong consumption in 2023 (reference/factors.md §1.5.1: CSG 西电东送 ≈213 TWh/yr vs 850.2 TWh); "
    "exports to HK/Macau leave at the average mix; " + DERIVED_GD,
    "derived", "derived", "", GD_DQR
    ).tech("elec_cn_gd_inprovince_mix", 1 - RECEIVED_SHARE_2023, "kWh").tech("elec_cn_gd_received", RECEIVED_SHARE_2023, "kWh")

act("elec_cn_gd_grid", "Electricity, Guangdong delivered mix at the consumer (low voltage, incl. grid losses; life cycle; derived, not official)",
    "kWh", "CN-GD", 2023, "electricity",
    "Guangdong high-voltage market x loss factor 1 + (0.0327-0.0046)/(0.5777-0.0327) (grid losses inferred from MEE 2024 T&D "
    "factors, reference/factors.md §1.5.4) + T&D infrastructure 0.0036 (MEE 2023); " + DERIVED_GD,
    "derived", "derived", "", GD_DQR
    ).tech("elec_cn_gd_hv", LOSS_FACTOR, "kWh", sigma=fmt(GRID_SIGMA)).tech("elec_cn_td_infrastructure", 1.0, "kWh")


# --- residual mix ----------------------------------------------------------------------------------
MEE_CO2_NATIONAL_2023 = 0.5306
MEE_CO2_EXCL_MARKET_NONFOSSIL_2023 = 0.6096
TRACKED_SHARE = 1 - MEE_CO2_NATIONAL_2023 / MEE_CO2_EXCL_MARKET_NONFOSSIL_2023
ELIGIBLE = ("hydro", "wind", "pv", "biomass")  # renewable sources that carry green certificates (GEC); not nuclear


def hv_shares(inprovince: dict[str, float], received_share: float, received_mix: dict[str, float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, s in inprovince.items():
        out[key] = out.get(key, 0.0) + (1 - received_share) * s
    for key, s in received_mix.items():
        out[key] = out.get(key, 0.0) + received_share * s
    return out


def residual_shares(hv: dict[str, float]) -> dict[str, float]:
    eligible = sum(v for k, v in hv.items() if k in ELIGIBLE)
    removal = TRACKED_SHARE / eligible
    if not 0 < removal < 1:
        raise SystemExit(f"residual removal fraction {removal} out of range")
    return {k: v * (1 - (removal if k in ELIGIBLE else 0.0)) / (1 - TRACKED_SHARE) for k, v in hv.items()}


HV_2023 = hv_shares(INPROVINCE_2023, RECEIVED_SHARE_2023, RECEIVED_MIX_2023)
RESIDUAL_2023 = residual_shares(HV_2023)
resid = act("elec_cn_gd_residual_mix",
            "Electricity, Guangdong residual mix for market-based accounting (tracked renewable attributes removed; delivered; derived, not official)",
            "kWh", "CN-GD", 2023, "electricity_residual",
            "Guangdong delivered mix with the renewable (GEC-eligible: hydro, wind, PV, biomass) share removed that the MEE 2023 "
            "national factors imply was market-traded: 1 - 0.5306/0.6096 (reference/factors.md §1.1 [V]); "
            "docs/lcidb-default-data.md §4; derived, not official",
            "derived", "derived", "", (3, 2, 3))
for key in sorted(RESIDUAL_2023):
    resid.tech(f"elec_cn_{key}", LOSS_FACTOR * RESIDUAL_2023[key], "kWh")
resid.tech("elec_cn_td_infrastructure", 1.0, "kWh")

# --- MEE CO2-only factors (alternatives; category electricity_co2_only) --------------------------
MEE_CO2 = [
    ("elec_cn_gd_co2_2023", "Guangdong provincial grid average", "CN-GD", 2023, 0.4419, "", "[S] (2 transcriptions)",
     "MEE/NBS 2023 electricity CO2 emission factors announcement (关于发布2023年电力二氧化碳排放因子的公告)", (3, 2, 1)),
    ("elec_cn_gd_co2_2022", "Guangdong provincial grid average", "CN-GD", 2022, 0.4403, "2024-12-20", "[S] (2 transcriptions)",
     "MEE/NBS 2022 electricity CO2 emission factors announcement (dated 2024-12-20)", (3, 2, 1)),
    ("elec_cn_gd_co2_2021", "Guangdong provincial grid average", "CN-GD", 2021, 0.4715, "2024-04-12", "[S] (2 transcriptions)",
     "MEE/NBS 公告2024年第12号 (2024-04-12), 2021 electricity CO2 emission factors", (3, 3, 1)),
    ("elec_cn_south_co2_2023", "Southern grid region average", "CN-South", 2023, 0.4042, "", "[V]",
     "MEE/NBS 2023 electricity CO2 emission factors announcement", (3, 2, 2)),
    ("elec_cn_south_co2_2022", "Southern grid region average", "CN-South", 2022, 0.3869, "2024-12-20", "[V]",
     "MEE/NBS 2022 electricity CO2 emission factors announcement (dated 2024-12-20)", (3, 2, 2)),
    ("elec_cn_co2_2023", "national grid average", "CN", 2023, 0.5306, "", "[V]",
     "MEE/NBS 2023 electricity CO2 emission factors announcement", (3, 2, 2)),
    ("elec_cn_co2_2022", "national grid average", "CN", 2022, 0.5366, "2024-12-20", "[V]",
     "MEE/NBS 2022 electricity CO2 emission factors announcement (dated 2024-12-20)", (3, 2, 2)),
    ("elec_cn_co2_excl_traded_nonfossil_2023", "national average excluding market-traded non-fossil electricity", "CN", 2023,
     0.6096, "", "[V]", "MEE/NBS 2023 electricity CO2 emission factors announcement", (3, 2, 2)),
    ("elec_cn_co2_fossil_2023", "national fossil-fuel generation only", "CN", 2023, 0.8273, "", "[V]",
     "MEE/NBS 2023 electricity CO2 emission factors announcement", (3, 2, 2)),
]
for aid, what, geo, year, value, published, tag, src, dqr in MEE_CO2:
    act(aid, f"Electricity CO2 emission factor {year}, {what} (generation CO2 only, no CH4/N2O, no upstream)",
        "kWh", geo, year, "electricity_co2_only",
        f"{src}: {value} kg CO2/kWh (reference/factors.md §1.1, {tag})", "cited-fact", "verified", published, dqr
        ).bio("co2_fossil", value)

# --- Hong Kong, UK --------------------------------------------------------------------------------
act("elec_hk_default", "Electricity, Hong Kong territory-wide default grid factor", "kWh", "HK", 2010, "electricity",
    "EPD/EMSD Guidelines to Account for and Report on GHG Emissions for Buildings in Hong Kong (2010 ed.): 0.7 kg CO2e/kWh, "
    "as quoted by the Water Supplies Department Annual Report 2020/21 (reference/factors.md §1.3, [S])",
    "cited-fact", "verified", "", (3, 4, 1)).bio("co2e_unsplit", 0.7, "unstated (EPD/EMSD 2010 guidelines)")
act("elec_hk_hke_2019", "Electricity, HK Electric, CO2e per unit of electricity sold 2019", "kWh", "HK", 2019, "electricity",
    "HK Electric Investments Sustainability Report 2019: 0.81 kg CO2e/kWh sold (reference/factors.md §1.3, [S])",
    "cited-fact", "verified", "", (2, 3, 1)).bio("co2e_unsplit", 0.81, "unstated (HK Electric sustainability report)")
desnz_split_act("7_400_4000_5", "elec_gb_grid_generation", "Electricity generated, UK grid 2023 (cross-check only)", "kWh",
                "electricity", "GB", (2, 2, 1))

# ========================================================================================= FUELS
IPCC_SRC = ("IPCC 2006 Guidelines for National GHG Inventories, Vol. 2 Energy: CO2 Table 1.4, CH4/N2O Table 2.3 "
            "(stationary combustion, manufacturing industries and construction)")
# fuel key: (name, NCV GJ/t (Table 1.2), CO2 kg/TJ, CH4 kg/TJ, N2O kg/TJ)
IPCC_FUELS = {
    "diesel": ("Gas/diesel oil", 43.0, 74100, 3, 0.6),
    "residual_fuel_oil": ("Residual fuel oil", 40.4, 77400, 3, 0.6),
    "gasoline": ("Motor gasoline", 44.3, 69300, 3, 0.6),
    "kerosene": ("Other kerosene", 43.8, 71900, 3, 0.6),
    "lpg": ("Liquefied petroleum gas (LPG)", 47.3, 63100, 1, 0.1),
    "natural_gas": ("Natural gas", 48.0, 56100, 1, 0.1),
    "coal_bituminous": ("Other bituminous coal", 25.8, 94600, 10, 1.5),
    "coal_anthracite": ("Anthracite", 26.7, 98300, 10, 1.5),
}
for key, (label, ncv, co2, ch4, n2o) in IPCC_FUELS.items():
    act(f"fuel_{key}_combustion_gj", f"{label}, stationary combustion, per GJ (net calorific value), IPCC 2006 default",
        "GJ", "GLO", 2006, "fuel",
        f"{IPCC_SRC}: CO2 {co2} kg/TJ, CH4 {ch4} kg/TJ, N2O {n2o} kg/TJ (reference/factors.md §2.1, [S])",
        "cited-fact", "verified", "", (2, 3, 3)
        ).bio("co2_fossil", co2 / 1000).bio("ch4_fossil", ch4 / 1000).bio("n2o", n2o / 1000)
    act(f"fuel_{key}_combustion_t", f"{label}, stationary combustion, per tonne of fuel, IPCC 2006 default",
        "t", "GLO", 2006, "fuel",
        f"IPCC 2006 Vol. 2 Table 1.2 default NCV {ncv} GJ/t x the per-GJ factors of Tables 1.4/2.3 "
        f"(reference/factors.md §2.1, [S])",
        "cited-fact", "verified", "", (2, 3, 3)).tech(f"fuel_{key}_combustion_gj", ncv, "GJ")

CN_NG_NCV_GJ_PER_NM3 = 389.31 / 1e4  # GB/T 32150-2015 Annex A: 389.31 GJ per 10^4 Nm3 (factors.md §2.2 [S])
act("fuel_natural_gas_combustion_nm3", "Natural gas, stationary combustion, per Nm3 (China default NCV x IPCC 2006 factors)",
    "Nm3", "CN", 2015, "fuel",
    "China default NCV of natural gas 389.31 GJ/10^4 Nm3 (GB/T 32150-2015 Annex A, reference/factors.md §2.2 [S]) x "
    "IPCC 2006 per-GJ factors (fuel_natural_gas_combustion_gj); docs/lcidb-default-data.md §5",
    "derived", "derived", "", (2, 3, 2)).tech("fuel_natural_gas_combustion_gj", CN_NG_NCV_GJ_PER_NM3, "GJ")

# DESNZ fuels: combustion with the gas split (as masses) + the well-to-tank supply chain as a separate input
DESNZ_FUELS = [
    # (prefix, wtt id, our id stem, name, unit)
    ("1_101_1012_8", "11_101_1012_8_1", "diesel_desnz_l", "Diesel (100 % mineral)", "L"),
    ("1_101_1012_15", "11_101_1012_15_1", "diesel_desnz_t", "Diesel (100 % mineral)", "t"),
    ("1_100_1004_1", "11_100_1004_1_1", "natural_gas_desnz_m3", "Natural gas", "m3"),
    ("1_100_1004_7", "11_100_1004_7_1", "natural_gas_desnz_kwh", "Natural gas, per kWh (net CV)", "kWh"),
    ("1_100_1003_15", "11_100_1003_15_1", "lpg_desnz_t", "LPG", "t"),
    ("1_101_1013_15", "11_101_1013_15_1", "residual_fuel_oil_desnz_t", "Fuel oil (residual)", "t"),
    ("1_101_1018_8", "11_101_1018_8_1", "petrol_desnz_l", "Petrol (100 % mineral)", "L"),
    ("1_102_1025_15", "11_102_1025_15_1", "coal_industrial_desnz_t", "Coal (industrial)", "t"),
]
for prefix, wtt_id, stem, label, unit in DESNZ_FUELS:
    supply = desnz_total_act(wtt_id, f"fuel_{stem}_supply", f"{label}, well-to-tank supply chain (upstream)", unit, 1,
                             "fuel", "GB", (2, 2, 4))
    desnz_split_act(prefix, f"fuel_{stem}", f"{label}, combustion incl. well-to-tank supply", unit, "fuel", "GB",
                    (2, 2, 4)).tech(supply.id, 1.0, unit)

# ===================================================================================== MATERIALS
MAT = [
    # (DESNZ ID, our id, name, dqr)
    ("19_504_5116_15_1", "mat_steel_bf_bof", "Steel, primary (BF-BOF route proxy: DESNZ steel cans, primary material production)", (3, 2, 4)),
    ("19_504_5119_15_1", "mat_steel_eaf", "Steel, scrap-based (EAF route proxy: DESNZ steel cans, closed-loop recycled source)", (3, 2, 4)),
    ("19_504_5104_15_1", "mat_aluminium_primary_desnz", "Aluminium, primary (DESNZ aluminium cans and foil excl. forming, primary production)", (2, 2, 4)),
    ("19_504_5107_15_1", "mat_aluminium_recycled", "Aluminium, recycled (DESNZ aluminium cans and foil, closed-loop recycled source)", (2, 2, 4)),
    ("19_504_5112_15_1", "mat_scrap_metal_mix", "Metals, mixed (DESNZ scrap metal, primary material production)", (3, 2, 4)),
    ("19_500_5020_15_1", "mat_concrete", "Concrete (DESNZ construction: concrete, primary material production)", (2, 2, 4)),
    ("19_501_5056_15_1", "mat_glass", "Glass, primary (DESNZ glass, primary material production)", (2, 2, 4)),
    ("19_501_5059_15_1", "mat_glass_recycled", "Glass, recycled (DESNZ glass, closed-loop recycled source)", (2, 2, 4)),
    ("19_505_5144_15_1", "mat_pp", "Polypropylene (PP), incl. forming (DESNZ)", (2, 2, 4)),
    ("19_505_5147_15_1", "mat_pp_recycled", "Polypropylene (PP), recycled, incl. forming (DESNZ closed-loop source)", (2, 2, 4)),
    ("19_505_5132_15_1", "mat_hdpe", "High-density polyethylene (HDPE), incl. forming (DESNZ)", (2, 2, 4)),
    ("19_505_5135_15_1", "mat_hdpe_recycled", "HDPE, recycled, incl. forming (DESNZ closed-loop source)", (2, 2, 4)),
    ("19_505_5136_15_1", "mat_ldpe", "LDPE and LLDPE, incl. forming (DESNZ)", (2, 2, 4)),
    ("19_505_5139_15_1", "mat_ldpe_recycled", "LDPE and LLDPE, recycled, incl. forming (DESNZ closed-loop source)", (2, 2, 4)),
    ("19_505_5140_15_1", "mat_pet", "Polyethylene terephthalate (PET), incl. forming (DESNZ)", (2, 2, 4)),
    ("19_505_5143_15_1", "mat_pet_recycled", "PET, recycled, incl. forming (DESNZ closed-loop source)", (2, 2, 4)),
    ("19_505_5152_15_1", "mat_pvc", "Polyvinyl chloride (PVC), incl. forming (DESNZ)", (2, 2, 4)),
    ("19_505_5148_15_1", "mat_ps", "Polystyrene (PS), incl. forming (DESNZ)", (2, 2, 4)),
    ("19_505_5120_15_1", "mat_plastics_average", "Plastics, average (DESNZ average plastics, primary material production)", (3, 2, 4)),
    ("19_505_5124_15_1", "mat_plastic_film", "Plastic film, average (DESNZ average plastic film)", (2, 2, 4)),
    ("19_505_5128_15_1", "mat_plastic_rigid", "Plastic, rigid, average (DESNZ average plastic rigid)", (2, 2, 4)),
    ("19_506_5156_15_1", "mat_board", "Paperboard / cardboard (DESNZ paper and board: board, primary)", (2, 2, 4)),
    ("19_506_5159_15_1", "mat_board_recycled", "Paperboard, recycled (DESNZ paper and board: board, closed-loop source)", (2, 2, 4)),
    ("19_506_5164_15_1", "mat_paper", "Paper (DESNZ paper and board: paper, primary)", (2, 2, 4)),
    ("19_506_5167_15_1", "mat_paper_recycled", "Paper, recycled (DESNZ paper and board: paper, closed-loop source)", (2, 2, 4)),
    ("19_501_5060_15_1", "mat_textile_clothing", "Textiles, clothing (DESNZ clothing, primary material production)", (3, 2, 4)),
    ("19_503_5084_15_1", "mat_electrical_it", "Electrical items, IT (DESNZ, per kg of product)", (3, 2, 4)),
    ("19_503_5088_15_1", "mat_electrical_small", "Electrical items, small (DESNZ, per kg of product)", (3, 2, 4)),
    ("19_503_5080_15_1", "mat_electrical_large", "Electrical items, large (DESNZ, per kg of product)", (3, 2, 4)),
    ("19_503_5096_15_1", "mat_battery_li_ion", "Batteries, Li-ion (DESNZ, per kg of battery)", (3, 2, 4)),
    ("19_500_5048_15_1", "mat_wood", "Wood (DESNZ construction: wood, primary material production)", (2, 2, 4)),
    ("19_500_5044_15_1", "mat_tyres", "Tyres (DESNZ construction: tyres, primary material production)", (2, 2, 4)),
]
for id_, aid, name, dqr in MAT:
    desnz_total_act(id_, aid, name, "kg", 1000, "material", "GB", dqr)

# ABS and polyester/cotton: no open factor (factors.md §8.3); explicit proxies, shown as such in the name
act("mat_abs", "ABS (proxy: DESNZ average plastics; no open ABS factor found)", "kg", "GB", 2023, "material",
    "Proxy choice (reference/factors.md §6 seed row mat_plastics_avg_desnz, §8.3): 1 kg of mat_plastics_average",
    "derived", "derived", "", (4, 2, 4)).tech("mat_plastics_average", 1.0, "kg")
act("mat_polyester_fibre", "Polyester (PET) fibre (proxy: DESNZ PET incl. forming)", "kg", "GB", 2023, "material",
    "Proxy choice: polyester is PET; 1 kg of mat_pet (DESNZ PET incl. forming); fibre spinning not included",
    "derived", "derived", "", (3, 2, 4)).tech("mat_pet", 1.0, "kg")
act("mat_cotton_textile", "Cotton textile (proxy: DESNZ clothing, primary material production)", "kg", "GB", 2023, "material",
    "Proxy choice: 1 kg of mat_textile_clothing (DESNZ clothing); no open cotton-specific factor found",
    "derived", "derived", "", (4, 2, 4)).tech("mat_textile_clothing", 1.0, "kg")

act("mat_aluminium_primary", "Aluminium, primary ingot, global average cradle-to-gate (mining to cast, incl. electricity and PFCs)",
    "kg", "GLO", 2022, "material",
    "International Aluminium Institute, 2022 data released Feb 2024: 15.1 t CO2e/t (reference/factors.md §3.2, [V])",
    "cited-fact", "verified", "", (2, 2, 3)).bio("co2e_unsplit", 15.1, "unstated (IAI)")
act("mat_steel_world_average", "Steel, crude, global average CO2 intensity (all routes)", "kg", "GLO", 2022, "material",
    "worldsteel Sustainability Indicators 2023 press release (2023-11-07): 1.91 t CO2/t crude steel cast (reference/factors.md §3.2, [V])",
    "cited-fact", "verified", "2023-11-07", (3, 2, 3)).bio("co2e_unsplit", 1.91, "CO2-only")
for aid, route, value in [("mat_steel_bf_bof_worldsteel", "BF-BOF", 2.3), ("mat_steel_eaf_scrap_worldsteel", "scrap-EAF", 0.7),
                          ("mat_steel_dri_eaf_worldsteel", "DRI-EAF", 1.4)]:
    act(aid, f"Steel, {route} route, global CO2 intensity (approximate)", "kg", "GLO", 2022, "material",
        f"worldsteel route figures, about {value} t CO2/t; not retrieved (reference/factors.md §3.2, [U])",
        "cited-fact", "unverified", "", (2, 3, 3)).bio("co2e_unsplit", value, "CO2-only")
act("mat_copper_cathode", "Copper cathode, global (approximate)", "kg", "GLO", 2013, "material",
    "ICA Copper Environmental Profile (data year 2013), about 4 kg CO2e/kg; number not retrieved (reference/factors.md §3.2, [U])",
    "cited-fact", "unverified", "", (2, 4, 3)).bio("co2e_unsplit", 4.0, "unstated (ICA)")
act("mat_clinker_calcination", "Cement clinker, calcination process CO2 only", "kg", "GLO", 2006, "material",
    "IPCC 2006 Vol. 3 Ch. 2 default 0.52 t CO2/t clinker (from memory, reference/factors.md §3.2, [U])",
    "cited-fact", "unverified", "", (3, 3, 3)).bio("co2_fossil", 0.52)

# ===================================================================================== PACKAGING
PACK = [
    ("pack_corrugated_box", "Corrugated board box (board material only; converting not included)", "mat_board"),
    ("pack_plastic_film", "Plastic packaging film (material incl. forming)", "mat_plastic_film"),
    ("pack_pet_bottle", "PET bottle (material incl. forming)", "mat_pet"),
    ("pack_glass_container", "Glass container (material only)", "mat_glass"),
    ("pack_steel_can", "Steel can (material)", "mat_steel_bf_bof"),
    ("pack_aluminium_can_foil", "Aluminium can or foil (material excl. forming)", "mat_aluminium_primary_desnz"),
    ("pack_wood_pallet", "Wooden pallet (wood material only)", "mat_wood"),
    ("pack_paper", "Paper packaging (material only)", "mat_paper"),
]
for aid, name, material in PACK:
    act(aid, name, "kg", "GB", 2023, "packaging",
        f"1 kg of {material} per kg of packaging (material-only packaging item; docs/lcidb-default-data.md §6)",
        "derived", "derived", "", (3, 2, 4)).tech(material, 1.0, "kg")

# ===================================================================================== TRANSPORT
FREIGHT = [
    # (split prefix or total id, split?, wtt id, our id, name, geography)
    ("27_304_3140_14", True, "28_907_3140_14_1", "freight_truck", "Freight, truck (HGV all diesel, all HGVs, average laden)", "GB"),
    ("27_304_3132_14", True, "28_907_3132_14_1", "freight_truck_articulated", "Freight, articulated truck > 33 t (diesel, average laden)", "GB"),
    ("27_315_3151_14", True, "28_911_3151_14_1", "freight_rail", "Freight, rail (freight train)", "GB"),
    ("27_320_3235_14", True, "28_916_3235_14_1", "freight_sea_container", "Freight, sea, container ship (average)", "GLO"),
    ("27_320_3229_14", True, "28_916_3229_14_1", "freight_sea_container_8000teu", "Freight, sea, container ship 8000+ TEU", "GLO"),
    ("27_320_3221_14", True, "28_916_3221_14_1", "freight_sea_bulk", "Freight, sea, bulk carrier (average)", "GLO"),
    ("27_317_3159_14", True, "28_913_3159_14_1", "freight_air", "Freight, air, international (without radiative forcing)", "GLO"),
    ("27_317_3158_14_1", False, "28_913_3158_14_1", "freight_air_rf", "Freight, air, international (with radiative forcing uplift)", "GLO"),
]
for key, split, wtt, aid, name, geo in FREIGHT:
    supply = desnz_total_act(wtt, f"{aid}_wtt", f"{name}: fuel well-to-tank supply", "tkm", 1, "transport", geo, (2, 2, 4))
    if split:
        a = desnz_split_act(key, aid, f"{name}, tank-to-wheel + well-to-tank", "tkm", "transport", geo, (2, 2, 4))
    else:
        # the "with RF" CO2 column carries the radiative-forcing uplift: not a CO2 mass, so total only
        a = desnz_total_act(key, aid, f"{name}, tank-to-wheel + well-to-tank", "tkm", 1, "transport", geo, (2, 2, 4))
    a.tech(supply.id, 1.0, "tkm")

# =================================================================================== END OF LIFE
EOL_DESNZ = [
    ("20_505_5383_15_1", "eol_landfill_plastic", "Landfill of plastic waste (DESNZ average plastics, landfill)"),
    ("20_506_5446_15_1", "eol_landfill_paper_board", "Landfill of paper and board waste (DESNZ board, landfill; incl. landfill methane)"),
    ("20_504_5376_15_1", "eol_landfill_metal", "Landfill of metal waste (DESNZ steel cans, landfill)"),
    ("20_501_5271_15_1", "eol_landfill_glass", "Landfill of glass waste (DESNZ glass, landfill)"),
    ("20_501_5278_15_1", "eol_landfill_textile", "Landfill of textile waste (DESNZ clothing, landfill)"),
    ("20_507_5313_15_1", "eol_landfill_commercial_waste", "Landfill of commercial and industrial waste (DESNZ)"),
    ("20_506_5444_15_1", "eol_incineration_paper_board", "Incineration of paper and board (DESNZ combustion: collection and processing; biogenic CO2 not counted, as in DESNZ)"),
    ("20_505_5381_15_1", "eol_waste_handling_incineration", "Collection and handling of waste sent to incineration (DESNZ average plastics, combustion row)"),
    ("20_505_5380_15_1", "eol_waste_handling_recycling", "Collection and handling of waste sent to closed-loop recycling (DESNZ average plastics, closed-loop row)"),
]
for id_, aid, name in EOL_DESNZ:
    desnz_total_act(id_, aid, name, "kg", 1000, "end_of_life", "GB", (3, 2, 4))

# stoichiometric fossil CO2 of burning pure polymers (complete oxidation), docs §7
ATOMIC = {"C": 12.011, "H": 1.008, "O": 15.999, "Cl": 35.45}
M_CO2 = 12.011 + 2 * 15.999


def co2_per_kg(formula: dict[str, int]) -> float:
    mass = sum(ATOMIC[el] * n for el, n in formula.items())
    return formula["C"] * M_CO2 / mass


POLYMERS = [
    ("eol_incineration_pe_pp", "Incineration of PE or PP waste (fossil CO2 from complete oxidation) + waste handling", {"C": 2, "H": 4}, "(C2H4)n / (C3H6)n, same C fraction"),
    ("eol_incineration_pet", "Incineration of PET waste (fossil CO2 from complete oxidation) + waste handling", {"C": 10, "H": 8, "O": 4}, "(C10H8O4)n"),
    ("eol_incineration_ps", "Incineration of PS waste (fossil CO2 from complete oxidation) + waste handling", {"C": 8, "H": 8}, "(C8H8)n"),
    ("eol_incineration_pvc", "Incineration of PVC waste (fossil CO2 from complete oxidation) + waste handling", {"C": 2, "H": 3, "Cl": 1}, "(C2H3Cl)n"),
]
for aid, name, formula, text in POLYMERS:
    act(aid, name, "kg", "GLO", 2023, "end_of_life",
        f"Stoichiometry of {text}: kg CO2/kg = n_C x 44.009 / molar mass (IUPAC standard atomic weights), 100 % oxidation "
        "(no energy-recovery credit); + DESNZ 2023 waste-handling row (eol_waste_handling_incineration); docs/lcidb-default-data.md §7",
        "derived", "derived", "", (2, 2, 3)
        ).bio("co2_fossil", co2_per_kg(formula)).tech("eol_waste_handling_incineration", 1.0, "kg")

RECYCLING = [
    ("eol_recycling_aluminium", "aluminium", "mat_aluminium_primary_desnz", "mat_aluminium_recycled"),
    ("eol_recycling_steel", "steel", "mat_steel_bf_bof", "mat_steel_eaf"),
    ("eol_recycling_pet", "PET", "mat_pet", "mat_pet_recycled"),
    ("eol_recycling_pp", "PP", "mat_pp", "mat_pp_recycled"),
    ("eol_recycling_hdpe", "HDPE", "mat_hdpe", "mat_hdpe_recycled"),
    ("eol_recycling_board", "paperboard", "mat_board", "mat_board_recycled"),
    ("eol_recycling_paper", "paper", "mat_paper", "mat_paper_recycled"),
    ("eol_recycling_glass", "glass", "mat_glass", "mat_glass_recycled"),
]
for aid, label, primary, secondary in RECYCLING:
    act(aid, f"Recycling of {label} waste with avoided-burden credit (1 kg recycled replaces 1 kg primary)", "kg", "GB", 2023,
        "end_of_life",
        f"Collection/handling (DESNZ closed-loop waste row) + production of 1 kg {secondary} - 1 kg {primary} avoided "
        "(credit_type recycling_credit; 1:1 substitution, no quality loss); docs/lcidb-default-data.md §8",
        "derived", "derived", "", (3, 2, 4)
        ).tech("eol_waste_handling_recycling", 1.0, "kg").tech(secondary, 1.0, "kg").tech(
        primary, -1.0, "kg", credit="recycling_credit")


# ====================================================================================== SCENARIOS
def scenario_rows(inprovince_twh: dict[str, float], received_twh: dict[str, float]) -> list[tuple]:
    """Overlay rows for a 2030 supply balance in TWh (factors.md §1.5.7), with 2024 by-source factors."""
    gen_total = sum(inprovince_twh.values())
    rec_total = sum(received_twh.values())
    supply = gen_total + rec_total
    rows: list[tuple] = []
    for key, value in FP2024.items():
        rows.append((f"elec_cn_{key}", "co2e_unsplit", fmt(value), "kg", "biosphere", "", FP_BASIS, ""))
    rows.append(("elec_cn_td_infrastructure", "co2e_unsplit", fmt(TD_EXCL_LOSSES[2024]), "kg", "biosphere", "", FP_BASIS, ""))
    inprov_shares = {k: v / gen_total for k, v in inprovince_twh.items()}
    rec_mix = {k: v / rec_total for k, v in received_twh.items()}
    for key, share in inprov_shares.items():
        rows.append(("elec_cn_gd_inprovince_mix", f"elec_cn_{key}", fmt(share), "kWh", "technosphere", "", "", ""))
    for key, share in rec_mix.items():
        rows.append(("elec_cn_gd_received", f"elec_cn_{key}", fmt(share), "kWh", "technosphere", "", "", ""))
    rows.append(("elec_cn_gd_hv", "elec_cn_gd_inprovince_mix", fmt(gen_total / supply), "kWh", "technosphere", "", "", ""))
    rows.append(("elec_cn_gd_hv", "elec_cn_gd_received", fmt(rec_total / supply), "kWh", "technosphere", "", "", ""))
    residual = residual_shares(hv_shares(inprov_shares, rec_total / supply, rec_mix))
    for key in sorted(residual):
        rows.append(("elec_cn_gd_residual_mix", f"elec_cn_{key}", fmt(LOSS_FACTOR * residual[key]), "kWh", "technosphere", "", "", ""))
    # sources absent from the base residual mix get amount 0 rows replaced, others are added
    return rows


# Scenario A "plan floor" (factors.md §1.5.7), TWh
DEMAND_2030 = 1188.0
EXPORTS = 18.0
RECEIVED_A = {"hydro": 210.0, "coal": 54.0}   # 55 GW x 4,800 h = 264; 79.5 % clean
NUCLEAR = 176.2
HYDRO_IN = 20.0
BIOMASS = 25.0
GAS = 162.5


def inprovince_2030(received_total: float, wind: float, pv: float) -> dict[str, float]:
    gen = DEMAND_2030 - received_total + EXPORTS
    coal = gen - NUCLEAR - wind - pv - HYDRO_IN - BIOMASS - GAS
    return {"coal": coal, "gas": GAS, "biomass": BIOMASS, "hydro": HYDRO_IN, "nuclear": NUCLEAR, "wind": wind, "pv": pv}


SCENARIOS = {
    # plan floor: wind 67.2 offshore + 12.0 onshore, PV 44.0
    "gd-2030-targets": (inprovince_2030(264.0, 79.2, 44.0), RECEIVED_A),
    # trend: wind 89.6 + 16.0, PV 90.0
    "gd-2030-trend": (inprovince_2030(264.0, 105.6, 90.0), RECEIVED_A),
    # high import: the 55 GW of 西电东送 lines at 5,800 h (top of the 4,400-5,800 h range), same clean share as A
    "gd-2030-high-import": (inprovince_2030(55 * 5.8, 79.2, 44.0),
                            {"hydro": 55 * 5.8 * (45 * 0.75 + 10) / 55, "coal": 55 * 5.8 * (1 - (45 * 0.75 + 10) / 55)}),
}


# ========================================================================================= WRITE
def write_csv(path: Path, header: tuple[str, ...], rows: list[tuple]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def main() -> None:
    activity_rows = []
    exchange_rows = []
    for a in ACTS:
        dqr = tuple("" if d is None else f"{d:g}" for d in (a.dqr or (None, None, None)))
        activity_rows.append((a.id, a.name, a.unit, a.geography, a.year, a.category, a.source, a.licence, a.status,
                              a.published, *dqr, DATASETS.get(a.id, "")))
        exchange_rows.extend(a.exchanges)
    unknown = set(DATASETS) - {a.id for a in ACTS}
    if unknown:
        raise SystemExit(f"DATASETS names activities that do not exist: {sorted(unknown)}")
    write_csv(OUT / "activities.csv", ACTIVITY_COLUMNS, activity_rows)
    write_csv(OUT / "exchanges.csv", EXCHANGE_COLUMNS, exchange_rows)
    for name, (inprovince, received_twh) in SCENARIOS.items():
        write_csv(OUT / "scenarios" / name / "exchanges.csv", EXCHANGE_COLUMNS, scenario_rows(inprovince, received_twh))
    print(f"{len(activity_rows)} activities, {len(exchange_rows)} exchanges, {len(SCENARIOS)} scenarios -> {OUT}")


if __name__ == "__main__":
    main()
