"""The factor template: a folder with activities.csv and exchanges.csv (+ optional scenarios/).

Default data and user data share this format. Reading validates every row and raises
TemplateError naming the file, row, field and value; nothing is half-read.
"""

from __future__ import annotations

import csv
import hashlib
import math
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from lcidb.errors import IncompatibleUnit, TemplateError, UnknownUnit
from lcidb.flows import FLOW_UNIT, UNSPLIT_FLOW, flow_table
from lcidb.units import conversion_factor, parse_unit

ACTIVITY_REQUIRED = (
    "activity_id", "name", "unit", "geography", "year", "category", "source", "licence", "status",
)
ACTIVITY_OPTIONAL = (
    "published", "dqr_technological", "dqr_temporal", "dqr_geographical", "dataset", "source_figure", "source_unit",
    # the two ecoinvent pedigree indicators PACT v3 has no rating for (lcidb.pedigree)
    "dqr_reliability", "dqr_completeness",
    # carbon pools the factor assesses: kg biogenic carbon per unit of its product (PACT v3
    # biogenicCarbonContent; empty = not assessed) and whether its exchanges include dLUC
    "biogenic_carbon_content", "luc_assessed",
)
DQR_COLUMNS = ("dqr_technological", "dqr_temporal", "dqr_geographical", "dqr_reliability", "dqr_completeness")
EXCHANGE_COLUMNS = (
    "activity_id", "input", "amount", "unit", "kind", "uncertainty_sigma", "gwp_basis", "credit_type",
)
STATUSES = ("verified", "derived", "proxy", "unverified")
KINDS = ("technosphere", "biosphere")
CREDIT_TYPES = ("recycling_credit", "avoided_burden")
SCENARIO_DIR = "scenarios"


@dataclass(frozen=True)
class Activity:
    id: str
    name: str
    unit: str
    geography: str
    year: int
    category: str
    source: str
    licence: str
    status: str
    published: date | None = None
    dqr_technological: float | None = None
    dqr_temporal: float | None = None
    dqr_geographical: float | None = None
    # the series this factor is an edition of (e.g. one official factor re-published every year);
    # the label rules' "latest edition of its dataset" compares years within it
    dataset: str | None = None
    # the published number this row's amount comes from, exactly as the source prints it, and its
    # unit as printed (e.g. "15,947" and "kg CO2-eq/t"): a test re-derives the amount from them
    source_figure: str | None = None
    source_unit: str | None = None
    dqr_reliability: float | None = None
    dqr_completeness: float | None = None
    biogenic_carbon_content: float | None = None  # kg C per unit of the product; None = not assessed
    luc_assessed: bool | None = None  # None: assessed only if the activity has a co2_luc exchange
    origin: str = ""  # "<file>:<row>", for messages only (never hashed)


@dataclass(frozen=True)
class Exchange:
    activity_id: str
    input: str
    amount: float  # in the unit of the input (activity unit, or kg for biosphere), after conversion
    kind: str
    uncertainty_sigma: float | None
    gwp_basis: str | None
    credit_type: str | None
    origin: str = ""
    # "given" (the template's uncertainty_sigma) or "pedigree" (lcidb.pedigree, at build time)
    sigma_source: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.activity_id, self.input)


@dataclass
class TemplateData:
    activities: dict[str, Activity]
    exchanges: list[Exchange]
    scenarios: dict[str, list[Exchange]] = field(default_factory=dict)
    source_hashes: list[dict[str, str]] = field(default_factory=list)  # per folder: file -> sha256
    replaced: list[str] = field(default_factory=list)  # activity ids replaced by a later layer


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_rows(path: Path, required: tuple[str, ...], optional: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise TemplateError(str(path), None, None, None, "file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateError(str(path), None, None, None, f"not UTF-8 text ({exc.reason})") from exc
    reader = csv.reader(text.splitlines())
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise TemplateError(str(path), 1, None, None, "empty file: a header row is required") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise TemplateError(str(path), 1, missing[0], header, f"missing column(s) {', '.join(missing)}")
    unknown = [c for c in header if c not in required and c not in optional]
    if unknown:
        raise TemplateError(str(path), 1, unknown[0], unknown[0], "unknown column")
    if len(set(header)) != len(header):
        raise TemplateError(str(path), 1, None, header, "duplicate column names")
    rows: list[tuple[int, dict[str, str]]] = []
    for row_number, values in enumerate(reader, start=2):
        if not values or all(not v.strip() for v in values):
            continue
        if len(values) != len(header):
            raise TemplateError(
                str(path), row_number, None, values,
                f"{len(values)} fields where the header has {len(header)} (malformed CSV or an unquoted comma)",
            )
        rows.append((row_number, {h: v.strip() for h, v in zip(header, values)}))
    return rows


def _number(file: str, row: int, fieldname: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        hint = " (use a point as decimal separator)" if "," in raw else ""
        raise TemplateError(file, row, fieldname, raw, f"not a number{hint}") from None
    if not math.isfinite(value):
        raise TemplateError(file, row, fieldname, raw, "not a finite number")
    return value


def _optional_number(file: str, row: int, fieldname: str, raw: str) -> float | None:
    return None if raw == "" else _number(file, row, fieldname, raw)


def _required(file: str, row: int, record: dict[str, str], fieldname: str) -> str:
    value = record.get(fieldname, "")
    if value == "":
        raise TemplateError(file, row, fieldname, value, "required field is empty")
    return value


def _read_activities(path: Path) -> dict[str, Activity]:
    file = str(path)
    activities: dict[str, Activity] = {}
    for row, rec in _read_rows(path, ACTIVITY_REQUIRED, ACTIVITY_OPTIONAL):
        for name in ACTIVITY_REQUIRED:
            _required(file, row, rec, name)
        activity_id = rec["activity_id"]
        if activity_id in activities:
            raise TemplateError(file, row, "activity_id", activity_id, f"duplicate id (first at {activities[activity_id].origin})")
        try:
            parse_unit(rec["unit"])
        except UnknownUnit as exc:
            raise TemplateError(file, row, "unit", rec["unit"], str(exc)) from None
        try:
            year = int(rec["year"])
        except ValueError:
            raise TemplateError(file, row, "year", rec["year"], "not a whole year") from None
        if rec["status"] not in STATUSES:
            raise TemplateError(file, row, "status", rec["status"], f"must be one of {', '.join(STATUSES)}")
        published = None
        if rec.get("published"):
            try:
                published = date.fromisoformat(rec["published"])
            except ValueError:
                raise TemplateError(file, row, "published", rec["published"], "not an ISO date (YYYY-MM-DD)") from None
        dqrs: dict[str, float | None] = {}
        for name in DQR_COLUMNS:
            value = _optional_number(file, row, name, rec.get(name, ""))
            if value is not None and not 1 <= value <= 5:
                raise TemplateError(file, row, name, rec[name], "DQR must be within 1 (best) to 5 (PACT v3)")
            dqrs[name] = value
        if bool(rec.get("source_figure")) != bool(rec.get("source_unit")):
            missing = "source_unit" if rec.get("source_figure") else "source_figure"
            raise TemplateError(file, row, missing, "", "source_figure and source_unit are given together (the figure as printed and its unit)")
        carbon = _optional_number(file, row, "biogenic_carbon_content", rec.get("biogenic_carbon_content", ""))
        if carbon is not None and carbon < 0:
            raise TemplateError(file, row, "biogenic_carbon_content", rec["biogenic_carbon_content"],
                                "a carbon content cannot be negative (kg C per unit of the product)")
        luc_raw = rec.get("luc_assessed", "").lower()
        if luc_raw not in ("", "true", "false"):
            raise TemplateError(file, row, "luc_assessed", rec["luc_assessed"], "must be true, false or empty")
        activities[activity_id] = Activity(
            id=activity_id, name=rec["name"], unit=rec["unit"], geography=rec["geography"], year=year,
            category=rec["category"], source=rec["source"], licence=rec["licence"], status=rec["status"],
            published=published, dataset=rec.get("dataset") or None, source_figure=rec.get("source_figure") or None,
            source_unit=rec.get("source_unit") or None, origin=f"{file}:{row}",
            biogenic_carbon_content=carbon, luc_assessed=None if luc_raw == "" else luc_raw == "true", **dqrs,
        )
    return activities


def _read_exchanges(path: Path) -> list[tuple[int, dict[str, str]]]:
    return _read_rows(path, EXCHANGE_COLUMNS, ())


def _parse_exchange(file: str, row: int, rec: dict[str, str]) -> tuple[Exchange, str]:
    """Field-level checks that need no other rows; unit conversion happens in `_resolve`."""
    for name in ("activity_id", "input", "amount", "unit", "kind"):
        _required(file, row, rec, name)
    kind = rec["kind"]
    if kind not in KINDS:
        raise TemplateError(file, row, "kind", kind, f"must be one of {', '.join(KINDS)}")
    amount = _number(file, row, "amount", rec["amount"])
    credit_type = rec["credit_type"] or None
    if credit_type is not None and credit_type not in CREDIT_TYPES:
        raise TemplateError(file, row, "credit_type", credit_type, f"must be one of {', '.join(CREDIT_TYPES)}")
    if amount < 0 and credit_type is None:
        raise TemplateError(
            file, row, "amount", rec["amount"],
            "negative amount without credit_type (recycling_credit | avoided_burden)",
        )
    sigma = _optional_number(file, row, "uncertainty_sigma", rec["uncertainty_sigma"])
    if sigma is not None and sigma < 0:
        raise TemplateError(file, row, "uncertainty_sigma", rec["uncertainty_sigma"], "a standard deviation cannot be negative")
    gwp_basis = rec["gwp_basis"] or None
    if kind == "biosphere":
        if rec["input"] not in flow_table():
            raise TemplateError(file, row, "input", rec["input"], f"unknown flow code; known: {', '.join(flow_table())}")
        if rec["input"] == UNSPLIT_FLOW and gwp_basis is None:
            raise TemplateError(file, row, "gwp_basis", "", f"required on {UNSPLIT_FLOW} rows (which GWP set the source used)")
    try:
        parse_unit(rec["unit"])
    except UnknownUnit as exc:
        raise TemplateError(file, row, "unit", rec["unit"], str(exc)) from None
    return Exchange(
        activity_id=rec["activity_id"], input=rec["input"], amount=amount, kind=kind,
        uncertainty_sigma=sigma, gwp_basis=gwp_basis, credit_type=credit_type,
        origin=f"{file}:{row}",
    ), rec["unit"]


def _convert(file: str, row: int, exchange: Exchange, unit: str, target_unit: str) -> Exchange:
    try:
        factor = conversion_factor(unit, target_unit)
    except (IncompatibleUnit, UnknownUnit) as exc:
        raise TemplateError(file, row, "unit", unit, f"{exc} (the input is measured in {target_unit})") from None
    return exchange if factor == 1.0 else replace(exchange, amount=exchange.amount * factor)


def read_template(folder: Path | str) -> TemplateData:
    """Read and validate one template folder on its own (references must resolve inside it)."""
    return read_layers([Path(folder)])


def read_layers(folders: list[Path]) -> TemplateData:
    """Read folders in order; a later folder's activity replaces a same-id earlier one (reported),
    with all its exchanges. Scenario overlays of all layers are merged by name."""
    activities: dict[str, Activity] = {}
    raw_exchanges: dict[str, list[tuple[str, int, dict[str, str]]]] = {}  # activity id -> rows
    raw_scenarios: dict[str, list[tuple[str, int, dict[str, str]]]] = {}
    source_hashes: list[dict[str, str]] = []
    replaced: list[str] = []
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            raise TemplateError(str(folder), None, None, None, "template folder not found")
        layer_activities = _read_activities(folder / "activities.csv")
        exchange_path = folder / "exchanges.csv"
        layer_rows = _read_exchanges(exchange_path)
        hashes = {"activities.csv": _sha256(folder / "activities.csv"), "exchanges.csv": _sha256(exchange_path)}
        for activity_id in layer_activities:
            if activity_id in activities:
                replaced.append(activity_id)
                raw_exchanges.pop(activity_id, None)
        activities.update(layer_activities)
        for row, rec in layer_rows:
            owner = rec.get("activity_id", "")
            if owner not in layer_activities:
                raise TemplateError(
                    str(exchange_path), row, "activity_id", owner,
                    "no such activity in this folder's activities.csv",
                )
            raw_exchanges.setdefault(owner, []).append((str(exchange_path), row, rec))
        scenario_root = folder / SCENARIO_DIR
        if scenario_root.is_dir():
            for scenario_dir in sorted(p for p in scenario_root.iterdir() if p.is_dir()):
                path = scenario_dir / "exchanges.csv"
                rows = _read_exchanges(path)
                hashes[f"{SCENARIO_DIR}/{scenario_dir.name}/exchanges.csv"] = _sha256(path)
                raw_scenarios.setdefault(scenario_dir.name, []).extend((str(path), r, rec) for r, rec in rows)
        source_hashes.append(dict(sorted(hashes.items())))

    from lcidb.progress import progress

    exchanges = [
        _resolve(file, row, rec, activities)
        for owner in progress(desc="read exchanges", unit="activity", iterable=raw_exchanges)
        for file, row, rec in raw_exchanges[owner]
    ]
    _refuse_duplicate_keys(exchanges)
    scenarios = {
        name: [_resolve(file, row, rec, activities) for file, row, rec in rows]
        for name, rows in sorted(raw_scenarios.items())
    }
    for scenario_exchanges in scenarios.values():
        _refuse_duplicate_keys(scenario_exchanges)
    return TemplateData(activities, exchanges, scenarios, source_hashes, replaced)


def _resolve(file: str, row: int, rec: dict[str, str], activities: dict[str, Activity]) -> Exchange:
    exchange, unit = _parse_exchange(file, row, rec)
    if exchange.activity_id not in activities:
        raise TemplateError(file, row, "activity_id", exchange.activity_id, "no such activity")
    if exchange.kind == "technosphere":
        target = activities.get(exchange.input)
        if target is None:
            raise TemplateError(file, row, "input", exchange.input, "references a missing activity")
        return _convert(file, row, exchange, unit, target.unit)
    return _convert(file, row, exchange, unit, FLOW_UNIT)


def _refuse_duplicate_keys(exchanges: list[Exchange]) -> None:
    seen: dict[tuple[str, str], str] = {}
    for exchange in exchanges:
        if exchange.key in seen:
            file, _, row = exchange.origin.rpartition(":")
            raise TemplateError(
                file, int(row) if row.isdigit() else None, "input", exchange.input,
                f"duplicate exchange ({exchange.activity_id}, {exchange.input}); first at {seen[exchange.key]}",
            )
        seen[exchange.key] = exchange.origin
