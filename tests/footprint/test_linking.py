"""Linking: conversion factors, the unlinked-line report with suggestions, and the filled-report
round trip (JSON, CSV, XLSX)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from footprint.bom import validate_bom
from footprint.bom_io import read_bom, write_bom_csv
from footprint.errors import BOMError, FootprintError, UnlinkedLines
from footprint.linking import (
    LinkingReport,
    activities_by_id,
    apply_linking_fixes,
    link_bom,
    load_transport_modes,
    read_filled_report,
    write_linking_report,
)


@dataclass(frozen=True)
class Act:
    id: str
    name: str
    unit: str
    category: str = "material"
    geography: str = "GLO"


ACTIVITIES = {a.id: a for a in [
    Act("mat_steel_bf_bof", "Steel, primary (BF-BOF route)", "kg"),
    Act("mat_steel_eaf", "Steel, scrap-based (EAF route)", "kg"),
    Act("mat_aluminium_primary", "Aluminium, primary ingot", "kg"),
    Act("mat_pp", "Polypropylene (PP), incl. forming", "kg"),
    Act("mat_board", "Paperboard / cardboard", "kg"),
    Act("elec_cn_gd_grid", "Electricity, Guangdong delivered mix", "kWh", "electricity", "CN-GD"),
    Act("fuel_natural_gas_combustion_gj", "Natural gas, stationary combustion, per GJ", "GJ", "fuel"),
    Act("steel_sheet_m2", "Steel sheet, galvanised, per m2", "m2"),
    Act("freight_truck", "Freight, truck (HGV all diesel)", "tkm", "transport"),
    Act("freight_rail", "Freight, rail (freight train)", "tkm", "transport"),
    Act("freight_sea_container", "Freight, sea, container ship", "tkm", "transport"),
    Act("freight_air", "Freight, air, international", "tkm", "transport"),
    Act("freight_barge_kgkm", "Freight, inland barge, per kg.km", "kgkm", "transport"),
]}
MODES = {"truck": "freight_truck", "rail": "freight_rail", "sea": "freight_sea_container", "air": "freight_air"}


def product() -> dict[str, Any]:
    return {"id": "p", "name": "Bolt", "category": "fasteners", "declared_unit": {"unit": "kg", "amount": 1},
            "boundary": "cradle-to-gate", "reference_period": {"start": "2025-01-01", "end": "2025-12-31"},
            "site_region": "CN-GD"}


def ln(line_id: str, **kw: Any) -> dict[str, Any]:
    return {"line_id": line_id, "name": kw.pop("name", line_id), "quantity": kw.pop("quantity", 1.0),
            "unit": kw.pop("unit", "kg"), "stage": kw.pop("stage", "raw_materials"),
            "data_type": kw.pop("data_type", "secondary"), **kw}


def bom_data() -> dict[str, Any]:
    return {"product": product(), "lines": [
        ln("steel", name="Steel wire rod", quantity=1.06, factor_id="mat_steel_bf_bof"),  # 0
        ln("steel_t", name="Steel wire rod", quantity=0.00106, unit="t", factor_id="mat_steel_bf_bof"),  # 1
        ln("gas", name="heat treatment gas", quantity=1.2, unit="MJ", factor_id="fuel_natural_gas_combustion_gj"),
        ln("typo", name="Steel wire rod", quantity=1.0, factor_id="mat_steel_bf_bfo"),  # 3: unknown
        ln("elec_kg", name="Electricity for forming", quantity=0.6, unit="kg", factor_id="elec_cn_gd_grid"),  # 4
        ln("box", name="carton box", quantity=20, unit="g", factor_id="mat_board"),  # 5
        ln("truck", name="wire rod to factory", unit="piece", stage="transport",
           transport={"mode": "truck", "distance_km": 350, "mass_kg": 1.06}),  # 6
        ln("boat", name="river barge to port", unit="piece", stage="transport",
           transport={"mode": "barge", "distance_km": 120, "mass_kg": 1.0}),  # 7
        ln("plating", name="zinc plating", quantity=1, supplier_pcf={"kgco2e_per_unit": 0.18}),  # 8
    ]}


def test_linked_conversion_factors() -> None:
    report = link_bom(validate_bom(bom_data()), ACTIVITIES, transport_modes=MODES)
    linked = report.linked
    assert linked["steel"].conversion_factor == 1.0 and linked["steel"].amount_per_parent == pytest.approx(1.06)
    # 1 t = 1000 kg: 0.00106 t -> 1.06 kg
    assert linked["steel_t"].conversion_factor == pytest.approx(1000.0)
    assert linked["steel_t"].amount_per_parent == pytest.approx(1.06)
    # 1 MJ = 0.001 GJ
    assert linked["gas"].conversion_factor == pytest.approx(0.001)
    assert linked["gas"].amount_per_parent == pytest.approx(0.0012)
    # 1 g = 0.001 kg: 20 g -> 0.02 kg
    assert linked["box"].amount_per_parent == pytest.approx(0.02)
    # truck leg: 1.06 kg / 1000 * 350 km = 0.371 t·km per leg
    assert linked["truck"].kind == "transport" and linked["truck"].activity_id == "freight_truck"
    assert linked["truck"].conversion_factor == pytest.approx(0.371)
    assert linked["truck"].amount_per_parent == pytest.approx(0.371)
    assert "plating" not in linked  # a supplier footprint needs no activity


def test_unlinked_lines_and_reasons() -> None:
    report = link_bom(validate_bom(bom_data()), ACTIVITIES, transport_modes=MODES)
    assert not report.ok
    got = {u.line_id: (u.line_number, u.line_number_kind, u.reason, u.current_value) for u in report.unlinked}
    assert got == {
        "typo": (3, "index", "unknown_factor", "mat_steel_bf_bfo"),
        "elec_kg": (4, "index", "unit_mismatch", "elec_cn_gd_grid"),
        "boat": (7, "index", "unknown_transport_mode", "barge"),
    }
    with pytest.raises(UnlinkedLines) as info:
        report.raise_if_unlinked("default@abcd1234")
    assert isinstance(info.value, FootprintError) and info.value.report is report
    assert "3 BOM lines do not link against snapshot default@abcd1234" in str(info.value)
    assert "lines[3] (line_id 'typo')" in str(info.value)


def test_suggestions() -> None:
    report = link_bom(validate_bom(bom_data()), ACTIVITIES, transport_modes=MODES)
    by_id = {u.line_id: u for u in report.unlinked}

    typo = by_id["typo"].suggestions
    # the misspelt id is closest to the BF-BOF steel; only mass activities are offered
    assert typo[0].factor_id == "mat_steel_bf_bof"
    assert "mat_steel_eaf" in [s.factor_id for s in typo]
    assert {s.unit for s in typo} == {"kg"}
    assert 3 <= len(typo) <= 5
    assert [s.score for s in typo] == sorted((s.score for s in typo), reverse=True)

    # a kg line cannot use the kWh factor: suggestions are mass activities, never the factor itself
    elec = by_id["elec_kg"].suggestions
    assert elec and all(s.unit == "kg" for s in elec)
    assert "elec_cn_gd_grid" not in [s.factor_id for s in elec]

    # an unknown mode: freight activities per mass x distance (t·km and kg·km), with their conversion
    boat = by_id["boat"].suggestions
    assert boat and {s.unit for s in boat} <= {"tkm", "kgkm"}
    barge = next(s for s in boat if s.factor_id == "freight_barge_kgkm")
    assert barge.conversion_factor == pytest.approx(1000.0)  # 1 t·km = 1000 kg·km


def test_same_dimension_suggestions_for_area_line() -> None:
    data = {"product": product(), "lines": [ln("sheet", name="galvanised steel sheet", unit="m2",
                                                 factor_id="steel_sheet")]}
    report = link_bom(validate_bom(data), ACTIVITIES, transport_modes=MODES)
    assert [s.factor_id for s in report.unlinked[0].suggestions] == ["steel_sheet_m2"]


def test_transport_activity_override_and_unit_checks() -> None:
    data = {"product": product(), "lines": [
        ln("a", unit="piece", transport={"mode": "barge", "distance_km": 120, "mass_kg": 1.0,
                                         "activity_id": "freight_barge_kgkm"}),
        ln("b", unit="piece", transport={"mode": "truck", "distance_km": 10, "mass_kg": 1.0,
                                         "activity_id": "mat_pp"}),
        ln("c", unit="piece", transport={"mode": "truck", "distance_km": 10, "mass_kg": 1.0,
                                         "activity_id": "nope"}),
    ]}
    report = link_bom(validate_bom(data), ACTIVITIES, transport_modes=MODES)
    # 1 kg over 120 km = 0.12 t·km = 120 kg·km
    assert report.linked["a"].conversion_factor == pytest.approx(120.0)
    assert {u.line_id: u.reason for u in report.unlinked} == {
        "b": "transport_unit_mismatch", "c": "unknown_transport_activity"}


def test_mode_lookup_is_case_insensitive_and_table_is_shipped() -> None:
    modes = load_transport_modes()
    assert modes == MODES  # data/transport_modes.csv: the four modes of the issue
    data = {"product": product(), "lines": [
        ln("a", unit="piece", transport={"mode": "Rail", "distance_km": 800, "mass_kg": 2.5})]}
    report = link_bom(validate_bom(data), ACTIVITIES)
    assert report.ok and report.linked["a"].activity_id == "freight_rail"
    assert report.linked["a"].amount_per_parent == pytest.approx(2.0)  # 2.5 / 1000 * 800


def test_activities_by_id_accepts_snapshot_like() -> None:
    class Snap:
        activities = tuple(ACTIVITIES.values())

    assert activities_by_id(Snap())["mat_pp"].name.startswith("Polypropylene")
    assert activities_by_id(ACTIVITIES) is ACTIVITIES


def fill_and_relink(tmp_path: Path, suffix: str, fills: dict[str, str]) -> LinkingReport:
    b = validate_bom(bom_data())
    report = link_bom(b, ACTIVITIES, transport_modes=MODES)
    path = tmp_path / f"report{suffix}"
    write_linking_report(report, path)
    if suffix == ".json":
        doc = json.loads(path.read_text(encoding="utf-8"))
        for u in doc["unlinked"]:
            u["factor_id"] = fills.get(u["line_id"])
        path.write_text(json.dumps(doc), encoding="utf-8")
    elif suffix == ".csv":
        rows = list(csv.DictReader(path.open(encoding="utf-8")))
        for r in rows:
            r["factor_id"] = fills.get(r["line_id"], "")
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    else:
        wb = load_workbook(path)
        ws = wb.active
        header = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=2):
            line_id = row[header.index("line_id")].value
            row[header.index("factor_id")].value = fills.get(line_id)
        wb.save(path)
    fixed = apply_linking_fixes(b, path)
    return link_bom(fixed, ACTIVITIES, transport_modes=MODES)


@pytest.mark.parametrize("suffix", [".json", ".csv", ".xlsx"])
def test_filled_report_round_trip(tmp_path: Path, suffix: str) -> None:
    fills = {"typo": "mat_steel_bf_bof", "elec_kg": "mat_steel_eaf", "boat": "freight_barge_kgkm"}
    again = fill_and_relink(tmp_path, suffix, fills)
    assert again.ok
    assert again.linked["typo"].activity_id == "mat_steel_bf_bof"
    assert again.linked["boat"].activity_id == "freight_barge_kgkm"
    assert again.linked["boat"].amount_per_parent == pytest.approx(120.0)  # 1 kg × 120 km in kg·km


@pytest.mark.parametrize("suffix", [".json", ".csv", ".xlsx"])
def test_partial_fill_leaves_the_rest_unlinked(tmp_path: Path, suffix: str) -> None:
    again = fill_and_relink(tmp_path, suffix, {"typo": "1"})  # "1" = the first suggestion
    assert again.linked["typo"].activity_id == "mat_steel_bf_bof"
    assert {u.line_id for u in again.unlinked} == {"elec_kg", "boat"}


def test_fix_keeps_file_rows(tmp_path: Path) -> None:
    b = validate_bom(bom_data())
    write_bom_csv(b, tmp_path / "b.csv", tmp_path / "p.json")
    from_csv = read_bom(tmp_path / "b.csv", tmp_path / "p.json")
    report = link_bom(from_csv, ACTIVITIES, transport_modes=MODES)
    assert report.line_number_kind == "row"
    assert {u.line_id: u.line_number for u in report.unlinked} == {"typo": 5, "elec_kg": 6, "boat": 9}
    fixed = apply_linking_fixes(from_csv, {"typo": "mat_steel_eaf"})
    assert fixed.line_number("typo") == 5 and fixed.line("typo").factor_id == "mat_steel_eaf"
    assert from_csv.line("typo").factor_id == "mat_steel_bf_bfo"  # the input BOM is not changed


def test_bad_fixes() -> None:
    b = validate_bom(bom_data())
    with pytest.raises(BOMError, match="not in the BOM"):
        apply_linking_fixes(b, {"nope": "mat_pp"})
    with pytest.raises(BOMError, match="supplier footprint or child lines"):
        apply_linking_fixes(b, {"plating": "mat_pp"})
    report = link_bom(b, ACTIVITIES, transport_modes=MODES)
    report.unlinked[0].suggestions = report.unlinked[0].suggestions[:2]
    report.unlinked[0].factor_id = "5"
    with pytest.raises(BOMError, match="suggestion 5 does not exist"):
        apply_linking_fixes(b, report)
    assert apply_linking_fixes(b, {}) is b


def test_report_csv_columns(tmp_path: Path) -> None:
    b = validate_bom(bom_data())
    report = link_bom(b, ACTIVITIES, transport_modes=MODES)
    write_linking_report(report, tmp_path / "r.csv")
    rows = list(csv.DictReader((tmp_path / "r.csv").open(encoding="utf-8")))
    assert [r["line_id"] for r in rows] == ["typo", "elec_kg", "boat"]
    assert rows[0]["suggestion_1"] == "mat_steel_bf_bof" and rows[0]["factor_id"] == ""
    assert rows[0]["line_number"] == "3" and rows[0]["line_number_kind"] == "index"
    assert read_filled_report(tmp_path / "r.csv") == {}
    (tmp_path / "r.csv").write_text("line_id,name\ntypo,x\n", encoding="utf-8")
    with pytest.raises(BOMError, match="no 'factor_id' column"):
        read_filled_report(tmp_path / "r.csv")
