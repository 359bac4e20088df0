"""Brightway-readable inventories (read with bw2io) -> template folder.

FORMAT `excel`: the Brightway Excel layout, read by bw2io's ExcelImporter; `simapro`: a SimaPro CSV
process export, read by bw2io's SimaProCSVExtractor. bw2io reads the file and runs its format
strategies (tuples, numbers, units, production exchange, SimaPro allocation and biosphere names);
linking is done here, not by bw2io's linking strategies, because the project's biosphere is the
small flow table of data/methods/gwp100.csv, not ecoinvent's:

- elementary flows are matched by name (case-insensitive) and top-level compartment (air, water,
  soil, natural resource) against the biosphere3 names of gwp100.csv, then data/lcidb/flow_synonyms.csv;
  a flow that matches nothing is reported and left out (non-GHG flows do not change a GWP score);
- technosphere inputs are matched by (name, location, database) to activities of the same file;
  an activity with an input that cannot be resolved (another database, negative amount without a
  credit type, multi-output) is not imported at all, nor is anything that uses it (no
  half-written activity), and each is reported. SimaPro "Avoided products" become negative inputs
  with credit_type avoided_burden.

Amounts are divided by the production amount, so they are per one unit of reference product.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from lcidb.errors import ImportReportError, IncompatibleUnit, UnknownUnit
from lcidb.flows import FLOW_UNIT, flow_table
from lcidb.home import shipped_data_dir
from lcidb.importers.report import ImportReport
from lcidb.importers.writer import TemplateWriter
from lcidb.template import STATUSES
from lcidb.units import conversion_factor, is_known_unit


# Brightway / ecoinvent unit names -> the project's unit vocabulary (lcidb/units.py)
UNITS = {
    "kilogram": "kg", "gram": "g", "ton": "t", "tonne": "t", "kilowatt hour": "kWh", "megawatt hour": "MWh",
    "megajoule": "MJ", "gigajoule": "GJ", "cubic meter": "m3", "cubic metre": "m3", "normal cubic meter": "Nm3",
    "litre": "L", "liter": "L", "square meter": "m2", "meter": "m", "kilometer": "km", "ton kilometer": "tkm",
    "tonne kilometer": "tkm", "unit": "piece", "hour": "h",
    "metric ton*km": "tkm", "Item(s)": "piece",  # EcoSpold2 / openLCA spellings
}
LOGNORMAL = 2  # stats_arrays id


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "x"


@lru_cache(maxsize=1)
def flow_lookup() -> dict[tuple[str, str], str]:
    """(lower-case name, top compartment) -> flow code: gwp100.csv biosphere3 names, then synonyms."""
    table: dict[tuple[str, str], str] = {}
    for code, flow in flow_table().items():
        if flow.biosphere3_name:
            table[(flow.biosphere3_name.lower(), flow.compartment.split("/")[0])] = code
    path = shipped_data_dir() / "lcidb" / "flow_synonyms.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            table.setdefault((row["name"].lower(), row["compartment"]), row["code"])
    return table


def _unit(name: str | None) -> str | None:
    if not name:
        return None
    if name in UNITS:
        return UNITS[name]
    return name if is_known_unit(name) else None


@dataclass
class _Activity:
    data: dict[str, Any]
    row: int  # where the dataset starts in the source (sheet row or CSV line)
    id: str = ""
    year: int = 0
    licence: str = ""
    status: str = ""
    problems: list[tuple[int, str]] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)  # ids of technosphere inputs


def _sheet_rows(path: Path) -> dict[tuple[str, str], list[tuple[int, list[int]]]]:
    """(sheet, activity name) -> per occurrence in file order: (row of its 'Activity' line, rows of
    its exchanges in order)."""
    import openpyxl

    located: dict[tuple[str, str], list[tuple[int, list[int]]]] = {}
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    for sheet in workbook.worksheets:
        current: tuple[str, str] | None = None
        in_exchanges = header_seen = False
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            first = "" if not values or values[0] is None else str(values[0]).strip()
            if first == "Activity":
                current = (sheet.title, str(values[1]).strip())
                located.setdefault(current, []).append((number, []))
                in_exchanges = header_seen = False
            elif current and first == "Exchanges":
                in_exchanges, header_seen = True, False
            elif current and in_exchanges:
                if not first:
                    in_exchanges = False
                elif not header_seen:
                    header_seen = True
                else:
                    located[current][-1][1].append(number)
    return located


def _read_excel(path: Path) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    from lcidb.brightway import open_project

    open_project()  # bw2io needs a bw2data project: use the one under CARBONLABEL_HOME, never ~/
    from bw2io import strategies as s
    from bw2io.importers.excel import ExcelImporter

    try:
        with contextlib.redirect_stdout(io.StringIO()):  # bw2io prints progress; the CLI prints the report
            importer = ExcelImporter(str(path))
    except FileNotFoundError:
        raise ImportReportError(f"{path}: file not found") from None
    except Exception as exc:  # bw2io/openpyxl raise many types for a file that is not a workbook  # noqa: BLE001
        raise ImportReportError(f"{path}: not a Brightway Excel inventory ({type(exc).__name__}: {exc})") from None
    if not getattr(importer, "data", None):
        raise ImportReportError(f"{path}: no activities found (is there a 'Database' row and 'Activity' blocks?)")
    located = _sheet_rows(path)
    for ds in importer.data:
        occurrences = located.get((ds.get("worksheet name", ""), ds.get("name", "")), [])
        row, exchange_rows = occurrences.pop(0) if occurrences else (0, [])
        _annotate(ds, row, exchange_rows)
    for strategy in (
        s.csv_restore_tuples, s.csv_restore_booleans, s.csv_numerize, s.csv_drop_unknown,
        s.csv_add_missing_exchanges_section, s.normalize_units, s.strip_biosphere_exc_locations,
        s.assign_only_product_as_production,
    ):
        importer.data = strategy(importer.data)
    parameters = {
        p["name"]: {k: v for k, v in p.items() if k != "name"}
        for p in (getattr(importer, "project_parameters", None) or []) + (getattr(importer, "database_parameters", None) or [])
    }
    return importer.db_name, importer.data, parameters


def _annotate(ds: dict[str, Any], row: int, exchange_rows: list[int]) -> None:
    """Remember where each dataset and exchange is in the source, for the report."""
    ds["_row"] = row
    for index, exchange in enumerate(ds.get("exchanges", [])):
        exchange["_row"] = exchange_rows[index] if index < len(exchange_rows) else row


# SimaPro CSV sections whose lines the bw2io extractor turns into exchanges, in file order
_SIMAPRO_EXCHANGE_SECTIONS = {
    "Products", "Waste treatment", "Final waste flows", "Avoided products", "Electricity/heat", "Materials/fuels",
    "Waste to treatment", "Resources", "Emissions to air", "Emissions to water", "Emissions to soil",
    "Economic issues", "Non material emissions", "Social issues",
}
_GEO_IN_NAME = re.compile(r"\{([^{}]+)\}")


def _simapro_lines(text: str) -> list[tuple[int, list[int]]]:
    """Per 'Process' block: (line of 'Process', lines of its exchanges in the extractor's order)."""
    blocks: list[tuple[int, list[int]]] = []
    section = None
    for number, values in enumerate(csv.reader(text.splitlines(), delimiter=";"), start=1):
        first = values[0].strip() if values else ""
        if first == "Process":
            blocks.append((number, []))
            section = None
        elif not blocks or first == "End":
            section = None
        elif not first:
            section = None
        elif section is None and first in _SIMAPRO_EXCHANGE_SECTIONS:
            section = first
        elif section is not None:
            blocks[-1][1].append(number)
    return blocks


def _read_simapro(path: Path) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    from lcidb.brightway import open_project

    open_project()
    from bw2io import strategies as s
    from bw2io.extractors.simapro_csv import SimaProCSVExtractor

    raw = path.read_bytes()
    try:
        text, encoding = raw.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        text, encoding = raw.decode("cp1252", errors="replace"), "cp1252"  # SimaPro's own default
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            data, _global_parameters, metadata = SimaProCSVExtractor.extract(
                filepath=str(path), delimiter=";", encoding=encoding)
    except Exception as exc:  # the extractor asserts and raises many types on a non-SimaPro file  # noqa: BLE001
        raise ImportReportError(f"{path}: not a SimaPro CSV export ({type(exc).__name__}: {exc})") from None
    if not data:
        raise ImportReportError(f"{path}: no 'Process' blocks found")
    blocks = _simapro_lines(text)
    for ds, (row, exchange_rows) in zip(data, blocks):
        _annotate(ds, row, exchange_rows)
        for exchange in ds.get("exchanges", []):
            if "formula" in exchange and "amount" in exchange:
                del exchange["formula"]  # the extractor already evaluated it with the file's parameters
    for strategy in (
        s.normalize_units, s.assign_only_product_as_production, s.drop_unspecified_subcategories,
        s.sp_allocate_products, s.fix_zero_allocation_products, s.split_simapro_name_geo,
        s.strip_biosphere_exc_locations, s.normalize_simapro_biosphere_categories,
        s.normalize_simapro_biosphere_names,
    ):
        data = strategy(data)
    for ds in data:  # "Name {CN-GD}| process" keeps its full name; the braces give the geography
        for node in [ds] + [e for e in ds.get("exchanges", []) if e.get("type") != "biosphere"]:
            match = _GEO_IN_NAME.search(str(node.get("name", "")))
            if not node.get("location") and match:
                node["location"] = match.group(1)
    return str(metadata.get("Project") or path.stem), data, {}


def _read_jsonld(path: Path) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    from lcidb.importers.interop import read_jsonld

    return read_jsonld(path)


def _read_ecospold2(path: Path) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    from lcidb.importers.interop import read_ecospold2

    return read_ecospold2(path)


READERS = {
    "excel": (_read_excel, "Brightway Excel"), "simapro": (_read_simapro, "SimaPro CSV"),
    "jsonld": (_read_jsonld, "openLCA JSON-LD"), "ecospold2": (_read_ecospold2, "EcoSpold2"),
}


def _parameter_values(parameters: dict[str, Any], activity: dict[str, Any]) -> dict[str, float]:
    """Project + database parameters, then the activity's own, evaluated with bw2parameters."""
    from bw2parameters import ParameterSet

    values = dict(ParameterSet(parameters).evaluate()) if parameters else {}
    local = activity.get("parameters") or {}
    if isinstance(local, list):
        local = {p["name"]: {k: v for k, v in p.items() if k != "name"} for p in local}
    if local:
        values.update(ParameterSet(local, global_params=values).evaluate())
    return values


def _evaluate(formula: str, values: dict[str, float]) -> float:
    from bw2parameters import Interpreter

    interpreter = Interpreter()
    interpreter.symtable.update(values)
    result = interpreter(formula)
    if interpreter.error:
        raise ValueError("; ".join(str(e.get_error()[1]).strip() for e in interpreter.error))
    return float(result)


def import_bw(
    fmt: str, path: Path | str, out_dir: Path | str, *, year: int | None = None, licence: str | None = None,
    status: str = "unverified",
) -> ImportReport:
    """Convert a Brightway inventory to a template folder. Activity fields `year`, `licence`, `source`,
    `category`, `status` in the file win over the defaults given here; an activity left without a year
    or licence is not imported (reported)."""
    fmt = fmt.lower()
    if fmt not in READERS:
        raise ImportReportError(f"unknown Brightway format {fmt!r}; supported: {', '.join(READERS)}")
    path, out_dir = Path(path), Path(out_dir)
    if not path.exists():
        raise ImportReportError(f"{path}: file not found")
    reader, label = READERS[fmt]
    db_name, data, parameters = reader(path)
    report = ImportReport(source=f"{fmt}:{path}", out_dir=out_dir)
    prefix = _slug(db_name)

    activities: list[_Activity] = []
    by_key: dict[tuple[str, str], _Activity] = {}
    used_ids: set[str] = set()
    code_counts: dict[str, int] = {}
    for ds in data:
        code = str(ds.get("code") or "")
        code_counts[code] = code_counts.get(code, 0) + 1
    for ds in data:
        item = _Activity(ds, int(ds.get("_row", 0)))
        code = str(ds.get("code") or "")
        # SimaPro multi-output processes become one dataset per product, all with the process's code
        base = f"{prefix}_{_slug(code)}" if code and code_counts[code] == 1 else f"{prefix}_{_slug(str(ds.get('name')))}"
        item.id = base
        n = 2
        while item.id in used_ids:
            item.id, n = f"{base}_{n}", n + 1
        used_ids.add(item.id)
        activities.append(item)
        key = (str(ds.get("name")), str(ds.get("location") or "GLO"))
        if key in by_key:
            item.problems.append((item.row, f"activity {key[0]!r} at {key[1]!r} appears twice in the file; "
                                       "inputs to it could not be linked unambiguously"))
            by_key[key].problems.append((by_key[key].row, f"activity {key[0]!r} at {key[1]!r} appears twice in the file"))
        else:
            by_key[key] = item

    writer_rows: dict[str, list[tuple]] = {}
    from lcidb.progress import progress

    for item in progress(desc=f"import {path.name}", unit="activity", iterable=activities):
        writer_rows[item.id] = _convert(item, db_name, by_key, parameters, report)
        raw_year = item.data.get("year", year)
        try:
            item.year = int(raw_year)
        except (TypeError, ValueError):
            item.problems.append((item.row, f"activity {item.data.get('name')!r}: no data year "
                                            f"(value {raw_year!r}; add a 'year' field or pass --year)"))
        item.status = str(item.data.get("status") or status)
        if item.status not in STATUSES:
            item.problems.append((item.row, f"activity {item.data.get('name')!r}: status {item.status!r} is not one of "
                                            f"{', '.join(STATUSES)}"))
        item.licence = str(item.data.get("licence") or item.data.get("license") or licence or "")
        if not item.licence:
            item.problems.append((item.row, f"activity {item.data.get('name')!r}: no licence "
                                            "(add a 'licence' field or pass --licence)"))

    # drop activities with problems, then (repeatedly) anything that uses a dropped one
    dropped = {item.id for item in activities if item.problems}
    for item in activities:
        for row, reason in item.problems:
            report.skip(row, reason)
    changed = True
    while changed:
        changed = False
        for item in activities:
            if item.id in dropped:
                continue
            bad = [i for i in item.inputs if i in dropped]
            if bad:
                dropped.add(item.id)
                report.skip(item.row, f"activity {item.data.get('name')!r} not imported: its input {bad[0]} was not imported")
                changed = True

    writer = TemplateWriter()
    for item in activities:
        if item.id in dropped:
            continue
        ds = item.data
        writer.add_activity(
            activity_id=item.id, name=str(ds.get("name")), unit=_unit(ds.get("unit")), geography=ds.get("location") or "GLO",
            year=item.year, category=_slug(str(ds.get("category") or "imported")),
            source=str(ds.get("source") or f"{label} {path.name}, database {db_name!r}, "
                                           + (f"sheet {ds['worksheet name']!r} " if ds.get("worksheet name") else "")
                                           + f"row {item.row}"),
            licence=item.licence, status=item.status,
        )
        for args in writer_rows[item.id]:
            writer.add_exchange(*args)
    report.skipped.sort()
    writer.write(out_dir)
    report.imported = len(writer.activities)
    report.exchanges = len(writer.exchanges)
    return report


def _convert(item: _Activity, db_name: str, by_key: dict[tuple[str, str], _Activity],
             parameters: dict[str, Any], report: ImportReport) -> list[tuple]:
    ds = item.data
    name = ds.get("name")
    unit = _unit(ds.get("unit"))
    rows: list[tuple] = []
    if unit is None:
        item.problems.append((item.row, f"activity {name!r}: unit {ds.get('unit')!r} is not in the project's unit vocabulary"))
        return rows
    exchanges = ds.get("exchanges", [])
    productions = [e for e in exchanges if e.get("type") == "production"]
    if len(productions) != 1:
        item.problems.append((item.row, f"activity {name!r}: {len(productions)} production exchanges (one reference product needed; "
                                        "multi-output activities need allocation first)"))
        return rows
    seen: set[str] = set()
    technosphere: dict[str, dict[str, Any]] = {}  # target id -> amount (in the target's unit), unit, sigma, row
    production_amount = None
    try:
        values = _parameter_values(parameters, ds)
    except Exception as exc:  # bw2parameters raises its own types for cycles and missing names  # noqa: BLE001
        item.problems.append((item.row, f"activity {name!r}: parameters could not be evaluated ({exc})"))
        return rows
    for exchange in exchanges:
        row = int(exchange.get("_row", item.row))
        amount = exchange.get("amount", 0)
        if exchange.get("formula"):
            try:
                amount = _evaluate(str(exchange["formula"]), values)
            except Exception as exc:  # the interpreter raises NameError, SyntaxError, ...  # noqa: BLE001
                item.problems.append((row, f"activity {name!r}: formula {exchange['formula']!r} could not be evaluated ({exc})"))
                continue
        try:
            value = float(amount)
        except (TypeError, ValueError):
            item.problems.append((row, f"activity {name!r}: amount {amount!r} of {exchange.get('name')!r} is not a number"))
            continue
        if not math.isfinite(value):
            item.problems.append((row, f"activity {name!r}: amount {amount!r} of {exchange.get('name')!r} is not finite"))
            continue
        if exchange.get("type") == "production":
            if value <= 0:
                item.problems.append((row, f"activity {name!r}: production amount {amount!r} is not positive "
                                           "(waste-treatment sign convention is not supported)"))
                return rows
            production_amount = value
            continue
        exchange["_amount"] = value
        exchange["_row"] = row
    if production_amount is None:
        return rows
    for exchange in exchanges:
        if exchange.get("type") == "production" or "_amount" not in exchange:
            continue
        row, amount = exchange["_row"], exchange["_amount"] / production_amount
        kind = exchange.get("type")
        sigma = None
        if exchange.get("uncertainty type") == LOGNORMAL and exchange.get("scale"):
            sigma = float(exchange["scale"])
        if kind == "biosphere":
            categories = exchange.get("categories") or ("",)
            compartment = str(categories[0]).lower() if categories else ""
            # a reader that matched the flow by its uuid (JSON-LD, EcoSpold2) says so; else name + compartment
            code = exchange.get("_flow_code") or flow_lookup().get((str(exchange.get("name", "")).lower(), compartment))
            if code is None:
                report.skip(row, f"activity {name!r}: elementary flow {exchange.get('name')!r} {tuple(categories)} "
                                 "has no GWP100 flow code (not a greenhouse gas in data/methods/gwp100.csv): left out")
                continue
            flow_unit = _unit(exchange.get("unit"))
            try:
                factor = conversion_factor(flow_unit or str(exchange.get("unit")), FLOW_UNIT)
            except (UnknownUnit, IncompatibleUnit):
                item.problems.append((row, f"activity {name!r}: flow {exchange.get('name')!r} in unit {exchange.get('unit')!r}, not a mass"))
                continue
            if code in seen:
                item.problems.append((row, f"activity {name!r}: flow {code} appears twice (sub-compartments are not kept apart)"))
                continue
            if amount < 0:
                item.problems.append((row, f"activity {name!r}: negative elementary flow {amount!r} of {code}; "
                                           "the template needs an explicit credit_type"))
                continue
            seen.add(code)
            rows.append((item.id, code, amount * factor, "kg", "biosphere", sigma, "", ""))
        elif kind in ("technosphere", "substitution"):
            if kind == "substitution":  # SimaPro "Avoided products": a credit (avoided_burden) for what is replaced
                if amount < 0:
                    item.problems.append((row, f"activity {name!r}: negative avoided product {amount!r}"))
                    continue
                amount = -amount
            if exchange.get("database") not in (None, db_name):
                item.problems.append((row, f"activity {name!r}: input {exchange.get('name')!r} is in database "
                                           f"{exchange.get('database')!r}, not in this file; link it to a template activity first"))
                continue
            target = by_key.get((str(exchange.get("name")), str(exchange.get("location") or "GLO")))
            if target is None:
                item.problems.append((row, f"activity {name!r}: input {exchange.get('name')!r} at {exchange.get('location')!r} "
                                           "is not an activity of this file"))
                continue
            if amount < 0 and kind != "substitution":
                item.problems.append((row, f"activity {name!r}: negative technosphere amount {amount!r} for "
                                           f"{exchange.get('name')!r}; the template needs an explicit credit_type"))
                continue
            input_unit = _unit(exchange.get("unit")) or _unit(target.data.get("unit"))
            target_unit = _unit(target.data.get("unit"))
            try:
                amount *= conversion_factor(str(input_unit), str(target_unit))
            except (UnknownUnit, IncompatibleUnit):
                item.problems.append((row, f"activity {name!r}: input {exchange.get('name')!r} in unit "
                                           f"{exchange.get('unit')!r}, which does not convert to its unit {target.data.get('unit')!r}"))
                continue
            if target.id in technosphere:
                # the same product as input and as avoided product (SimaPro): one matrix entry, so net them
                previous = technosphere[target.id]
                report.skip(row, f"activity {name!r}: {exchange.get('name')!r} {amount!r} netted with the same "
                                 f"input on row {previous['row']} ({previous['amount']!r}); booked as one exchange")
                previous["amount"] += amount
                previous["sigma"] = None  # the uncertainty of a sum of two exchanges is not either one's
                continue
            item.inputs.append(target.id)
            technosphere[target.id] = {"amount": amount, "unit": target_unit, "sigma": sigma, "row": row}
        else:
            report.skip(row, f"activity {name!r}: exchange type {kind!r} is not supported: left out")
    for target_id, entry in technosphere.items():
        amount = entry["amount"]
        if amount == 0:
            continue
        rows.append((item.id, target_id, amount, entry["unit"], "technosphere", entry["sigma"], "",
                     "avoided_burden" if amount < 0 else ""))
    return rows
