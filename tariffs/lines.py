"""Parse import lines from CSV text/files or from dicts (API), with errors naming line, field, value."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from tariffs.errors import LineInputError, MissingActualValue, UnknownCNCode
from tariffs.models import ImportLine

REQUIRED_COLUMNS = ("cn_code", "country_of_origin", "net_mass_t", "import_date")
OPTIONAL_COLUMNS = (
    "data_basis",
    "actual_see_t_per_t",
    "actual_sefa_t_per_t",
    "production_route",
    "carbon_price_paid_eur_per_t_good",
    "certificate_price_eur",
    "importer_id",
    "exporter_id",
    "regime",
    "customs_value_gbp",
    "bom_ref",
)
ALL_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# Plausibility bounds. No import line carries more than a billion tonnes (the whole world makes
# ~1.9e9 t of steel a year) or prices above a billion per unit; a customs value above 1e12 GBP is
# beyond any single declaration. Beyond these a value is a typing error, and the 28-digit Decimal
# context could no longer round the results (1e30 t raised decimal.InvalidOperation).
MAX_LINE_VALUE = Decimal("1e9")
MAX_LINE_VALUE_BY_FIELD = {"customs_value_gbp": Decimal("1e12")}
_DECIMAL_FIELDS = (
    "net_mass_t",
    "actual_see_t_per_t",
    "actual_sefa_t_per_t",
    "carbon_price_paid_eur_per_t_good",
    "certificate_price_eur",
    "customs_value_gbp",
)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _decimal(value: Any, line: int, field: str, source: str) -> Decimal | None:
    if _blank(value):
        return None
    if isinstance(value, float):
        value = repr(value)  # API floats: take the shortest repr, not the binary expansion
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise LineInputError(line, field, value, "not a number", source) from None
    if not number.is_finite():
        raise LineInputError(line, field, value, "not a finite number", source)
    if number < 0:
        raise LineInputError(line, field, value, "must not be negative", source)
    limit = MAX_LINE_VALUE_BY_FIELD.get(field, MAX_LINE_VALUE)
    if number > limit:
        raise LineInputError(line, field, value, f"beyond the plausible limit of {limit} (a typing or unit error)",
                             source)
    if field == "net_mass_t" and number == 0:
        raise LineInputError(line, field, value, "must be greater than zero", source)
    if field == "certificate_price_eur" and number == 0:
        raise LineInputError(line, field, value, "must be greater than zero", source)
    return number


def _cn_code(value: Any, line: int, source: str) -> str:
    if _blank(value):
        raise UnknownCNCode(line, "cn_code", value, "missing CN code", source)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet number cell
    digits = str(value).replace(" ", "").replace(".", "")
    if not digits.isdigit() or len(digits) not in (8, 10):
        raise UnknownCNCode(
            line, "cn_code", value, "not a CN code: expected 8 digits (or a 10-digit TARIC code)", source
        )
    return digits


_QUARTER = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)


def _import_date(value: Any, line: int, source: str) -> tuple[date, str | None]:
    """The import date, or the first day of a quarter given as YYYY-Qn (with the quarter's name)."""
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if _blank(value):
        raise LineInputError(line, "import_date", value, "missing import date", source)
    text = str(value).strip()
    quarter = _QUARTER.match(text)
    if quarter:
        year, number = int(quarter.group(1)), int(quarter.group(2))
        return date(year, 3 * number - 2, 1), f"{year}-Q{number}"
    try:
        return date.fromisoformat(text), None
    except ValueError:
        raise LineInputError(
            line, "import_date", value, "not a date in YYYY-MM-DD form nor a quarter in YYYY-Qn form", source
        ) from None


def _choice(value: Any, line: int, field: str, allowed: tuple[str, ...], default: str, source: str) -> str:
    if _blank(value):
        return default
    text = str(value).strip().upper()
    if text not in allowed:
        raise LineInputError(line, field, value, f"must be one of {', '.join(allowed)}", source)
    return text


def parse_line(raw: dict[str, Any], line_no: int, source: str = "lines", importer: str | None = None) -> ImportLine:
    """One line from a mapping of column -> value (CSV strings or JSON values)."""
    unknown = sorted(set(raw) - set(ALL_COLUMNS))
    if unknown:
        raise LineInputError(line_no, unknown[0], raw[unknown[0]], f"unknown column (known: {', '.join(ALL_COLUMNS)})", source)
    values: dict[str, Any] = {}
    values["cn_code"] = _cn_code(raw.get("cn_code"), line_no, source)
    country = raw.get("country_of_origin")
    if _blank(country) or not str(country).strip().isalpha() or len(str(country).strip()) != 2:
        raise LineInputError(line_no, "country_of_origin", country, "expected an ISO 3166-1 alpha-2 code such as CN", source)
    values["country_of_origin"] = str(country).strip().upper()
    for field in _DECIMAL_FIELDS:
        values[field] = _decimal(raw.get(field), line_no, field, source)
    if values["net_mass_t"] is None:
        raise LineInputError(line_no, "net_mass_t", raw.get("net_mass_t"), "missing net mass (t)", source)
    values["import_date"], values["import_quarter"] = _import_date(raw.get("import_date"), line_no, source)
    basis = _choice(raw.get("data_basis"), line_no, "data_basis", ("DEFAULT", "ACTUAL", "DERIVED"), "DEFAULT", source)
    values["data_basis"] = basis
    values["regime"] = _choice(raw.get("regime"), line_no, "regime", ("EU", "UK"), "EU", source)
    route = raw.get("production_route")
    if not _blank(route):
        route_text = str(route).strip().upper()
        if route_text not in {"A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "C/F"}:
            raise LineInputError(line_no, "production_route", route, "not a CBAM benchmark route indicator (A-L)", source)
        values["production_route"] = route_text
    importer_id = raw.get("importer_id")
    values["importer_id"] = str(importer_id).strip() if not _blank(importer_id) else importer
    exporter_id = raw.get("exporter_id")
    values["exporter_id"] = str(exporter_id).strip() if not _blank(exporter_id) else None
    bom_ref = raw.get("bom_ref")
    values["bom_ref"] = str(bom_ref).strip() if not _blank(bom_ref) else None

    if basis == "ACTUAL" and values["actual_see_t_per_t"] is None:
        raise MissingActualValue(
            line_no, "actual_see_t_per_t", raw.get("actual_see_t_per_t"),
            "data_basis ACTUAL requires the verified specific embedded emissions", source,
        )
    if basis != "ACTUAL" and values["actual_see_t_per_t"] is not None:
        raise LineInputError(
            line_no, "actual_see_t_per_t", raw.get("actual_see_t_per_t"),
            f"a verified SEE is only used with data_basis ACTUAL (line has {basis})", source,
        )
    if basis == "DERIVED" and values["bom_ref"] is None:
        raise LineInputError(line_no, "bom_ref", None, "data_basis DERIVED requires bom_ref (a BOM file or stored product)", source)
    if basis != "DERIVED" and values["bom_ref"] is not None:
        raise LineInputError(line_no, "bom_ref", values["bom_ref"], f"bom_ref is only used with data_basis DERIVED (line has {basis})", source)
    if values["regime"] == "UK" and values["carbon_price_paid_eur_per_t_good"] is not None:
        raise LineInputError(
            line_no, "carbon_price_paid_eur_per_t_good", raw.get("carbon_price_paid_eur_per_t_good"),
            "UK overseas carbon price relief is not modelled (whether China's ETS qualifies is unknown)", source,
        )
    return ImportLine(line_no=line_no, **values)


def parse_lines(rows: list[dict[str, Any]], importer: str | None = None, source: str = "lines") -> list[ImportLine]:
    """API entry: list position + 1 is the line number."""
    return [parse_line(row, index + 1, source, importer) for index, row in enumerate(rows)]


def read_lines_csv(path_or_text: str | Path, importer: str | None = None) -> list[ImportLine]:
    """Lines from a CSV file (Path, or str naming a file) or CSV text (str with a newline).

    Line numbers are the file's (header = line 1)."""
    if isinstance(path_or_text, Path) or "\n" not in path_or_text:
        path = Path(path_or_text)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise LineInputError(None, None, str(path), f"cannot read file: {exc.strerror}", str(path)) from None
        except UnicodeDecodeError as exc:
            raise LineInputError(None, None, path.name, f"not UTF-8 text (byte {exc.start})", path.name) from None
        source = path.name
    else:
        text, source = path_or_text.lstrip("\ufeff"), "CSV text"
    reader = csv.DictReader(io.StringIO(text))
    try:
        return _read_records(reader, source, importer)
    except csv.Error as exc:
        raise LineInputError(reader.line_num, None, None, f"not a readable CSV line: {exc}", source) from None


def _read_records(reader: csv.DictReader, source: str, importer: str | None) -> list[ImportLine]:
    header = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise LineInputError(1, missing[0], None, f"missing column (required: {', '.join(REQUIRED_COLUMNS)})", source)
    lines: list[ImportLine] = []
    for record in reader:
        line_no = reader.line_num
        if None in record:
            raise LineInputError(line_no, None, record[None], "more fields than header columns", source)
        if all(_blank(value) for value in record.values()):
            continue
        lines.append(parse_line(record, line_no, source, importer))
    if not lines:
        raise LineInputError(None, None, None, "no import lines", source)
    return lines


def read_lines_xlsx(path: str | Path, importer: str | None = None) -> list[ImportLine]:
    """Lines from the first sheet of an .xlsx workbook: row 1 the CSV header names, one line per row.

    Errors name the file, sheet, row (as Excel numbers it) and field."""
    from openpyxl import load_workbook

    path = Path(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a missing, damaged or non-xlsx file  # noqa: BLE001
        raise LineInputError(None, None, str(path), f"cannot read as XLSX: {exc}", path.name) from None
    sheet = workbook.worksheets[0]
    source = f"{path.name} [{sheet.title}]"
    rows = sheet.iter_rows(values_only=True)
    header_row = next(rows, None)
    header = [str(cell).strip() if cell is not None else "" for cell in (header_row or ())]
    while header and header[-1] == "":
        header.pop()
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise LineInputError(1, missing[0], None, f"missing column (required: {', '.join(REQUIRED_COLUMNS)})", source)
    lines: list[ImportLine] = []
    for row_no, row in enumerate(rows, start=2):
        cells = list(row)
        extra = [cell for cell in cells[len(header):] if not _blank(cell)]
        if extra:
            raise LineInputError(row_no, None, extra[0], "more fields than header columns", source)
        record = {name: cells[i] if i < len(cells) else None for i, name in enumerate(header) if name}
        if all(_blank(value) for value in record.values()):
            continue
        lines.append(parse_line(record, row_no, source, importer))
    workbook.close()
    if not lines:
        raise LineInputError(None, None, None, "no import lines", source)
    return lines


def read_lines(path: str | Path, importer: str | None = None) -> list[ImportLine]:
    """Lines from a .csv or .xlsx file."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        return read_lines_xlsx(path, importer)
    if path.suffix.lower() == ".csv":
        return read_lines_csv(path, importer)
    raise LineInputError(None, None, path.name, "unknown lines format; use .csv or .xlsx", path.name)
