"""Reading and writing BOMs: canonical JSON, CSV (+ a product JSON) and XLSX.

The three formats carry the same fields; docs/bom-formats.md documents the columns. Errors are
BOMError naming the file, the line (index in lines[] for JSON, file row for CSV/XLSX; the header
is row 1), the field and the value.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from footprint.bom import BOM, LineLocator, bom_error_from_json, check_head, validate_bom, validate_bom_json
from footprint.errors import BOMError
from footprint.strict_json import InvalidJSON, loads_strict

# Column order of the CSV and of the XLSX `lines` sheet. The first six are required.
CSV_COLUMNS: tuple[str, ...] = (
    "line_id", "parent_id", "name", "quantity", "unit", "stage", "data_type",
    "factor_id",
    "supplier_pcf_kgco2e", "supplier_pcf_fossil", "supplier_pcf_biogenic", "supplier_pcf_verified",
    "supplier_pcf_biogenic_uptake", "supplier_pcf_removals",
    "transport_mode", "distance_km", "mass_kg", "transport_activity_id",
    "dqr_technological", "dqr_temporal", "dqr_geographical",
    "credit", "uncertainty_sigma", "cbam_role",
)
REQUIRED_COLUMNS: frozenset[str] = frozenset({"line_id", "name", "quantity", "unit", "stage", "data_type"})
EXCLUSION_COLUMNS: tuple[str, ...] = ("name", "estimated_share", "reason")
INSTRUMENT_COLUMNS: tuple[str, ...] = ("mwh", "technology", "region", "vintage")

_NUMBER_COLUMNS = frozenset({
    "quantity", "supplier_pcf_kgco2e", "supplier_pcf_fossil", "supplier_pcf_biogenic",
    "supplier_pcf_biogenic_uptake", "supplier_pcf_removals", "distance_km", "mass_kg", "dqr_technological", "dqr_temporal", "dqr_geographical",
    "uncertainty_sigma", "estimated_share", "mwh",
    # product keys (XLSX `product` sheet)
    "declared_unit.amount", "site_electricity_mwh", "production_volume",
})
_INT_COLUMNS = frozenset({"vintage"})
_BOOL_COLUMNS = frozenset({"supplier_pcf_verified", "credit", "national_catalogue"})
_DATE_KEYS = frozenset({"reference_period.start", "reference_period.end"})
PRODUCT_KEYS: tuple[str, ...] = (
    "id", "name", "category", "product_rule", "declared_unit.unit", "declared_unit.amount",
    "cn_code", "mass_kg", "boundary", "reference_period.start", "reference_period.end",
    "site_region", "national_catalogue", "site_electricity_mwh", "production_volume",
)
# sheets a workbook may carry besides the data (ignored)
_FREE_SHEETS = frozenset({"readme", "notes", "instructions"})

# model field path (below lines[i]) -> CSV column, so errors name the column the user typed in
_FIELD_TO_COLUMN: dict[tuple[str, ...], str] = {
    ("supplier_pcf",): "supplier_pcf_kgco2e",
    ("supplier_pcf", "kgco2e_per_unit"): "supplier_pcf_kgco2e",
    ("supplier_pcf", "fossil"): "supplier_pcf_fossil",
    ("supplier_pcf", "biogenic"): "supplier_pcf_biogenic",
    ("supplier_pcf", "verified"): "supplier_pcf_verified",
    ("supplier_pcf", "biogenic_uptake"): "supplier_pcf_biogenic_uptake",
    ("supplier_pcf", "removals"): "supplier_pcf_removals",
    ("transport",): "transport_mode",
    ("transport", "mode"): "transport_mode",
    ("transport", "distance_km"): "distance_km",
    ("transport", "mass_kg"): "mass_kg",
    ("transport", "activity_id"): "transport_activity_id",
    ("dqr",): "dqr_technological",
    ("dqr", "technological"): "dqr_technological",
    ("dqr", "temporal"): "dqr_temporal",
    ("dqr", "geographical"): "dqr_geographical",
}


def _column_of(rest: tuple[str | int, ...]) -> str:
    key = tuple(str(p) for p in rest)
    return _FIELD_TO_COLUMN.get(key, ".".join(key))


# ---------------------------------------------------------------------------------------- read


def read_bom(path: str | Path, product_path: str | Path | None = None) -> BOM:
    """Read a BOM from .json, .csv (product from `product_path`, JSON) or .xlsx."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise BOMError(str(path), None, None, None, "file not found")
    if suffix != ".csv" and product_path is not None:
        raise BOMError(str(product_path), None, None, None,
                       f"a separate product file is only read with a CSV BOM, not {suffix}")
    if suffix == ".json":
        return read_bom_json_text(path.read_bytes(), source=str(path))
    if suffix == ".csv":
        if product_path is None:
            raise BOMError(str(path), None, None, None,
                           "a CSV BOM needs its product from a JSON file (--product FILE)")
        return read_bom_csv(path, product_path)
    if suffix == ".xlsx":
        return read_bom_xlsx(path)
    raise BOMError(str(path), None, None, suffix, "unknown BOM format; use .json, .csv or .xlsx")


def read_bom_json_text(text: str | bytes, source: str = "<json>") -> BOM:
    """Canonical JSON; line numbers in errors are indexes in lines[] (0-based)."""
    return validate_bom_json(text, LineLocator(source=source, kind="index"))


def read_product_json(path: str | Path) -> dict[str, Any]:
    """The product file of a CSV BOM: {"product": {...}, "exclusions": [...]} (a BOM without lines)."""
    path = Path(path)
    if not path.is_file():
        raise BOMError(str(path), None, None, None, "product file not found")
    try:
        data = loads_strict(path.read_bytes(), source=str(path))
    except InvalidJSON as exc:
        raise bom_error_from_json(exc, LineLocator(source=str(path))) from None
    if not isinstance(data, dict) or "product" not in data:
        raise BOMError(str(path), None, "product", None,
                       'the product file must be a JSON object {"product": {...}, "exclusions": [...]}')
    unknown = set(data) - {"product", "exclusions", "schema_version"}
    if unknown:
        raise BOMError(str(path), None, sorted(unknown)[0], None,
                       "unknown key in the product file (lines belong in the CSV)", code="bom.unknown_field")
    return data


def read_bom_csv(path: str | Path, product_path: str | Path) -> BOM:
    path = Path(path)
    head = read_product_json(product_path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: Excel writes a byte-order mark
    except UnicodeDecodeError as exc:
        raise BOMError(source, None, None, None,
                       f"the CSV is not UTF-8 ({exc.reason}); save it as 'CSV UTF-8'") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise BOMError(source, None, None, None, "the CSV is empty")
    records: list[tuple[int, list[object]]] = []
    for cells in reader:
        records.append((reader.line_num, list(cells)))
    lines, rows = _table_to_lines(source, header, records)
    check_head(head["product"], head.get("exclusions", []), str(product_path), f"{product_path} exclusions")
    data = {**head, "lines": lines}
    return validate_bom(data, LineLocator(source=source, kind="row", rows=tuple(rows)), _column_of)


def read_bom_xlsx(path: str | Path) -> BOM:
    from openpyxl import load_workbook

    path = Path(path)
    source = str(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a damaged or non-xlsx file  # noqa: BLE001
        raise BOMError(source, None, None, None, f"cannot open as XLSX: {exc}") from None
    try:
        names = {name.lower(): name for name in wb.sheetnames}
        for lower, name in names.items():
            if lower not in {"product", "lines", "exclusions", "electricity_instruments"} | _FREE_SHEETS:
                raise BOMError(f"{source}[{name}]", None, None, name,
                               "unknown sheet; expected product, lines, exclusions "
                               "(and optionally electricity_instruments)")
        for needed in ("product", "lines"):
            if needed not in names:
                raise BOMError(source, None, None, None, f"the workbook has no {needed!r} sheet")
        product = _read_product_sheet(f"{source}[product]", _sheet_rows(wb[names["product"]]))
        if "electricity_instruments" in names:
            src = f"{source}[electricity_instruments]"
            product["electricity_instruments"] = _read_simple_table(
                src, _sheet_rows(wb[names["electricity_instruments"]]), INSTRUMENT_COLUMNS)
        exclusions: list[dict[str, object]] = []
        exclusion_rows: list[int] = []
        if "exclusions" in names:
            exclusions = _read_simple_table(f"{source}[exclusions]", _sheet_rows(wb[names["exclusions"]]),
                                            EXCLUSION_COLUMNS, exclusion_rows)
        line_rows = _sheet_rows(wb[names["lines"]])
    finally:
        wb.close()
    lines_source = f"{source}[lines]"
    if not line_rows:
        raise BOMError(lines_source, None, None, None, "the lines sheet is empty")
    (_, header), records = line_rows[0], line_rows[1:]
    lines, rows = _table_to_lines(lines_source, [_header_cell(c) for c in header], records)
    check_head(product, exclusions, f"{source}[product]", f"{source}[exclusions]", tuple(exclusion_rows))
    data = {"product": product, "exclusions": exclusions, "lines": lines}
    return validate_bom(data, LineLocator(source=lines_source, kind="row", rows=tuple(rows)), _column_of)


def _sheet_rows(ws: Any) -> list[tuple[int, list[object]]]:
    out = []
    for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
        out.append((number, list(row)))
    return out


def _header_cell(value: object) -> str:
    return "" if value is None else str(value)


def _blank(cells: Iterable[object]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _check_header(source: str, header: list[str], allowed: Iterable[str], required: Iterable[str]) -> list[str]:
    names = [h.strip() for h in header]
    # trailing empty header cells (spreadsheets often carry them) are not columns
    while names and not names[-1]:
        names.pop()
    allowed_set = set(allowed)
    seen: set[str] = set()
    for name in names:
        if name not in allowed_set:
            hint = " (the file seems to use ';' as separator; use ',')" if ";" in name else ""
            raise BOMError(source, 1, name or "<empty>", name,
                           f"unknown column{hint}; known columns: {', '.join(allowed)}", line_kind="row",
                           code="bom.unknown_field")
        if name in seen:
            raise BOMError(source, 1, name, name, "duplicate column", line_kind="row", code="bom.duplicate_key")
        seen.add(name)
    missing = [c for c in required if c not in seen]
    if missing:
        raise BOMError(source, 1, missing[0], None, f"missing required column(s): {', '.join(missing)}",
                       line_kind="row", code="bom.missing_field")
    return names


def _table_to_lines(source: str, header: list[str], records: list[tuple[int, list[object]]]
                    ) -> tuple[list[dict[str, object]], list[int]]:
    names = _check_header(source, header, CSV_COLUMNS, [c for c in CSV_COLUMNS if c in REQUIRED_COLUMNS])
    lines: list[dict[str, object]] = []
    rows: list[int] = []
    errors: list[BOMError] = []
    for row, cells in records:
        if _blank(cells):
            continue
        if len(cells) > len(header) or (len(cells) > len(names) and not _blank(cells[len(names):])):
            errors.append(BOMError(source, row, None, None,
                                   f"the row has {len(cells)} cells but the header {len(names)} columns "
                                   "(an unquoted comma decimal such as 1,5 splits a cell in two; "
                                   "write 1.5)", line_kind="row", code="bom.comma_decimal"))
            continue
        raw = dict(zip(names, cells))
        try:
            lines.append(_row_to_line(source, row, raw))
            rows.append(row)
        except BOMError as exc:
            errors.append(exc)
    if errors:
        first = errors[0]
        first.others = errors[1:]
        first.args = (first._message(),)
        raise first
    return lines, rows


def _cell(source: str, row: int | None, column: str, value: object, line_id: str | None = None) -> object:
    """One cell -> None (empty), float, int, bool or str, by column; errors name row and column."""
    def fail(reason: str, code: str) -> BOMError:
        return BOMError(source, row, column, value, reason, line_kind="row", line_id=line_id, code=code)

    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
    if column in _BOOL_COLUMNS:
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        text = str(value).lower()
        if text in {"true", "yes", "y", "1"}:
            return True
        if text in {"false", "no", "n", "0"}:
            return False
        raise fail("not a yes/no value; write true or false", "bom.not_a_boolean")
    if column in _NUMBER_COLUMNS or column in _INT_COLUMNS:
        if isinstance(value, bool):
            raise fail("a yes/no value where a number is expected", "bom.boolean_as_number")
        if isinstance(value, (int, float)):
            number = float(value)
        else:
            text = str(value)
            if "," in text:
                raise fail("comma in a number: write the decimal point as '.' (1.5, not 1,5) "
                           "and no thousands separators", "bom.comma_decimal")
            try:
                number = float(text)
            except ValueError:
                raise fail("not a number", "bom.not_a_number") from None
        if not math.isfinite(number):
            raise fail("not a finite number (NaN or infinity)", "bom.non_finite")
        if column in _INT_COLUMNS:
            if not number.is_integer():
                raise fail("not a whole number", "bom.not_a_number")
            return int(number)
        return number
    if isinstance(value, datetime):
        return value.date() if column in _DATE_KEYS else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # e.g. a CN code typed as a number in a spreadsheet
    return str(value)


def _row_to_line(source: str, row: int, raw: Mapping[str, object]) -> dict[str, object]:
    line_id_cell = raw.get("line_id")
    line_id = str(line_id_cell).strip() if line_id_cell not in (None, "") else None
    v = {name: _cell(source, row, name, value, line_id) for name, value in raw.items()}
    line: dict[str, object] = {}
    for name in ("line_id", "parent_id", "name", "quantity", "unit", "stage", "data_type", "factor_id",
                 "credit", "uncertainty_sigma", "cbam_role"):
        if v.get(name) is not None:
            line[name] = v[name]

    def group(columns: dict[str, str], required: str, label: str) -> dict[str, object] | None:
        present = {field: v.get(col) for field, col in columns.items() if v.get(col) is not None}
        if not present:
            return None
        missing = [col for field, col in columns.items() if field in required.split() and field not in present]
        if missing:
            raise BOMError(source, row, missing[0], None,
                           f"{label}: {', '.join(missing)} is required when "
                           f"{', '.join(columns[f] for f in present)} is given", line_kind="row", line_id=line_id,
                           code="bom.missing_field")
        return present

    pcf = group({"kgco2e_per_unit": "supplier_pcf_kgco2e", "fossil": "supplier_pcf_fossil",
                 "biogenic": "supplier_pcf_biogenic", "verified": "supplier_pcf_verified",
                 "biogenic_uptake": "supplier_pcf_biogenic_uptake", "removals": "supplier_pcf_removals"},
                "kgco2e_per_unit", "supplier footprint")
    if pcf is not None:
        line["supplier_pcf"] = pcf
    transport = group({"mode": "transport_mode", "distance_km": "distance_km", "mass_kg": "mass_kg",
                       "activity_id": "transport_activity_id"}, "mode distance_km mass_kg", "transport leg")
    if transport is not None:
        line["transport"] = transport
    dqr = group({"technological": "dqr_technological", "temporal": "dqr_temporal",
                 "geographical": "dqr_geographical"}, "technological temporal geographical", "data quality")
    if dqr is not None:
        line["dqr"] = dqr
    return line


def _read_product_sheet(source: str, rows: list[tuple[int, list[object]]]) -> dict[str, Any]:
    product: dict[str, Any] = {}
    seen: dict[str, int] = {}
    for row, cells in rows:
        if _blank(cells):
            continue
        key = str(cells[0]).strip() if cells and cells[0] is not None else ""
        if row == 1 and key.lower() == "key":
            continue  # an optional key/value header
        if key not in PRODUCT_KEYS:
            raise BOMError(source, row, key or "<empty>", key,
                           f"unknown product key; known keys: {', '.join(PRODUCT_KEYS)}", line_kind="row",
                           code="bom.unknown_field")
        if key in seen:
            raise BOMError(source, row, key, key, f"duplicate product key (first at row {seen[key]})",
                           line_kind="row", code="bom.duplicate_key")
        seen[key] = row
        value = _cell(source, row, key, cells[1] if len(cells) > 1 else None)
        if value is None:
            continue
        target = product
        *parents, last = key.split(".")
        for p in parents:
            target = target.setdefault(p, {})
        target[last] = value
    return product


def _read_simple_table(source: str, rows: list[tuple[int, list[object]]], columns: tuple[str, ...],
                       row_numbers: list[int] | None = None) -> list[dict[str, object]]:
    if not rows:
        return []
    (_, header), records = rows[0], rows[1:]
    names = _check_header(source, [_header_cell(c) for c in header], columns, columns)
    out = []
    for row, cells in records:
        if _blank(cells):
            continue
        record = {n: _cell(source, row, n, c) for n, c in zip(names, cells)}
        out.append({k: val for k, val in record.items() if val is not None})
        if row_numbers is not None:
            row_numbers.append(row)
    return out


# --------------------------------------------------------------------------------------- write


def _fmt(x: float | int | None) -> str:
    if x is None:
        return ""
    x = float(x)
    # repr round-trips a float exactly; whole numbers without ".0" read better in a sheet
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def _line_record(line: Any) -> dict[str, object]:
    """One line as {column: value} with Python values (None for empty)."""
    pcf, tr, dqr = line.supplier_pcf, line.transport, line.dqr
    return {
        "line_id": line.line_id, "parent_id": line.parent_id, "name": line.name,
        "quantity": line.quantity, "unit": line.unit, "stage": line.stage, "data_type": line.data_type,
        "factor_id": line.factor_id,
        "supplier_pcf_kgco2e": pcf.kgco2e_per_unit if pcf else None,
        "supplier_pcf_fossil": pcf.fossil if pcf else None,
        "supplier_pcf_biogenic": pcf.biogenic if pcf else None,
        "supplier_pcf_verified": pcf.verified if pcf else None,
        "supplier_pcf_biogenic_uptake": pcf.biogenic_uptake if pcf else None,
        "supplier_pcf_removals": pcf.removals if pcf else None,
        "transport_mode": tr.mode if tr else None,
        "distance_km": tr.distance_km if tr else None,
        "mass_kg": tr.mass_kg if tr else None,
        "transport_activity_id": tr.activity_id if tr else None,
        "dqr_technological": dqr.technological if dqr else None,
        "dqr_temporal": dqr.temporal if dqr else None,
        "dqr_geographical": dqr.geographical if dqr else None,
        "credit": True if line.credit else None,
        "uncertainty_sigma": line.uncertainty_sigma,
        "cbam_role": line.cbam_role,
    }


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _fmt(value)
    return str(value)


def bom_to_csv_rows(bom: BOM) -> list[dict[str, str]]:
    """The lines as CSV rows (all CSV_COLUMNS, strings, "" for empty)."""
    return [{k: _text(v) for k, v in _line_record(line).items()} for line in bom.lines]


def product_document(bom: BOM) -> dict[str, Any]:
    """The product file of a CSV BOM: the BOM without its lines."""
    doc: dict[str, Any] = {"schema_version": bom.schema_version,
                           "product": bom.product.model_dump(mode="json", exclude_none=True)}
    doc["exclusions"] = [e.model_dump(mode="json") for e in bom.exclusions]
    return doc


def write_bom_json(bom: BOM, path: str | Path) -> None:
    text = json.dumps(bom.model_dump(mode="json", exclude_none=True), indent=2, ensure_ascii=False)
    Path(path).write_text(text + "\n", encoding="utf-8")


def write_bom_csv(bom: BOM, path: str | Path, product_path: str | Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(bom_to_csv_rows(bom))
    Path(product_path).write_text(
        json.dumps(product_document(bom), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_bom_xlsx(bom: BOM, path: str | Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "product"
    ws.append(["key", "value"])
    flat = _flatten(bom.product.model_dump(mode="json", exclude={"electricity_instruments"}))
    for key in PRODUCT_KEYS:
        value = flat.get(key)
        if value is not None:
            ws.append([key, value])
    lines = wb.create_sheet("lines")
    lines.append(list(CSV_COLUMNS))
    for line in bom.lines:
        record = _line_record(line)
        lines.append([record[c] for c in CSV_COLUMNS])
    exclusions = wb.create_sheet("exclusions")
    exclusions.append(list(EXCLUSION_COLUMNS))
    for e in bom.exclusions:
        exclusions.append([e.name, e.estimated_share, e.reason])
    if bom.product.electricity_instruments:
        inst = wb.create_sheet("electricity_instruments")
        inst.append(list(INSTRUMENT_COLUMNS))
        for x in bom.product.electricity_instruments:
            inst.append([x.mwh, x.technology, x.region, x.vintage])
    _set_fixed_timestamps(wb)
    wb.save(path)


def _set_fixed_timestamps(wb: Any) -> None:
    # a committed example should not change bytes every time the script runs
    fixed = datetime(2026, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


__all__ = [
    "CSV_COLUMNS", "REQUIRED_COLUMNS", "read_bom", "read_bom_json_text", "read_bom_csv", "read_bom_xlsx",
    "read_product_json", "bom_to_csv_rows", "product_document", "write_bom_json", "write_bom_csv",
    "write_bom_xlsx",
]
