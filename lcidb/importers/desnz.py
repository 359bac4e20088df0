"""UK DESNZ/Defra GHG conversion factors, flat-file format (sheet "Factors by Category") -> template.

One activity per DESNZ factor family (the ID without its last part, e.g. 1_101_1012_8 = diesel
100 % mineral, per litre). A family publishes a total (ID ..._1, "kg CO2e") and often the CO2, CH4
and N2O parts (..._2/_3/_4, each in kg CO2e). Where the parts are there, they become gas MASSES:
kg CO2 as co2_fossil, kg CO2e of CH4 / 28 as kg ch4_fossil, kg CO2e of N2O / 265 as kg n2o (28 and
265 are the AR5 GWP100 values the 2023 file used), so any method (AR6, AR5) can characterise them.
Families with only a total become co2e_unsplit with gwp_basis AR5. Everything left out is reported
with its Excel row number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lcidb.errors import ImportReportError
from lcidb.importers.report import ImportReport
from lcidb.importers.writer import TemplateWriter

SHEET = "Factors by Category"
HEADER = ("ID", "Scope", "Level 1", "Level 2", "Level 3", "Level 4", "Column Text", "UOM", "GHG/Unit")
LICENCE = "OGL-3.0"
ATTRIBUTION = ("Contains public sector information licensed under the Open Government Licence v3.0 - "
               "UK Government GHG Conversion Factors for Company Reporting")

# GWP100 values used by the file's edition, to turn "kg CO2e of CH4/N2O" back into masses.
GWP_BY_EDITION: dict[int, tuple[str, dict[str, float]]] = {2023: ("AR5", {"CH4": 28.0, "N2O": 265.0})}
# Level 1 groups whose CH4 comes from burning biomass: booked as ch4_biogenic (AR6 27.0, not 29.8).
BIOGENIC_LEVEL1 = ("Bioenergy",)
# When each edition (version) was published; file's front page gives the version, not the date.
PUBLISHED: dict[tuple[int, str], str] = {(2023, "1.1"): "2023-06-20", (2023, "1.0"): "2023-06-07"}

TOTAL, PART_CO2, PART_CH4, PART_N2O = "kg CO2e", "kg CO2e of CO2 per unit", "kg CO2e of CH4 per unit", "kg CO2e of N2O per unit"
PARTS = {PART_CO2: "CO2", PART_CH4: "CH4", PART_N2O: "N2O"}

UNITS = {
    "tonnes": "t", "litres": "L", "cubic metres": "m3", "kWh (Net CV)": "kWh", "kWh (Gross CV)": "kWh", "kWh": "kWh",
    "tonne.km": "tkm", "km": "km", "kg": "kg", "GJ": "GJ",
}
CATEGORIES = {
    "Fuels": "fuel", "WTT- fuels": "fuel", "Bioenergy": "fuel", "WTT- bioenergy": "fuel",
    "UK electricity": "electricity", "Transmission and distribution": "electricity", "WTT- UK electricity": "electricity",
    "Managed assets- electricity": "electricity", "Heat and steam": "heat", "WTT- heat and steam": "heat",
    "Material use": "material", "Waste disposal": "end_of_life", "Refrigerant & other": "refrigerant",
    "Water supply": "water", "Water treatment": "water",
}


def _category(level1: str) -> str:
    if level1 in CATEGORIES:
        return CATEGORIES[level1]
    lowered = level1.lower()
    if any(w in lowered for w in ("freight", "vehicle", "vehs", "travel", "ev")):
        return "transport"
    return re.sub(r"[^a-z0-9]+", "_", lowered).strip("_") or "other"


@dataclass
class _Row:
    number: int  # Excel row number (1-based)
    id: str
    scope: str
    levels: list[str]
    column_text: str
    uom: str
    ghg: str
    value: float | None


@dataclass
class _Family:
    key: str
    rows: list[_Row] = field(default_factory=list)

    def part(self, ghg: str) -> _Row | None:
        return next((r for r in self.rows if r.ghg == ghg), None)


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).strip()


def _read(path: Path) -> tuple[list[_Row], int, str, list[tuple[int, str]]]:
    try:
        import openpyxl

        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise ImportReportError(f"{path}: file not found") from None
    except Exception as exc:  # openpyxl raises several types for a non-xlsx file  # noqa: BLE001
        raise ImportReportError(f"{path}: not a readable .xlsx workbook ({exc})") from None
    if SHEET not in workbook.sheetnames:
        raise ImportReportError(f"{path}: no sheet {SHEET!r} (sheets: {', '.join(workbook.sheetnames)}); is this the flat file?")
    version = ""
    if "Front page" in workbook.sheetnames:
        for row in workbook["Front page"].iter_rows(values_only=True):
            cells = [_text(c) for c in row]
            if "Version:" in cells:
                version = cells[cells.index("Version:") + 1]
    sheet = workbook[SHEET]
    rows: list[_Row] = []
    ignored: list[tuple[int, str]] = []
    header_row = None
    year = None
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [_text(c) for c in values]
        if header_row is None:
            if tuple(cells[: len(HEADER)]) == HEADER:
                header_row = number
                match = re.search(r"(\d{4})", cells[len(HEADER)] if len(cells) > len(HEADER) else "")
                if not match:
                    raise ImportReportError(f"{path}: sheet {SHEET!r} row {number}: value column has no year ({cells[len(HEADER):]})")
                year = int(match.group(1))
            continue
        if not any(cells):
            continue
        if not cells[0]:
            ignored.append((number, f"no factor ID (marker row {cells[1]!r})" if cells[1] else "no factor ID"))
            continue
        raw = values[len(HEADER)] if len(values) > len(HEADER) else None
        if raw is not None and not isinstance(raw, (int, float)):
            ignored.append((number, f"ID {cells[0]}: value {raw!r} is not a number"))
            continue
        rows.append(_Row(
            number=number, id=cells[0], scope=cells[1], levels=[c for c in cells[2:6] if c], column_text=cells[6],
            uom=cells[7], ghg=cells[8], value=None if raw is None else float(raw),
        ))
    if header_row is None or year is None:
        raise ImportReportError(f"{path}: sheet {SHEET!r} has no header row starting {', '.join(HEADER[:3])}")
    return rows, year, version, ignored


def import_desnz(path: Path | str, out_dir: Path | str) -> ImportReport:
    """Convert the DESNZ flat file at `path` into a template folder `out_dir`."""
    path, out_dir = Path(path), Path(out_dir)
    rows, year, version, ignored = _read(path)
    if year not in GWP_BY_EDITION:
        raise ImportReportError(
            f"{path}: edition {year} is not supported (GWP set of that edition unknown; known: {sorted(GWP_BY_EDITION)})")
    gwp_name, gwp = GWP_BY_EDITION[year]
    published = PUBLISHED.get((year, version), "")
    report = ImportReport(source=str(path), out_dir=out_dir)
    for number, reason in ignored:
        report.skip(number, reason)

    families: dict[str, _Family] = {}
    from lcidb.progress import progress

    for row in progress(desc=f"import {Path(path).name}", unit="row", iterable=rows):
        key = row.id.rsplit("_", 1)[0] if "_" in row.id else row.id
        families.setdefault(key, _Family(key)).rows.append(row)

    # the same factor in another unit (DESNZ gives road factors per km and per mile)
    by_label = {(tuple(f.rows[0].levels), f.rows[0].column_text, f.rows[0].uom): f.key for f in families.values()}
    writer = TemplateWriter()
    for family in families.values():
        _import_family(family, year, version, published, gwp_name, gwp, writer, report, by_label)
    report.skipped.sort()
    writer.write(out_dir)
    report.imported = len(writer.activities)
    report.exchanges = len(writer.exchanges)
    return report


def _import_family(family: _Family, year: int, version: str, published: str, gwp_name: str, gwp: dict[str, float],
                   writer: TemplateWriter, report: ImportReport, by_label: dict[tuple, str]) -> None:
    def skip_all(reason: str, rows: list[_Row] | None = None) -> None:
        for r in rows if rows is not None else family.rows:
            report.skip(r.number, f"ID {r.id}: {reason}")

    first = family.rows[0]
    not_emission = [r for r in family.rows if r.ghg not in (TOTAL, *PARTS)]
    if not_emission:
        skip_all(f"GHG/Unit {not_emission[0].ghg!r} is an energy conversion (for SECR kWh reporting), not an emission factor",
                 not_emission)
    rows = [r for r in family.rows if r not in not_emission]
    if not rows:
        return
    if first.scope == "Outside of Scopes":
        skip_all("outside of scopes: biogenic CO2 of biofuel/biomass combustion that DESNZ reports apart from the "
                 "scope factor; its pairing with a scope row is not given by the file", rows)
        return
    total = next((r for r in rows if r.ghg == TOTAL), None)
    if total is None:
        skip_all("gas part without a 'kg CO2e' total row in its family", rows)
        return
    if total.value is None:
        skip_all("the file gives no value for this factor (empty cell)", rows)
        return
    unit = UNITS.get(total.uom)
    if unit is None:
        twin = by_label.get((tuple(total.levels), total.column_text, "km")) if total.uom == "miles" else None
        also = f"; the same factor per km is imported as desnz_{year}_{twin}" if twin else ""
        skip_all(f"unit {total.uom!r} is not in the project's unit vocabulary{also}", rows)
        return

    activity_id = f"desnz_{year}_{family.key}"
    label = " > ".join(total.levels + ([total.column_text] if total.column_text else []))
    uom_note = f" ({total.uom})" if total.uom != unit else ""
    name = f"{label}, per {unit}{uom_note}"
    source = f"DESNZ/Defra UK GHG Conversion Factors {year}, flat file v{version or '?'}, ID {total.id}; {ATTRIBUTION} {year}"

    parts = {PARTS[r.ghg]: r for r in rows if r.ghg in PARTS}
    with_rf = "with rf" in label.lower()
    split = len(parts) == 3 and all(r.value is not None for r in parts.values()) and not with_rf
    reason_unsplit = None
    if split:
        co2, ch4e, n2oe = parts["CO2"].value, parts["CH4"].value, parts["N2O"].value
        assert co2 is not None and ch4e is not None and n2oe is not None
        if abs(co2 + ch4e + n2oe - total.value) > 1e-6 * max(1.0, abs(total.value)):
            split = False
            reason_unsplit = (f"gas parts sum to {co2 + ch4e + n2oe!r}, not the total {total.value!r}; "
                              "the total was imported as co2e_unsplit instead")
    elif parts and with_rf:
        reason_unsplit = ("the CO2 part of a 'with RF' row includes the radiative-forcing uplift, so it is not a CO2 "
                          "mass; the total was imported as co2e_unsplit instead")
    elif parts:
        reason_unsplit = "incomplete gas split (a part is missing or empty); the total was imported as co2e_unsplit instead"

    writer.add_activity(
        activity_id=activity_id, name=name, unit=unit, geography="GB", year=year, category=_category(total.levels[0]),
        source=source, licence=LICENCE, status="verified", published=published,
    )
    if split:
        writer.add_exchange(activity_id, "co2_fossil", parts["CO2"].value, "kg", "biosphere")  # type: ignore[arg-type]
        ch4_flow = "ch4_biogenic" if total.levels[0] in BIOGENIC_LEVEL1 else "ch4_fossil"
        writer.add_exchange(activity_id, ch4_flow, parts["CH4"].value / gwp["CH4"], "kg", "biosphere")  # type: ignore[operator]
        writer.add_exchange(activity_id, "n2o", parts["N2O"].value / gwp["N2O"], "kg", "biosphere")  # type: ignore[operator]
    else:
        basis = gwp_name
        if with_rf:
            basis += " (incl. radiative-forcing uplift)"
        writer.add_exchange(activity_id, "co2e_unsplit", total.value, "kg", "biosphere", gwp_basis=basis)
        if reason_unsplit:
            skip_all(reason_unsplit, list(parts.values()))
