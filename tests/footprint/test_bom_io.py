"""BOM readers: the same BOM in JSON, CSV (+ product JSON) and XLSX gives equal models; bad files
give errors naming the file row and column."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from footprint.bom import validate_bom
from footprint.bom_io import (
    CSV_COLUMNS,
    bom_to_csv_rows,
    read_bom,
    write_bom_csv,
    write_bom_json,
    write_bom_xlsx,
)
from footprint.errors import BOMError, CyclicBOM, UnitMismatch


def full_bom() -> dict[str, Any]:
    """Every field of the format at least once."""
    return {
        "product": {
            "id": "led-a60-9w", "name": "LED bulb A60 9 W E27 (球泡灯)", "category": "lighting",
            "product_rule": "PCR lighting 2024", "declared_unit": {"unit": "piece", "amount": 1},
            "cn_code": "853952", "mass_kg": 0.065, "boundary": "cradle-to-grave",
            "reference_period": {"start": "2025-01-01", "end": "2025-12-31"}, "site_region": "CN-GD",
            "national_catalogue": True, "site_electricity_mwh": 820.0, "production_volume": 6_000_000,
            "electricity_instruments": [
                {"mwh": 300, "technology": "pv", "region": "CN-GD", "vintage": 2025},
                {"mwh": 120.5, "technology": "wind", "region": "CN-South", "vintage": 2024},
            ],
        },
        "lines": [
            {"line_id": "lamp", "name": "lamp assembly", "quantity": 1, "unit": "piece",
             "stage": "manufacturing", "data_type": "primary"},
            {"line_id": "pcb", "parent_id": "lamp", "name": "driver PCBA", "quantity": 12.5, "unit": "g",
             "stage": "raw_materials", "data_type": "secondary", "factor_id": "mat_electrical_small",
             "dqr": {"technological": 3, "temporal": 2, "geographical": 4}, "uncertainty_sigma": 0.3},
            {"line_id": "chip", "parent_id": "lamp", "name": "SMD LED 2835", "quantity": 12, "unit": "piece",
             "stage": "raw_materials", "data_type": "primary",
             "supplier_pcf": {"kgco2e_per_unit": 0.0035, "fossil": 0.0034, "biogenic": 0.0001, "verified": True}},
            {"line_id": "elec", "parent_id": "lamp", "name": "assembly electricity", "quantity": 0.12,
             "unit": "kWh", "stage": "manufacturing", "data_type": "primary", "factor_id": "elec_cn_gd_grid",
             "cbam_role": "electricity"},
            {"line_id": "scrap", "parent_id": "lamp", "name": "aluminium scrap sold", "quantity": -0.002,
             "unit": "kg", "stage": "manufacturing", "data_type": "primary", "factor_id": "mat_aluminium_primary",
             "credit": True, "cbam_role": "precursor:7601"},
            {"line_id": "truck", "name": "to Yantian port", "quantity": 1, "unit": "piece", "stage": "distribution",
             "data_type": "secondary",
             "transport": {"mode": "truck", "distance_km": 85, "mass_kg": 0.085, "activity_id": "freight_truck"}},
            {"line_id": "sea", "name": "Yantian - Rotterdam", "quantity": 1, "unit": "piece",
             "stage": "distribution", "data_type": "secondary",
             "transport": {"mode": "sea", "distance_km": 19500, "mass_kg": 0.085}},
        ],
        "exclusions": [{"name": "glue", "estimated_share": 0.002, "reason": "below 1 % cut-off"}],
    }


def write_all(tmp_path: Path, data: dict[str, Any]) -> tuple[Path, Path, Path, Path]:
    model = validate_bom(data)
    j, c, p, x = tmp_path / "b.json", tmp_path / "b.csv", tmp_path / "p.json", tmp_path / "b.xlsx"
    write_bom_json(model, j)
    write_bom_csv(model, c, p)
    write_bom_xlsx(model, x)
    return j, c, p, x


def test_three_formats_equal(tmp_path: Path) -> None:
    data = full_bom()
    original = validate_bom(data)
    j, c, p, x = write_all(tmp_path, data)
    from_json, from_csv, from_xlsx = read_bom(j), read_bom(c, p), read_bom(x)
    assert from_json == original
    assert from_csv == original
    assert from_xlsx == original
    # and the models are field-for-field the same, not just __eq__
    assert from_csv.model_dump() == from_xlsx.model_dump() == original.model_dump()
    # line numbers: index for JSON, file row for CSV and XLSX (header = row 1)
    assert from_json.line_number("sea") == 6
    assert from_csv.line_number("sea") == 8  # lines[6]: +1 for 1-based, +1 for the header
    assert from_xlsx.line_number("sea") == 8
    assert from_csv.locator.kind == "row" and from_json.locator.kind == "index"


def test_hand_written_csv(tmp_path: Path) -> None:
    """A CSV typed by a person: columns in any order, only some columns, blank rows, BOM marker."""
    (tmp_path / "p.json").write_text(json.dumps({"product": full_bom()["product"]}), encoding="utf-8")
    text = (
        "\ufeffname,line_id,quantity,unit,stage,data_type,factor_id,parent_id\n"
        "Housing PP,h,0.02,kg,raw_materials,secondary,mat_pp,\n"
        ",,,,,,,\n"
        "Box,box,1.5e-2,kg,packaging,secondary,mat_board,\n"
    )
    (tmp_path / "b.csv").write_text(text, encoding="utf-8")
    b = read_bom(tmp_path / "b.csv", tmp_path / "p.json")
    assert [(x.line_id, x.quantity) for x in b.lines] == [("h", 0.02), ("box", 0.015)]
    assert b.line_number("box") == 4  # row 3 is blank and skipped, numbering follows the file
    assert b.exclusions == []


def csv_with(tmp_path: Path, edit: Any) -> tuple[Path, Path]:
    j, c, p, x = write_all(tmp_path, full_bom())
    rows = list(csv.reader(c.open(encoding="utf-8")))
    edit(rows)
    with c.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return c, p


def col(name: str) -> int:
    return CSV_COLUMNS.index(name)


def test_comma_decimal_quoted(tmp_path: Path) -> None:
    def edit(rows: list[list[str]]) -> None:
        rows[2][col("quantity")] = "12,5"  # row 3 = lines[1] = pcb

    c, p = csv_with(tmp_path, edit)
    with pytest.raises(BOMError) as info:
        read_bom(c, p)
    err = info.value
    assert (err.source, err.line, err.field, err.value, err.line_kind) == (str(c), 3, "quantity", "12,5", "row")
    assert "1.5, not 1,5" in err.reason
    assert f"{c}, row 3 (line_id 'pcb'), field 'quantity'" in str(err)


def test_comma_decimal_unquoted_splits_the_row(tmp_path: Path) -> None:
    _, c, p, _ = write_all(tmp_path, full_bom())
    text = c.read_text(encoding="utf-8").replace(",12.5,g,", ",12,5,g,")
    c.write_text(text, encoding="utf-8")
    with pytest.raises(BOMError) as info:
        read_bom(c, p)
    assert info.value.line == 3 and "comma decimal" in info.value.reason


def test_unknown_column(tmp_path: Path) -> None:
    def edit(rows: list[list[str]]) -> None:
        rows[0][col("factor_id")] = "factor"

    c, p = csv_with(tmp_path, edit)
    with pytest.raises(BOMError) as info:
        read_bom(c, p)
    assert (info.value.line, info.value.field) == (1, "factor")
    assert "unknown column" in info.value.reason


def test_semicolon_file_gets_a_hint(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text(json.dumps({"product": full_bom()["product"]}), encoding="utf-8")
    (tmp_path / "b.csv").write_text("line_id;name;quantity;unit;stage;data_type;factor_id\n"
                                    "a;A;1;kg;raw_materials;primary;mat_pp\n", encoding="utf-8")
    with pytest.raises(BOMError, match="';' as separator"):
        read_bom(tmp_path / "b.csv", tmp_path / "p.json")


def test_missing_required_column(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text(json.dumps({"product": full_bom()["product"]}), encoding="utf-8")
    (tmp_path / "b.csv").write_text("line_id,name,quantity,stage,data_type,factor_id\n", encoding="utf-8")
    with pytest.raises(BOMError) as info:
        read_bom(tmp_path / "b.csv", tmp_path / "p.json")
    assert info.value.field == "unit" and "missing required column" in info.value.reason


@pytest.mark.parametrize("column,value,reason", [
    ("quantity", "nan", "finite"),
    ("quantity", "inf", "finite"),
    ("quantity", "abc", "not a number"),
    ("distance_km", "1 000", "not a number"),
    ("credit", "maybe", "yes/no"),
    ("dqr_temporal", "6", "less than or equal to 5"),
])
def test_bad_cells(tmp_path: Path, column: str, value: str, reason: str) -> None:
    row = 7 if column == "distance_km" else 3  # row 7 = truck leg, row 3 = pcb (row 1 is the header)

    def edit(rows: list[list[str]]) -> None:
        rows[row - 1][col(column)] = value

    c, p = csv_with(tmp_path, edit)
    with pytest.raises(BOMError) as info:
        read_bom(c, p)
    assert (info.value.line, info.value.field) == (row, column)
    assert reason in info.value.reason


def test_negative_without_credit_names_row(tmp_path: Path) -> None:
    def edit(rows: list[list[str]]) -> None:
        rows[5][col("credit")] = ""  # row 6 = scrap, quantity -0.002

    c, p = csv_with(tmp_path, edit)
    with pytest.raises(BOMError) as info:
        read_bom(c, p)
    assert (info.value.line, info.value.field, info.value.line_id) == (6, "quantity", "scrap")


def test_incomplete_transport_group(tmp_path: Path) -> None:
    def edit(rows: list[list[str]]) -> None:
        rows[7][col("transport_mode")] = ""  # row 8 = sea leg

    c, p = csv_with(tmp_path, edit)
    with pytest.raises(BOMError) as info:
        read_bom(c, p)
    assert (info.value.line, info.value.field) == (8, "transport_mode")


def test_unit_and_cycle_errors_name_rows(tmp_path: Path) -> None:
    def edit(rows: list[list[str]]) -> None:
        rows[3][col("unit")] = "pieces!"  # row 4 = chip

    c, p = csv_with(tmp_path, edit)
    with pytest.raises(UnitMismatch) as info:
        read_bom(c, p)
    assert (info.value.line, info.value.field) == (4, "unit")

    def cyc(rows: list[list[str]]) -> None:
        rows[1][col("parent_id")] = "lamp"  # lamp is its own parent

    c, p = csv_with(tmp_path, cyc)
    with pytest.raises(CyclicBOM) as cinfo:
        read_bom(c, p)
    assert cinfo.value.line == 2 and cinfo.value.cycle == ["lamp", "lamp"]


def test_duplicate_and_missing_parent_in_csv(tmp_path: Path) -> None:
    def edit(rows: list[list[str]]) -> None:
        rows[7][col("line_id")] = "truck"  # row 8 duplicates row 7
        rows[2][col("parent_id")] = "lampp"  # row 3 names a missing parent

    c, p = csv_with(tmp_path, edit)
    with pytest.raises(BOMError) as info:
        read_bom(c, p)
    assert (info.value.line, info.value.field) == (8, "line_id")
    assert "first at row 7" in info.value.reason
    assert [(o.line, o.field) for o in info.value.others] == [(3, "parent_id")]


def test_csv_needs_product(tmp_path: Path) -> None:
    _, c, p, x = write_all(tmp_path, full_bom())
    with pytest.raises(BOMError, match="--product"):
        read_bom(c)
    with pytest.raises(BOMError, match="only read with a CSV"):
        read_bom(x, p)
    p.write_text(json.dumps({"product": full_bom()["product"], "lines": []}), encoding="utf-8")
    with pytest.raises(BOMError, match="lines belong in the CSV"):
        read_bom(c, p)
    with pytest.raises(BOMError, match="file not found"):
        read_bom(tmp_path / "none.json")
    (tmp_path / "b.txt").write_text("x")
    with pytest.raises(BOMError, match="unknown BOM format"):
        read_bom(tmp_path / "b.txt")


def test_invalid_json(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text('{"product": ', encoding="utf-8")
    with pytest.raises(BOMError) as info:
        read_bom(tmp_path / "b.json")
    assert info.value.source == str(tmp_path / "b.json")


def test_xlsx_typed_by_hand(tmp_path: Path) -> None:
    """Numbers as numbers, a CN code as a number, dates as dates, booleans as booleans."""
    from datetime import datetime

    wb = Workbook()
    ws = wb.active
    ws.title = "product"
    for key, value in [("id", "tile-600"), ("name", "Porcelain tile 600x600"), ("category", "ceramics"),
                       ("declared_unit.unit", "m2"), ("declared_unit.amount", 1), ("cn_code", 690721),
                       ("boundary", "cradle-to-gate"), ("reference_period.start", datetime(2025, 1, 1)),
                       ("reference_period.end", datetime(2025, 12, 31)), ("site_region", "CN-GD"),
                       ("national_catalogue", True)]:
        ws.append([key, value])
    lines = wb.create_sheet("lines")
    lines.append(["line_id", "name", "quantity", "unit", "stage", "data_type", "factor_id", "credit"])
    lines.append(["clay", "body clay", 21.5, "kg", "raw_materials", "secondary", "mat_clay", False])
    lines.append([2, "glaze", "0.6", "kg", "raw_materials", "secondary", "mat_glaze", None])
    wb.save(tmp_path / "t.xlsx")
    b = read_bom(tmp_path / "t.xlsx")
    assert b.product.cn_code == "690721"
    assert str(b.product.reference_period.end) == "2025-12-31"
    assert [(x.line_id, x.quantity) for x in b.lines] == [("clay", 21.5), ("2", 0.6)]
    assert b.line_number("2") == 3


def xlsx_with(tmp_path: Path, edit: Any) -> Path:
    _, _, _, x = write_all(tmp_path, full_bom())
    wb = load_workbook(x)
    edit(wb)
    wb.save(x)
    return x


def test_xlsx_comma_decimal(tmp_path: Path) -> None:
    def edit(wb: Any) -> None:
        wb["lines"].cell(row=3, column=col("quantity") + 1, value="12,5")

    x = xlsx_with(tmp_path, edit)
    with pytest.raises(BOMError) as info:
        read_bom(x)
    assert (info.value.source, info.value.line, info.value.field) == (f"{x}[lines]", 3, "quantity")


def test_xlsx_unknown_product_key_and_sheet(tmp_path: Path) -> None:
    x = xlsx_with(tmp_path, lambda wb: wb["product"].append(["colour", "red"]))
    with pytest.raises(BOMError) as info:
        read_bom(x)
    assert info.value.field == "colour" and info.value.source == f"{x}[product]"

    x = xlsx_with(tmp_path, lambda wb: wb.create_sheet("Sheet1"))
    with pytest.raises(BOMError, match="unknown sheet"):
        read_bom(x)

    x = xlsx_with(tmp_path, lambda wb: wb.create_sheet("notes"))
    assert read_bom(x) == validate_bom(full_bom())

    def drop_lines(wb: Any) -> None:
        del wb["lines"]

    x = xlsx_with(tmp_path, drop_lines)
    with pytest.raises(BOMError, match="no 'lines' sheet"):
        read_bom(x)


def test_xlsx_unknown_column(tmp_path: Path) -> None:
    x = xlsx_with(tmp_path, lambda wb: wb["lines"].cell(row=1, column=len(CSV_COLUMNS) + 1, value="notes"))
    with pytest.raises(BOMError) as info:
        read_bom(x)
    assert (info.value.line, info.value.field) == (1, "notes")


def test_csv_rows_are_strings_and_round_trip_exactly() -> None:
    data = full_bom()
    data["lines"][1]["quantity"] = 0.1 + 0.2  # 0.30000000000000004 must survive the text form
    rows = bom_to_csv_rows(validate_bom(data))
    assert rows[1]["quantity"] == "0.30000000000000004"
    assert rows[0]["quantity"] == "1"
    assert rows[4]["credit"] == "true" and rows[1]["credit"] == ""
    assert all(set(r) == set(CSV_COLUMNS) and all(isinstance(v, str) for v in r.values()) for r in rows)


def test_product_errors_name_the_product_file(tmp_path: Path) -> None:
    _, c, p, x = write_all(tmp_path, full_bom())
    doc = json.loads(p.read_text(encoding="utf-8"))
    doc["product"]["boundary"] = "gate-to-gate"
    doc["exclusions"][0]["estimated_share"] = 1.5
    p.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(BOMError) as info:
        read_bom(c, p)
    assert (info.value.source, info.value.field, info.value.value) == (str(p), "product.boundary", "gate-to-gate")
    other = info.value.others[0]
    assert (other.source, other.line, other.field) == (f"{p} exclusions", 0, "estimated_share")


def test_xlsx_product_and_exclusion_errors_name_their_sheet(tmp_path: Path) -> None:
    def edit(wb: Any) -> None:
        for row in wb["product"].iter_rows():
            if row[0].value == "reference_period.end":
                row[1].value = "2024-01-01"  # before the start
        wb["exclusions"].append(["gaskets", -0.1, "typo"])  # row 3 of the exclusions sheet

    x = xlsx_with(tmp_path, edit)
    with pytest.raises(BOMError) as info:
        read_bom(x)
    found = [(e.source, e.line, e.field) for e in [info.value, *info.value.others]]
    assert found == [(f"{x}[product]", None, "product.reference_period"),
                     (f"{x}[exclusions]", 3, "estimated_share")]
