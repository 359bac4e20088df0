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
    "published", "dqr_technological", "dqr_temporal", "dqr_geographical", "dataset", "source_figure", "source_unit",
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
    # (figure as printed, unit as printed): tests/lcidb/test_default_data.py re-derives the amount from it
    figure: tuple[str, str] | None = None

    def quote(self, figure: str, unit: str) -> "Act":
        self.figure = (figure, unit)
        return self

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
        "cited-fact", "verified", "2025-01-17", (1, 2, 2)).bio("co2e_unsplit", FP2023[key], FP_BASIS).quote(
        f"{FP2023[key]}", "kg CO2e/kWh")

act("elec_cn_td_infrastructure", "Transmission and distribution of electricity, China, excluding losses (per kWh delivered)",
    "kWh", "CN", 2023, "electricity",
    f"{MEE_FP_2023}, T&D excluding losses: 0.0036 kg CO2e/kWh (reference/factors.md §1.2, [V])",
    "cited-fact", "verified", "2025-01-17", (2, 2, 2)).bio("co2e_unsplit", TD_EXCL_LOSSES[2023], FP_BASIS).quote(
    "0.0036", "kg CO2e/kWh")

act("elec_cn_grid_footprint", "Electricity, China national average, carbon footprint factor (life cycle, delivered)",
    "kWh", "CN", 2024, "electricity",
    f"{MEE_FP_2024}, national average 0.5777 kg CO2e/kWh (reference/factors.md §1.2, [V])",
    "cited-fact", "verified", "2025-09-28", (1, 1, 2)).bio("co2e_unsplit", NATIONAL_FP[2024], FP_BASIS).quote(
    "0.5777", "kg CO2e/kWh")
act("elec_cn_grid_footprint_2023", "Electricity, China national average, carbon footprint factor 2023 (life cycle, delivered)",
    "kWh", "CN", 2023, "electricity",
    f"{MEE_FP_2023}, national average 0.6205 kg CO2e/kWh (reference/factors.md §1.2, [V])",
    "cited-fact", "verified", "2025-01-17", (1, 2, 2)).bio("co2e_unsplit", NATIONAL_FP[2023], FP_BASIS).quote(
    "0.6205", "kg CO2e/kWh")
act("elec_cn_td_incl_losses_2024", "Transmission and distribution of electricity, China, including losses (per kWh delivered)",
    "kWh", "CN", 2024, "electricity",
    f"{MEE_FP_2024}, T&D including losses 0.0327 kg CO2e/kWh (reference/factors.md §1.2, [V], zhb.org.cn)",
    "cited-fact", "verified", "2025-09-28", (2, 1, 2)).bio("co2e_unsplit", TD_INCL_LOSSES_2024, FP_BASIS).quote(
    "0.0327", "kg CO2e/kWh")

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

# Not 2/2/2: the thermal split and the received-power mix are [U] assumptions (technological 3), and
# January-May shares stand for the whole year with 2023 factors (temporal 3); provincial mix built
# from national by-source factors (geographical 2). docs/lcidb-default-data.md §1.4
GD_DQR = (3, 3, 2)
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
               "derived", "derived", "", (3, 3, 3))
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
            "derived", "derived", "", (3, 3, 3))
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
        ).bio("co2_fossil", value).quote(f"{value}", "kg CO2/kWh")

# --- Hong Kong, Macao, UK ------------------------------------------------------------------------
# Hong Kong has two supply areas with their own utility and fuel mix; the label rules map a site's region
# to one of them. Latest per-unit-sold figures found: 2019 for both (reference/factors.md §1.3, §9; the
# 2021-2024 figures were searched for and not found).
act("elec_hk_default", "Electricity, Hong Kong territory-wide default grid factor (EPD/EMSD 2010 guidelines)", "kWh", "HK",
    2010, "electricity",
    "EPD/EMSD Guidelines to Account for and Report on GHG Emissions for Buildings in Hong Kong (2010 ed.): 0.7 kg CO2e/kWh, "
    "as quoted by the Water Supplies Department Annual Report 2020/21 (reference/factors.md §1.3, [S])",
    "cited-fact", "verified", "", (3, 4, 1)).bio("co2e_unsplit", 0.7, "unstated (EPD/EMSD 2010 guidelines)").quote(
    "0.7", "kg CO2e/kWh")
act("elec_hk_clp_grid", "Electricity, Hong Kong, CLP Power supply area, CO2 per unit of electricity sold, 2019 "
    "(CO2 only, no upstream)", "kWh", "HK", 2019, "electricity",
    "CLP release 'CLP on Track for Further Carbon Intensity Reductions' (18 May 2020, on the 2019 Sustainability Report), "
    "repost at justmeans.com: 'the carbon intensity of the electricity sold by CLP Power Hong Kong decreased to 0.49kg "
    "CO2/kWh' (2019; reference/factors.md §9, [S])",
    "cited-fact", "verified", "2020-05-18", (3, 3, 1)).bio("co2e_unsplit", 0.49, "CO2-only").quote("0.49", "kg CO2/kWh")
act("elec_hk_hke_grid", "Electricity, Hong Kong, HK Electric supply area (Hong Kong Island, Lamma), CO2e per unit of "
    "electricity sold, 2019", "kWh", "HK", 2019, "electricity",
    "HK Electric Investments Sustainability Report 2019, p. 73: 'CO2e per electricity unit sold kg/kWh 0.79 0.8 0.81' "
    "(2017-2019; tables extracted at esg.hkubs.ai; reference/factors.md §1.3 and §9, [S])",
    "cited-fact", "verified", "2020-04-02", (2, 3, 1)).bio("co2e_unsplit", 0.81, "unstated (HK Electric sustainability report)"
                                                          ).quote("0.81", "kg CO2e/kWh")

# Macao (docs/lcidb-default-data.md §3.3): supply shares 2024 (CEM Annual Report 2024 via Macau Daily Times,
# reference/factors.md §9 [S]): imports from China Southern Power Grid (Guangdong) 88.24 %, local generation 8.62 %,
# refuse incineration 3.1 %; normalised by their printed sum 99.96 %.
MACAO_SHARES_2024 = {"imported": 88.24, "local": 8.62, "incineration": 3.1}
MACAO_TOTAL = sum(MACAO_SHARES_2024.values())
macao = act("elec_mo_grid", "Electricity, Macao delivered mix 2024 (imports at the Guangdong busbar mix + local generation; "
            "derived, not official)", "kWh", "MO", 2024, "electricity",
            "Macao supply 2024: 88.24 % imported from China Southern Power Grid, 8.62 % local generation, 3.1 % refuse "
            "incineration (CEM Annual Report 2024 via Macau Daily Times, reference/factors.md §9 [S]); imports at "
            "elec_cn_gd_hv; local generation assumed gas-fired at the China gas-fired footprint factor [U]; incineration at "
            "the China biomass factor (fossil waste carbon not counted) [U]; Guangdong loss factor and MEE T&D "
            "infrastructure [U]; docs/lcidb-default-data.md §3.3; derived, not official",
            "derived", "derived", "", (3, 3, 3))
macao.tech("elec_cn_gd_hv", LOSS_FACTOR * MACAO_SHARES_2024["imported"] / MACAO_TOTAL, "kWh")
macao.tech("elec_cn_gas", LOSS_FACTOR * MACAO_SHARES_2024["local"] / MACAO_TOTAL, "kWh")
macao.tech("elec_cn_biomass", LOSS_FACTOR * MACAO_SHARES_2024["incineration"] / MACAO_TOTAL, "kWh")
macao.tech("elec_cn_td_infrastructure", 1.0, "kWh")
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
    # steel cans, as DESNZ names them: packaging steel, not a steelmaking route (docs §6.1)
    ("19_504_5116_15_1", "mat_steel_cans_primary", "Steel cans, primary material production, UK (DESNZ)", (2, 2, 4)),
    ("19_504_5119_15_1", "mat_steel_cans_recycled", "Steel cans, closed-loop recycled source, UK (DESNZ)", (2, 2, 4)),
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

# Proxies: a value borrowed from another product, route or region. Status `proxy`, "proxy" in the name,
# the borrowed activity as their only input, and a DQR that shows what was borrowed (docs §6.4).
def proxy(aid: str, name: str, geography: str, year: int, borrowed: str, why: str, dqr: tuple[float, float, float],
          amount: float = 1.0, unit: str = "kg", category: str = "material") -> Act:
    return act(aid, name, unit, geography, year, category,
               f"Proxy: {amount:g} {unit} of {borrowed} per {unit}; {why}; docs/lcidb-default-data.md §6.4",
               "derived", "proxy", "", dqr).tech(borrowed, amount, unit)


def cited(aid: str, name: str, geography: str, year: int, source: str, published: str, dqr: tuple[float, float, float],
          figure: str, figure_unit: str, amount: float, gwp_basis: str, unit: str = "kg", flow: str = "co2e_unsplit",
          category: str = "material") -> Act:
    """One published figure, as printed (`figure`, `figure_unit`), and the amount per `unit` derived from it."""
    return act(aid, name, unit, geography, year, category, source, "cited-fact", "verified", published, dqr).bio(
        flow, amount, gwp_basis).quote(figure, figure_unit)


MATERIALS_MD = "reference/materials.md"

# ABS and polyester/cotton: no open factor (factors.md §8.3); explicit proxies, shown as such in the name
proxy("mat_abs", "ABS, UK (proxy: DESNZ average plastics; no open ABS factor found)", "GB", 2023, "mat_plastics_average",
      "no open ABS factor (reference/factors.md §8.3; materials.md §4: none found)", (4, 2, 4))
proxy("mat_polyester_fibre", "Polyester (PET) staple fibre (proxy: Southeast Asia virgin PET staple fibre, c. 2024, cradle-to-gate)", "SE-Asia", 2024,
      "mat_polyester_staple_fibre_sea", "no China virgin polyester fibre figure found (materials.md §5d)", (2, 3, 3))
proxy("mat_cotton_textile", "Cotton textile (proxy: DESNZ clothing, UK, primary material production)", "GB", 2023,
      "mat_textile_clothing", "no open cotton yarn or fabric factor found (materials.md §5d)", (4, 2, 4))

# ---- steel (docs §6.1) -----------------------------------------------------------------------------
cited("mat_steel_cn_industry_2019",
      "Steel, China iron and steel industry average (all routes and products), 2019, life-cycle CO2 (raw materials, "
      "production, transport)", "CN", 2019,
      "Song, Du, Deng et al., 'Carbon emissions in China's steel industry from a life cycle perspective: Carbon footprint "
      "insights', Journal of Environmental Sciences (2025) 650-664, abstract: 'the CO2 emission intensity of the steel "
      "industry was 2.33 ton CO2/ton' (data year 2019; attribution of the abstract to the paper is the reference's "
      f"inference; {MATERIALS_MD} §1)", "", (3, 3, 1), "2.33", "ton CO2/ton", 2.33, "CO2-only")
cited("mat_steel_bf_bof",
      "Steel, BF-BOF route, China, one integrated mill (Y mill), 2015, life-cycle CO2 (worldsteel LCA method, incl. "
      "upstream materials and energy)", "CN", 2015,
      "钢铁工业二氧化碳排放计算方法实例研究 (Case study on calculation method of CO2 emission in iron and steel industry), "
      "doi:10.13264/j.cnki.ysjskx.2019.01.006 (2019): 'the CO2 emission per ton of steel produced calculated by the life "
      f"cycle method is 2.183 t CO2' ({MATERIALS_MD} §1)", "", (2, 3, 3), "2.183", "t CO2/t", 2.183, "CO2-only")
IEEFA_STEEL = ("IEEFA, 'Fact Sheet: The facts about steelmaking' (cites IEA, World Steel; data year not stated, copy of "
               "2024 read), 'Direct and Indirect Emissions CO2 (t)/Crude Steel(t) 2.2 1.4 0.3' for BF-BOF, DR-EAF, "
               f"Scrap-EAF ({MATERIALS_MD} §1)")
for aid, route, figure, dqr in [("mat_steel_bf_bof_glo", "BF-BOF", "2.2", (2, 4, 3)),
                                ("mat_steel_dri_eaf_glo", "DRI-EAF", "1.4", (2, 4, 3)),
                                ("mat_steel_eaf_scrap_glo", "scrap-EAF", "0.3", (2, 4, 3))]:
    cited(aid, f"Steel, crude, {route} route, global, direct and indirect CO2 (IEA via IEEFA; data year not stated)",
          "GLO", 2024, IEEFA_STEEL, "", dqr, figure, "t CO2/t crude steel", float(figure), "CO2-only")
proxy("mat_steel_eaf", "Steel, scrap-EAF route, China (proxy: global scrap-EAF, direct + indirect CO2, data year not stated; the Chinese grid is not reflected)",
      "CN", 2024, "mat_steel_eaf_scrap_glo",
      "no China EAF figure and no published EAF power use to model one with the Chinese grid (materials.md §1)", (2, 4, 4))
for aid, product in [("mat_steel_hot_rolled_coil_cn", "hot-rolled coil"), ("mat_steel_wire_rod_cn", "wire rod"),
                     ("mat_steel_rebar_cn", "rebar")]:
    proxy(aid, f"Steel {product}, China (proxy: China steel industry average 2019, all routes and products, life-cycle CO2)",
          "CN", 2019, "mat_steel_cn_industry_2019",
          f"no China {product} LCI found (materials.md §1, §7)",
          (3, 3, 1))

# ---- aluminium (docs §6.2) ---------------------------------------------------------------------------
PENG_AL = ("Peng, Ren, Du, Ou, Yan, 'Life Cycle Energy Consumption and Greenhouse Gas Emissions Analysis of Primary and "
           "Recycled Aluminum in China', Processes 10(11):2299 (2022), doi:10.3390/pr10112299")
cited("mat_aluminium_primary_cn",
      "Aluminium, primary ingot, China, 2020, cradle-to-gate (incl. provincial captive and grid power)", "CN", 2020,
      f"{PENG_AL}: '15,947 kg CO2-eq of GHG emissions per ton of primary aluminum ingot production in China' "
      f"({MATERIALS_MD} §2)", "", (2, 3, 1), "15,947", "kg CO2-eq/t", 15947 / 1000, "unstated (Peng et al. 2022)")
AL_RECYCLED_SHARE = 0.053  # "only 7.5% and 5.3% that of primary aluminum" (energy, GHG), same study
act("mat_aluminium_secondary_cn", "Aluminium, recycled (secondary), China, 2020, cradle-to-gate (derived: 5.3 % of the "
    "same study's primary ingot)", "kg", "CN", 2020, "material",
    f"{PENG_AL}: recycled aluminium GHG emissions 'only 7.5% and 5.3% that of primary aluminum' (energy, GHG) x "
    "15,947 kg CO2-eq/t primary = 845.191 kg CO2-eq/t; cross-check Shen & Zhang (2024) 0.32 t/t "
    f"({MATERIALS_MD} §2); docs/lcidb-default-data.md §6.2", "derived", "derived", "", (2, 3, 1)).bio(
    "co2e_unsplit", AL_RECYCLED_SHARE * 15947 / 1000, "unstated (Peng et al. 2022)")
for aid, product in [("mat_aluminium_extrusion_cn", "extrusion"), ("mat_aluminium_sheet_cn", "sheet")]:
    proxy(aid, f"Aluminium {product}, China (proxy: China primary ingot 2020, cradle-to-gate; {product} forming and its scrap not included)",
          "CN", 2020, "mat_aluminium_primary_cn", f"no China aluminium {product} figure found (materials.md §2)", (4, 3, 1))

# ---- cement and clinker (docs §6.3) ----------------------------------------------------------------------
cited("mat_cement_cn_2011",
      "Cement, China average, 2011, direct + indirect CO2 ('manufactured' factor: process, fuel and electricity)", "CN", 2011,
      "Shen, Cao, Li, Zhang, Wang, Li, 'Quantifying CO2 emissions from China's cement industry', Renewable and Sustainable "
      "Energy Reviews 50 (2015) 1004-1012: 'In 2011, the direct CO2 emission factor and manufactured CO2 emission factor of "
      "China's average cement manufacture is just 0.4778 t/t and 0.5450 t/t, respectively' "
      f"({MATERIALS_MD} §3)", "", (2, 4, 1), "0.5450", "t CO2/t cement", 0.5450, "CO2-only")
cited("mat_clinker_calcination", "Cement clinker, calcination CO2 only (IPCC Tier 1 default)", "GLO", 2006,
      "IPCC 2006 Guidelines Vol. 3 Ch. 2, Tier 1 clinker calcination factor 0.507 t CO2/t clinker, as cited in the "
      "references of Wikipedia 'Cement kiln' (bestref.net); reference/cbam.md §7 [S](R51)",
      "", (2, 3, 3), "0.507", "t CO2/t clinker", 0.507, "", flow="co2_fossil")
GNR_KILN_FUEL_MJ_PER_T = 3502  # WBCSD CSI GNR 2014, kiln fuel, MJ/t clinker (materials.md §3)
act("mat_clinker_cn_derived", "Cement clinker, China (derived: IPCC Tier 1 calcination + GNR 2014 kiln fuel burned as "
    "bituminous coal; electricity and coal supply excluded)", "kg", "CN", 2014, "material",
    "1 kg mat_clinker_calcination (0.507 kg CO2) + 3,502 MJ/t clinker kiln fuel (WBCSD CSI 'Getting the Numbers Right' "
    f"2014, global, {MATERIALS_MD} §3) as other bituminous coal (IPCC 2006 defaults, fuel_coal_bituminous_combustion_gj); "
    "Chinese kilns are coal-fired: limestone decomposition and coal combustion are 92.9-93.8 % of clinker CO2 (王鑫 et al., "
    "中国环境监测 2024); cross-check CBAM China grey clinker default 1.35 direct; docs/lcidb-default-data.md §6.3",
    "derived", "derived", "", (3, 3, 3)).tech("mat_clinker_calcination", 1.0, "kg").tech(
    "fuel_coal_bituminous_combustion_gj", GNR_KILN_FUEL_MJ_PER_T / 1e6, "GJ")

# ---- flat glass (docs §6.5) -------------------------------------------------------------------------------------
IPCC_GLASS_ENERGY_KG_PER_T = 450  # "450 kg energy related CO2/t of product" (at 7 GJ/t)
IPCC_GLASS_DECARBONATION_KG_PER_T = 200  # "can contribute up to 200 kg CO2/t"
act("mat_flat_glass_direct", "Flat glass, direct CO2 of melting (derived from IPCC AR4: furnace energy + decarbonation "
    "upper bound; global furnaces c. 2005; electricity and upstream excluded)", "kg", "GLO", 2005, "material",
    "IPCC AR4 WG III §7.4.5.3 Glass: 'an emission factor of 450 kg energy related CO2/t of product' + 'decarbonisation of "
    f"soda ash and limestone can contribute up to 200 kg CO2/t' ({MATERIALS_MD} §5b); China split energy ~80 % / "
    "carbonates ~20 % (严玉廷 et al. 2017); docs/lcidb-default-data.md §6.5",
    "derived", "derived", "", (3, 4, 3)).bio(
    "co2_fossil", (IPCC_GLASS_ENERGY_KG_PER_T + IPCC_GLASS_DECARBONATION_KG_PER_T) / 1000)

# ---- plastics (docs §6.6) ---------------------------------------------------------------------------------------
cited("mat_olefins_cn_coal",
      "Olefins (ethylene + propylene), China, coal-to-olefins route, life cycle (direct + indirect), c. 2012-2014", "CN", 2015,
      "'Life cycle assessment of energy consumption and GHG emissions of olefins production from alternative resources in "
      "China', Energy Conversion and Management 90 (2015) 12-20: coal-to-olefins 'including 5793 kg eq. CO2/t olefins of "
      f"direct emissions and 5714 kg eq. CO2/t olefins of indirect emissions' ({MATERIALS_MD} §4); sum 11,507",
      "", (2, 4, 1), "5793 + 5714", "kg eq. CO2/t olefins", (5793 + 5714) / 1000, "unstated (Energy Convers. Manag. 2015)")
for aid, polymer in [("mat_pp_cn_coal", "Polypropylene (PP)"), ("mat_pe_cn_coal", "Polyethylene (PE)")]:
    proxy(aid, f"{polymer}, China, coal-to-olefins route (proxy: coal-based olefin monomer, life cycle c. 2012-2014; polymerisation not included)",
          "CN", 2015, "mat_olefins_cn_coal",
          "no resin-level China figure found (materials.md §4); polymerisation adds to this", (3, 4, 1))
TEXTILE_EXCHANGE = ("Fashionating World, 'From Estimates to Audits: Virgin PET data disrupts global synthetic fiber "
                    "economy' (trade press reporting the Textile Exchange + SCS Consulting Services LCA, primary data, "
                    "Southeast Asia, c. 2024-2026)")
cited("mat_pet_chip_sea", "PET chip (virgin), Southeast Asia, cradle-to-gate (Textile Exchange/SCS LCA; c. 2024)", "SE-Asia",
      2024, f"{TEXTILE_EXCHANGE}: 'Virgin PET Chip 2.15' kg CO2 eq/kg ({MATERIALS_MD} §5d)", "", (2, 3, 3),
      "2.15", "kg CO2 eq/kg", 2.15, "unstated (Textile Exchange/SCS)")
cited("mat_polyester_staple_fibre_sea", "Polyester (PET) staple fibre (virgin), Southeast Asia, cradle-to-gate "
      "(Textile Exchange/SCS LCA; c. 2024)", "SE-Asia", 2024,
      f"{TEXTILE_EXCHANGE}: 'PET Staple Fiber 2.62' kg CO2 eq/kg ({MATERIALS_MD} §5d)", "", (2, 3, 3),
      "2.62", "kg CO2 eq/kg", 2.62, "unstated (Textile Exchange/SCS)")
proxy("mat_pet_cn", "PET resin, China (proxy: Southeast Asia virgin PET chip, c. 2024, cradle-to-gate)", "CN", 2024, "mat_pet_chip_sea",
      "no China PET resin figure found (materials.md §4)", (2, 3, 3))

# ---- copper, paper, cotton, batteries (docs §6.7-6.10) ------------------------------------------------------------
cited("mat_copper_cathode", "Copper, refined, China, 2017 (lower end of the 2004-2017 series; year inferred), life cycle "
      "mining to refined copper", "CN", 2017,
      "Liu, Xiang, Cao, Li, 'Life Cycle Energy Consumption and GHG Emissions of the Copper Production in China…', "
      "Processes 10(12):2715 (2022), doi:10.3390/pr10122715: 'the GHG emissions varied between 9.96 and 3.09 t CO2 eq/t "
      "copper due to the improvements in mining and smelting technologies' (2004-2017; the lower value read as 2017); "
      f"cross-check Northey et al. 2013 global mine average 2.6 t CO2-e/t ({MATERIALS_MD} §5a)",
      "", (2, 3, 1), "3.09", "t CO2 eq/t copper", 3.09, "unstated (Liu et al. 2022)")
cited("mat_paper_glo_2018", "Paper, global average, life cycle (pulp and paper making; meta-analysis of 45 cases incl. "
      "China), literature to 2018; biogenic carbon not assessed", "GLO", 2018,
      "Sun, Wang, Shi, Klemeš, 'Uncovering energy use, carbon emissions and environmental burdens of pulp and paper "
      "industry: A systematic review and meta-analysis', Renewable and Sustainable Energy Reviews 92 (2018) 823-833: "
      f"'1 t of paper results in about 950 kg carbon dioxide (CO2) equivalent' ({MATERIALS_MD} §5c)",
      "", (3, 3, 3), "950", "kg CO2-eq/t paper", 950 / 1000, "unstated (Sun et al. 2018)")
cited("mat_cotton_fibre_glo_2020", "Cotton fibre (lint), global average, 2020, cradle to farm gate and ginning; biogenic "
      "carbon and land-use change not assessed", "GLO", 2020,
      "Yu, Yang, 'Carbon footprint of global cotton production', Resources, Environment and Sustainability (2025) 100214: "
      "'an average of 0.9 t CO2e per t or 1.9 t CO2e per t of fiber produced' "
      f"({MATERIALS_MD} §5d)", "", (2, 2, 3), "1.9", "t CO2e/t fibre", 1.9, "unstated (Yu & Yang 2025)")
proxy("mat_cotton_fibre_cn", "Cotton fibre, China (proxy: global average cotton fibre 2020, cradle to farm gate and ginning)", "CN", 2020,
      "mat_cotton_fibre_glo_2020", "no China-specific cotton fibre figure found (materials.md §5d)", (2, 2, 3))
cited("mat_battery_lfp_pack_cn", "LFP battery pack (EV, 28 kWh), China, cradle-to-gate production, c. 2015-2016, per kWh "
      "of capacity", "CN", 2016,
      "Hao, Mu, Jiang, Liu, Zhao, 'GHG Emissions from the Production of Lithium-Ion Batteries for Electric Vehicles in "
      "China', Sustainability 9(4):504 (2017): 'the GHG emissions from the production of a 28 kWh battery are 3061 "
      f"kgCO2-eq' (LFP) ({MATERIALS_MD} §5f); 3061 / 28 per kWh",
      "", (2, 4, 1), "3061", "kgCO2-eq per 28 kWh battery", 3061 / 28, "unstated (Hao et al. 2017)", unit="kWh")
cited("mat_battery_li_ion_cn", "Li-ion battery (NMC811), China, per kg of battery, cradle-to-gate production; median of "
      "published LCAs (literature 2005-2024)", "CN", 2024,
      "Clement, Salazar, Hofman, Maharjan, 'Meta-analysis of Life Cycle Assessments for Li-Ion Batteries Production "
      "Emissions', arXiv 2506.05531 (2025): 'The meta-analysis shows a median global warming potential of 17.63 kg "
      "CO2-eq./kg of battery … 17.33 kg CO2-eq./kg for China' (China value: NMC811 per the reference's table; "
      f"{MATERIALS_MD} §5f); DESNZ Li-ion (6.308 kg/kg, UK) is far lower", "", (3, 3, 1), "17.33", "kg CO2-eq./kg", 17.33,
      "unstated (Clement et al. 2025)")
proxy("mat_battery_lfp_cell_cn", "LFP battery cell, China, per kWh (proxy: LFP pack c. 2016, cradle-to-gate; pack housing "
      "and BMS included, so this overstates a cell)", "CN", 2016, "mat_battery_lfp_pack_cn",
      "no China LFP cell figure found (materials.md §5f, §7)", (3, 4, 1), unit="kWh")

act("mat_aluminium_primary", "Aluminium, primary ingot, global average cradle-to-gate (mining to cast, incl. electricity and PFCs), 2022",
    "kg", "GLO", 2022, "material",
    "International Aluminium Institute, 2022 data released Feb 2024: 15.1 t CO2e/t (reference/factors.md §3.2, [V]; "
    "'In 2022, intensity declined by 4.4% from 15.8 tonnes CO2e per tonne to 15.1 tonnes CO2e per tonne')",
    "cited-fact", "verified", "", (2, 2, 3)).bio("co2e_unsplit", 15.1, "unstated (IAI)").quote("15.1", "tonnes CO2e per tonne")
cited("mat_steel_world_average_ghg_2024",
      "Steel, crude, global average GHG intensity (all routes), 2024, worldsteel 2025 method (CO2, CH4, N2O and upstream "
      "mining)", "GLO", 2024,
      "MarketSteel (David Fleschen), 'Worldsteel: Global steel industry expands sustainability reporting', on the worldsteel "
      "Sustainability Indicators Report 2025 (secondary): 'In 2024, global GHG emissions intensity averaged 2.18 tonnes of "
      "CO₂ equivalent per tonne of crude steel, compared to 1.92 tonnes of CO₂ under the earlier methodology.' "
      f"({MATERIALS_MD} §1)", "", (3, 2, 3), "2.18", "tonnes of CO₂ equivalent per tonne of crude steel", 2.18,
      "unstated (worldsteel 2025 method)")
act("mat_steel_world_average", "Steel, crude, global average CO2 intensity (all routes), 2022", "kg", "GLO", 2022, "material",
    "worldsteel Sustainability Indicators 2023 press release (2023-11-07): 1.91 t CO2/t crude steel cast (reference/factors.md §3.2, [V])",
    "cited-fact", "verified", "2023-11-07", (3, 2, 3)).bio("co2e_unsplit", 1.91, "CO2-only").quote("1.91", "Tonnes CO2/tonne crude steel cast")

# ===================================================================================== PACKAGING
PACK = [
    ("pack_corrugated_box", "Corrugated board box (board material only; converting not included)", "mat_board"),
    ("pack_plastic_film", "Plastic packaging film (material incl. forming)", "mat_plastic_film"),
    ("pack_pet_bottle", "PET bottle (material incl. forming)", "mat_pet"),
    ("pack_glass_container", "Glass container (material only)", "mat_glass"),
    ("pack_steel_can", "Steel can (material)", "mat_steel_cans_primary"),
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
    ("20_504_5355_15_1", "eol_landfill_aluminium", "Landfill of aluminium waste (DESNZ aluminium cans and foil, landfill)"),
    ("20_503_5341_15_1", "eol_landfill_weee_small", "Landfill of small electrical and electronic waste (DESNZ WEEE - small, landfill)"),
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
    # aluminium: the Chinese pair of one study, so the credit is against the primary metal Chinese BOMs use
    ("eol_recycling_aluminium", "aluminium", "mat_aluminium_primary_cn", "mat_aluminium_secondary_cn"),
    ("eol_recycling_steel", "steel (cans)", "mat_steel_cans_primary", "mat_steel_cans_recycled"),
    ("eol_recycling_pet", "PET", "mat_pet", "mat_pet_recycled"),
    ("eol_recycling_pp", "PP", "mat_pp", "mat_pp_recycled"),
    ("eol_recycling_hdpe", "HDPE", "mat_hdpe", "mat_hdpe_recycled"),
    ("eol_recycling_board", "paperboard", "mat_board", "mat_board_recycled"),
    ("eol_recycling_paper", "paper", "mat_paper", "mat_paper_recycled"),
    ("eol_recycling_glass", "glass", "mat_glass", "mat_glass_recycled"),
]
for aid, label, primary, secondary in RECYCLING:
    china = primary.endswith("_cn")  # materials of Chinese data: the credit is Chinese too
    act(aid, f"Recycling of {label} waste with avoided-burden credit (1 kg recycled replaces 1 kg primary)"
        + (", China" if china else ""), "kg", "CN" if china else "GB", 2020 if china else 2023, "end_of_life",
        f"Collection/handling (DESNZ closed-loop waste row) + production of 1 kg {secondary} - 1 kg {primary} avoided "
        "(credit_type recycling_credit; 1:1 substitution, no quality loss); docs/lcidb-default-data.md §8",
        "derived", "derived", "", (3, 3, 2) if china else (3, 2, 4)
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
                              a.published, *dqr, DATASETS.get(a.id, ""), *(a.figure or ("", ""))))
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
