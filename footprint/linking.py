"""Linking a BOM to the activities of a snapshot, and the report of what does not link.

Every factor line links to the activity named by `factor_id`, with the conversion factor from the
line's unit to the activity's unit (lcidb.units). Every transport leg links to the activity of
its mode (data/transport_modes.csv) or to its own `transport.activity_id`, in t·km. A line that
does not link (unknown factor, incompatible unit, unknown mode) is listed with its line number,
the reason and the best matching activities (fuzzy name match among activities whose unit has
the line's dimension), as JSON, CSV or XLSX. The user fills the `factor_id` column and the
filled report is merged back with `apply_linking_fixes`. Nothing is ever dropped: a BOM with an
unlinked line has `report.ok == False` and its footprint is never complete.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz, process, utils

from footprint.bom import BOM, BOMLine, validate_bom
from footprint.errors import BOMError, LineKind, UnlinkedLines
from lcidb.errors import IncompatibleUnit, UnknownUnit
from lcidb.home import shipped_data_dir
from lcidb.units import conversion_factor, parse_unit, registry

MAX_SUGGESTIONS = 5
# below this WRatio score (0-100) a name shares too little with the query to help the user
MIN_SUGGESTION_SCORE = 40.0
TRANSPORT_UNIT = "tkm"

Reason = Literal[
    "unknown_factor",  # factor_id is not an activity of the snapshot
    "unit_mismatch",  # the line's unit cannot be converted to the activity's unit
    "unknown_transport_mode",  # transport.mode is not in data/transport_modes.csv
    "unknown_transport_activity",  # the mode's (or the leg's own) activity is not in the snapshot
    "transport_unit_mismatch",  # that activity is not per t·km (or another mass × distance unit)
    "activity_unit_unknown",  # the activity's unit is not in the project's unit vocabulary
]


class ActivityLike(Protocol):
    name: str
    unit: str
    category: str
    geography: str


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Suggestion(_Out):
    factor_id: str
    name: str
    unit: str
    geography: str
    category: str
    score: float  # rapidfuzz WRatio, 0-100
    conversion_factor: float  # one unit of the line in the suggested activity's unit


class UnlinkedLine(_Out):
    line_number: int
    line_number_kind: LineKind  # "index": 0-based in lines[] (JSON); "row": file row (CSV/XLSX)
    line_id: str
    name: str
    quantity: float
    unit: str
    kind: Literal["factor", "transport"]
    reason: Reason
    detail: str
    current_value: str | None  # the factor_id or transport mode that did not link
    suggestions: list[Suggestion] = Field(default_factory=list)
    factor_id: str | None = None  # filled in by the user (or "1".."5" for a suggestion)

    def summary(self) -> str:
        where = f"lines[{self.line_number}]" if self.line_number_kind == "index" else f"row {self.line_number}"
        return f"{where} (line_id {self.line_id!r}): {self.detail}"


class LinkedLine(_Out):
    line_id: str
    kind: Literal["factor", "transport"]
    activity_id: str
    activity_unit: str
    # activity units per ONE unit of the line: for a factor line the unit conversion (e.g. t -> kg
    # = 1000); for a transport leg the t·km of one leg (mass_kg / 1000 × distance_km) converted to
    # the activity's unit. So amount_per_parent = quantity × conversion_factor for both kinds.
    conversion_factor: float
    amount_per_parent: float


class LinkingReport(_Out):
    source: str
    line_number_kind: LineKind
    linked: dict[str, LinkedLine] = Field(default_factory=dict)
    unlinked: list[UnlinkedLine] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.unlinked

    def raise_if_unlinked(self, snapshot: str | None = None) -> None:
        if self.unlinked:
            raise UnlinkedLines(self, snapshot)


# ------------------------------------------------------------------------------ transport modes


def transport_modes_path() -> Path:
    return shipped_data_dir() / "transport_modes.csv"


@lru_cache(maxsize=8)
def _read_modes(path: str) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.append((row["mode"].strip().lower(), row["activity_id"].strip()))
    return tuple(out)


def load_transport_modes(path: str | Path | None = None) -> dict[str, str]:
    """mode -> activity id, from data/transport_modes.csv (or `path`)."""
    return dict(_read_modes(str(path or transport_modes_path())))


# ------------------------------------------------------------------------------------- linking


@lru_cache(maxsize=4096)
def _conversion(from_unit: str, to_unit: str) -> float:
    return conversion_factor(from_unit, to_unit)


@lru_cache(maxsize=1024)
def _dimension(unit: str) -> str | None:
    try:
        return str(registry().get_dimensionality(parse_unit(unit)))
    except UnknownUnit:
        return None


def activities_by_id(activities: Any) -> Mapping[str, Any]:
    """A Mapping id -> activity from a Snapshot (`.activities` of objects with `.id`), an iterable
    of such objects, or a Mapping (returned as is)."""
    if isinstance(activities, Mapping):
        return activities
    items = getattr(activities, "activities", activities)
    return {a.id: a for a in items}


def link_bom(bom: BOM, activities: Mapping[str, ActivityLike], *,
             transport_modes: Mapping[str, str] | None = None) -> LinkingReport:
    """Link every factor line and transport leg; list what does not link with suggestions."""
    modes = {k.lower(): v for k, v in (transport_modes or load_transport_modes()).items()}
    loc = bom.locator
    report = LinkingReport(source=loc.source, line_number_kind=loc.kind)
    index = _SuggestionIndex(activities)
    for i, line in enumerate(bom.lines):
        if line.factor_id is not None:
            _link_factor(line, i, activities, index, bom, report)
        elif line.transport is not None:
            _link_transport(line, i, activities, modes, index, bom, report)
    return report


def _unlinked(bom: BOM, i: int, line: BOMLine, kind: Literal["factor", "transport"], reason: Reason,
              detail: str, current: str | None, suggestions: list[Suggestion]) -> UnlinkedLine:
    return UnlinkedLine(
        line_number=bom.locator.number(i), line_number_kind=bom.locator.kind, line_id=line.line_id,
        name=line.name, quantity=line.quantity, unit=line.unit, kind=kind, reason=reason, detail=detail,
        current_value=current, suggestions=suggestions)


def _link_factor(line: BOMLine, i: int, activities: Mapping[str, ActivityLike], index: _SuggestionIndex,
                 bom: BOM, report: LinkingReport) -> None:
    fid = line.factor_id
    assert fid is not None
    meta = activities.get(fid)
    if meta is None:
        report.unlinked.append(_unlinked(
            bom, i, line, "factor", "unknown_factor", f"factor {fid!r} is not in the database",
            fid, index.suggest([line.name, fid], line.unit)))
        return
    try:
        conv = _conversion(line.unit, meta.unit)
    except IncompatibleUnit:
        report.unlinked.append(_unlinked(
            bom, i, line, "factor", "unit_mismatch",
            f"the line is in {line.unit!r} but factor {fid!r} is per {meta.unit!r}; change the line's "
            f"unit and quantity, or pick a factor in a unit of the line's dimension",
            fid, index.suggest([line.name, meta.name, fid], line.unit, exclude=fid)))
        return
    except UnknownUnit:
        report.unlinked.append(_unlinked(
            bom, i, line, "factor", "activity_unit_unknown",
            f"factor {fid!r} has a unit {meta.unit!r} the project does not know", fid,
            index.suggest([line.name, fid], line.unit, exclude=fid)))
        return
    report.linked[line.line_id] = LinkedLine(
        line_id=line.line_id, kind="factor", activity_id=fid, activity_unit=meta.unit,
        conversion_factor=conv, amount_per_parent=line.quantity * conv)


def _link_transport(line: BOMLine, i: int, activities: Mapping[str, ActivityLike], modes: Mapping[str, str],
                    index: _SuggestionIndex, bom: BOM, report: LinkingReport) -> None:
    leg = line.transport
    assert leg is not None
    queries = [f"freight {leg.mode}", line.name]
    if leg.activity_id is not None:
        aid = leg.activity_id
    else:
        mapped = modes.get(leg.mode.strip().lower())
        if mapped is None:
            report.unlinked.append(_unlinked(
                bom, i, line, "transport", "unknown_transport_mode",
                f"transport mode {leg.mode!r} is not one of {', '.join(sorted(modes))}; use one of them "
                f"or fill in a freight activity (per t·km)",
                leg.mode, index.suggest(queries, TRANSPORT_UNIT)))
            return
        aid = mapped
    meta = activities.get(aid)
    if meta is None:
        report.unlinked.append(_unlinked(
            bom, i, line, "transport", "unknown_transport_activity",
            f"freight activity {aid!r} (mode {leg.mode!r}) is not in the database", aid,
            index.suggest(queries + [aid], TRANSPORT_UNIT)))
        return
    try:
        conv = _conversion(TRANSPORT_UNIT, meta.unit)
    except (IncompatibleUnit, UnknownUnit):
        report.unlinked.append(_unlinked(
            bom, i, line, "transport", "transport_unit_mismatch",
            f"freight activity {aid!r} is per {meta.unit!r}, not per t·km", aid,
            index.suggest(queries + [aid], TRANSPORT_UNIT, exclude=aid)))
        return
    per_leg = leg.tkm * conv
    report.linked[line.line_id] = LinkedLine(
        line_id=line.line_id, kind="transport", activity_id=aid, activity_unit=meta.unit,
        conversion_factor=per_leg, amount_per_parent=line.quantity * per_leg)


class _SuggestionIndex:
    """Activities grouped by the dimension of their unit, built on first use (most BOMs link)."""

    def __init__(self, activities: Mapping[str, ActivityLike]):
        self._activities = activities
        self._by_dim: dict[str, dict[str, str]] | None = None

    def _groups(self) -> dict[str, dict[str, str]]:
        if self._by_dim is None:
            groups: dict[str, dict[str, str]] = {}
            for aid, meta in self._activities.items():
                dim = _dimension(meta.unit)
                if dim is not None:
                    groups.setdefault(dim, {})[aid] = meta.name
            self._by_dim = groups
        return self._by_dim

    def suggest(self, queries: Iterable[str], unit: str, exclude: str | None = None) -> list[Suggestion]:
        dim = _dimension(unit)
        pool = self._groups().get(dim or "", {})
        if not pool:
            return []
        ids = {aid: aid.replace("_", " ") for aid in pool}
        best: dict[str, float] = {}
        for query in queries:
            if not query:
                continue
            for choices in (pool, ids):
                for _, score, aid in process.extract(query, choices, scorer=fuzz.WRatio,
                                                     processor=utils.default_process, limit=MAX_SUGGESTIONS * 2,
                                                     score_cutoff=MIN_SUGGESTION_SCORE):
                    if aid != exclude and score > best.get(aid, -1.0):
                        best[aid] = score
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_SUGGESTIONS]
        out = []
        for aid, score in ranked:
            meta = self._activities[aid]
            out.append(Suggestion(factor_id=aid, name=meta.name, unit=meta.unit, geography=meta.geography,
                                  category=meta.category, score=round(float(score), 1),
                                  conversion_factor=_conversion(unit, meta.unit)))
        return out


# ------------------------------------------------------------------------- report as a sheet

REPORT_COLUMNS: tuple[str, ...] = (
    "line_number", "line_number_kind", "line_id", "name", "quantity", "unit", "kind", "reason", "detail",
    "current_value",
    *(c for n in range(1, MAX_SUGGESTIONS + 1) for c in (f"suggestion_{n}", f"suggestion_{n}_detail")),
    "factor_id",
)


def report_rows(report: LinkingReport) -> list[dict[str, object]]:
    """One row per unlinked line; `factor_id` (last column) is the one to fill."""
    rows = []
    for u in report.unlinked:
        row: dict[str, object] = {
            "line_number": u.line_number, "line_number_kind": u.line_number_kind, "line_id": u.line_id,
            "name": u.name, "quantity": u.quantity, "unit": u.unit, "kind": u.kind, "reason": u.reason,
            "detail": u.detail, "current_value": u.current_value or "",
        }
        for n in range(1, MAX_SUGGESTIONS + 1):
            s = u.suggestions[n - 1] if n <= len(u.suggestions) else None
            row[f"suggestion_{n}"] = s.factor_id if s else ""
            row[f"suggestion_{n}_detail"] = (
                f"{s.name} [{s.unit}, {s.geography}] score {s.score:g}" if s else "")
        row["factor_id"] = u.factor_id or ""
        rows.append(row)
    return rows


def write_linking_report(report: LinkingReport, path: str | Path) -> None:
    """JSON (the whole report), CSV or XLSX (one row per unlinked line), by suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        path.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    elif suffix == ".csv":
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(REPORT_COLUMNS), lineterminator="\n")
            writer.writeheader()
            writer.writerows(report_rows(report))
    elif suffix == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "unlinked"
        ws.append(list(REPORT_COLUMNS))
        for row in report_rows(report):
            ws.append([row[c] for c in REPORT_COLUMNS])
        wb.save(path)
    else:
        raise BOMError(str(path), None, None, suffix, "unknown report format; use .json, .csv or .xlsx")


def read_filled_report(path: str | Path) -> dict[str, str]:
    """line_id -> the filled `factor_id` (rows left empty are skipped). Suggestion numbers "1".."5"
    are resolved against the row's suggestion columns."""
    path = Path(path)
    suffix = path.suffix.lower()
    source = str(path)
    if suffix == ".json":
        report = LinkingReport.model_validate_json(path.read_bytes())
        return _fixes_from_report(report)
    if suffix == ".csv":
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            records = [(reader.line_num, dict(r)) for r in reader]
            header = reader.fieldnames or []
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            ws = wb[wb.sheetnames[0]]
            table = [list(r) for r in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
        header = ["" if h is None else str(h) for h in (table[0] if table else [])]
        records = [(n, dict(zip(header, r))) for n, r in enumerate(table[1:], start=2)]
    else:
        raise BOMError(source, None, None, suffix, "unknown report format; use .json, .csv or .xlsx")
    for needed in ("line_id", "factor_id"):
        if needed not in header:
            raise BOMError(source, 1, needed, None, f"the report has no {needed!r} column", line_kind="row")
    fixes: dict[str, str] = {}
    for row, record in records:
        value = _clean(record.get("factor_id"))
        line_id = _clean(record.get("line_id"))
        if not value:
            continue
        if not line_id:
            raise BOMError(source, row, "line_id", None, "factor_id filled on a row without line_id",
                           line_kind="row")
        if value.isdigit() and 1 <= int(value) <= MAX_SUGGESTIONS:
            picked = _clean(record.get(f"suggestion_{value}"))
            if not picked:
                raise BOMError(source, row, "factor_id", value, f"suggestion {value} is empty on this row",
                               line_kind="row", line_id=line_id)
            value = picked
        fixes[line_id] = value
    return fixes


def _clean(value: object) -> str:
    return "" if value is None else str(value).strip()


def _fixes_from_report(report: LinkingReport) -> dict[str, str]:
    fixes = {}
    for u in report.unlinked:
        value = (u.factor_id or "").strip()
        if not value:
            continue
        if value.isdigit() and 1 <= int(value) <= MAX_SUGGESTIONS:
            n = int(value)
            if n > len(u.suggestions):
                raise BOMError(report.source, u.line_number, "factor_id", value,
                               f"suggestion {n} does not exist for this line", line_kind=u.line_number_kind,
                               line_id=u.line_id)
            value = u.suggestions[n - 1].factor_id
        fixes[u.line_id] = value
    return fixes


def apply_linking_fixes(bom: BOM, filled_report: LinkingReport | Mapping[str, str] | str | Path) -> BOM:
    """A new BOM with the filled factor ids: a factor line gets the new `factor_id`, a transport leg
    the new `transport.activity_id`. Link the result again to see what is left."""
    if isinstance(filled_report, LinkingReport):
        fixes = _fixes_from_report(filled_report)
    elif isinstance(filled_report, (str, Path)):
        fixes = read_filled_report(filled_report)
    else:
        fixes = {k: v.strip() for k, v in filled_report.items() if v and v.strip()}
    if not fixes:
        return bom
    data = bom.model_dump(mode="python")
    by_id = {line["line_id"]: line for line in data["lines"]}
    for line_id, value in fixes.items():
        line = by_id.get(line_id)
        if line is None:
            raise BOMError(bom.locator.source, None, "line_id", line_id,
                           "the filled report names a line that is not in the BOM")
        if line["factor_id"] is not None:
            line["factor_id"] = value
        elif line["transport"] is not None:
            line["transport"]["activity_id"] = value
        else:
            raise BOMError(bom.locator.source, bom.line_number(line_id), "factor_id", value,
                           "this line has a supplier footprint or child lines, not a factor to link",
                           line_kind=bom.locator.kind, line_id=line_id)
    return validate_bom(data, bom.locator)


def report_json(report: LinkingReport) -> str:
    return json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False)
