"""CSV form of an exposure report (one row per line, the JSON line fields as columns) and the XLSX
workbook of a report or portfolio (the PDF's numbers, one table per sheet)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from pydantic import BaseModel

from tariffs.models import ExposureReport, LineResult

SKIPPED = {"derivation", "notes", "flags"}
COLUMNS = [name for name in LineResult.model_fields if name not in SKIPPED] + ["flags", "notes"]


def report_csv(report: ExposureReport) -> str:
    """Lines in input order; missing values are empty cells (never 0); flags/notes joined by '; '."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for line in report.lines:
        data = line.model_dump(mode="json")
        row = []
        for name in COLUMNS:
            value = data[name]
            if name in ("flags", "notes"):
                row.append("; ".join(value))
            elif value is None:
                row.append("")
            else:
                row.append(str(getattr(line, name)))  # Decimal text, not the float of the JSON form
        writer.writerow(row)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    """Decimal stays Decimal (openpyxl writes it as a number, digits as computed); None an empty cell."""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, date):
        return value.isoformat()
    return value


def _sheet(workbook: Any, title: str, rows: list[BaseModel]) -> None:
    """One table: a column per model field; a dict field (e.g. cost per scenario price) a column per key."""
    sheet = workbook.create_sheet(title)
    if not rows:
        sheet.append(["(none)"])
        return
    first = rows[0]
    columns: list[tuple[str, str | None]] = []
    for name in type(first).model_fields:
        value = getattr(first, name)
        if isinstance(value, dict):
            columns.extend((name, key) for key in value)
        else:
            columns.append((name, None))
    sheet.append([name if key is None else f"{name}_at_{key}" for name, key in columns])
    for row in rows:
        sheet.append([_cell(getattr(row, name) if key is None else getattr(row, name)[key]) for name, key in columns])
    sheet.freeze_panes = "A2"


def report_xlsx(report: ExposureReport, portfolio: Any = None) -> bytes:
    """The report (or portfolio) as a workbook: the numbers of the PDF, one table per sheet."""
    from openpyxl import Workbook

    from tariffs.report import key_figures

    workbook = Workbook()
    summary = workbook.active
    summary.title = "summary"
    total = report.aggregates.total
    summary.append(["figure", "value", "unit"])
    for name, value, unit in (
        ("EU certificates", total.certificates, "t CO2e"),
        ("EU cost", total.cost_eur, "EUR"),
        ("EU embedded emissions (default values with mark-up)", total.eu_embedded_emissions_t, "t CO2e"),
        ("UK CBAM liability", total.cost_gbp, "GBP"),
        ("UK embodied emissions (no EU mark-up)", total.uk_embedded_emissions_t, "t CO2e"),
        *((key.replace("_", " "), value, key.rsplit("_", 1)[1].upper())
          for key, value in key_figures(report.lines).items()),
        ("lines", len(report.lines), ""),
    ):
        summary.append([name, _cell(value), unit])
    sheets: list[tuple[str, list[Any]]] = []
    if portfolio is not None:
        sheets += [
            ("by_exporter", portfolio.by_exporter), ("by_destination", portfolio.by_destination),
            ("by_exporter_dest_year", portfolio.by_exporter_destination_year),
            ("price_sensitivity", portfolio.price_sensitivity), ("data_basis", portfolio.data_basis),
            ("china_carbon_price", portfolio.china_carbon_price),
        ]
    aggregates = report.aggregates
    sheets += [("by_year", aggregates.by_year), ("by_sector", aggregates.by_sector),
               ("by_cn_code", aggregates.by_cn_code), ("by_importer", aggregates.by_importer),
               ("thresholds", aggregates.thresholds)]
    for title, rows in sheets:
        _sheet(workbook, title, rows)
    if report.obligations is not None:
        obligations = report.obligations
        for title, field in (("holding_quarters", "quarters"), ("surrenders", "surrenders"), ("purchases", "purchases")):
            sheet_rows = []
            for importer in obligations.importers:
                for row in getattr(importer, field):
                    sheet_rows.append((importer.importer_id, row))
            sheet = workbook.create_sheet(title)
            if not sheet_rows:
                sheet.append(["(none)"])
                continue
            columns = list(type(sheet_rows[0][1]).model_fields)
            sheet.append(["importer_id", *columns])
            for importer_id, row in sheet_rows:
                sheet.append([importer_id, *(_cell(getattr(row, name)) for name in columns)])
        sheet = workbook.create_sheet("monthly_cash")
        prices = [str(p) for p in obligations.scenario_prices_eur]
        sheet.append(["month", "certificates", *(f"cost_eur_at_{p}" for p in prices),
                      *(f"cumulative_eur_at_{p}" for p in prices), "penalty_eur"])
        for month in obligations.monthly:
            sheet.append([month.month, month.certificates, *(month.cost_eur[p] for p in prices),
                          *(month.cumulative_eur[p] for p in prices), month.penalty_eur])
    lines = workbook.create_sheet("lines")
    lines.append(COLUMNS)
    for line in report.lines:
        lines.append([_cell(getattr(line, name)) for name in COLUMNS])
    lines.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
