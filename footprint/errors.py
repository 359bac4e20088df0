"""Errors of the footprint package. One hierarchy; each message carries its locator.

A BOM line is located by its *line number*, whose meaning depends on where the BOM came from:
the 0-based index in ``lines[]`` for JSON ("lines[3]"), the 1-based file row for CSV and the
1-based row of the ``lines`` sheet for XLSX (the header is row 1, so the first line is row 2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from lcidb.errors import CarbonlabelError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from footprint.linking import LinkingReport

LineKind = Literal["index", "row"]


def describe_line(line: int | None, line_kind: LineKind, line_id: str | None = None) -> str:
    """'lines[3] (line_id 'pcb')' for JSON, 'row 5 (line_id 'pcb')' for CSV/XLSX."""
    if line is None:
        where = ""
    elif line_kind == "index":
        where = f"lines[{line}]"
    else:
        where = f"row {line}"
    if line_id is not None:
        where = f"{where} (line_id {line_id!r})" if where else f"line_id {line_id!r}"
    return where


class FootprintError(CarbonlabelError):
    """Base of every footprint error."""


class SchedulerError(FootprintError, RuntimeError):
    """The Dask scheduler could not be started or reached."""


class BOMError(FootprintError):
    """A bill of materials is malformed; names the source, line, field and value.

    `others` holds further errors found in the same pass (the message counts them), so a user
    fixing a file sees every problem rather than one per upload. `code` is a stable token
    (`bom.negative_quantity`, `bom.non_finite`, ...; docs/bom-formats.md lists them) that the
    service returns beside the message and every reader (fast or not) must reproduce.
    """

    default_code = "bom.invalid"

    def __init__(
        self,
        source: str,
        line: int | None,
        field: str | None,
        value: object,
        reason: str,
        *,
        line_kind: LineKind = "index",
        line_id: str | None = None,
        others: list[BOMError] | None = None,
        code: str | None = None,
    ):
        self.code = code or self.default_code
        self.source, self.line, self.field, self.value, self.reason = source, line, field, value, reason
        self.line_kind: LineKind = line_kind
        self.line_id = line_id
        self.others: list[BOMError] = list(others or [])
        super().__init__(self._message())

    def _message(self) -> str:
        parts = [self.source or "<bom>"]
        where = describe_line(self.line, self.line_kind, self.line_id)
        if where:
            parts.append(where)
        if self.field:
            parts.append(f"field {self.field!r}")
        text = ", ".join(parts) + f": {self.reason} [{self.code}]"
        if self.value is not None:
            text += f" (value: {self.value!r})"
        if self.others:
            text += f" (and {len(self.others)} more error{'s' if len(self.others) > 1 else ''}: "
            text += "; ".join(o.short() for o in self.others[:5])
            text += "; ..." if len(self.others) > 5 else ""
            text += ")"
        return text

    def short(self) -> str:
        where = describe_line(self.line, self.line_kind, self.line_id) or "bom"
        field = f" {self.field}" if self.field else ""
        return f"{where}{field}: {self.reason}"


class CyclicBOM(BOMError):
    """Following parent_id from a line comes back to it; `cycle` is the path of line ids."""

    def __init__(self, source: str, line: int | None, cycle: list[str], *, line_kind: LineKind = "index"):
        self.cycle = list(cycle)
        super().__init__(
            source, line, "parent_id", cycle[1] if len(cycle) > 1 else None,
            "the BOM has a cycle (each line_id is followed by its parent_id): " + " -> ".join(cycle),
            line_kind=line_kind, line_id=cycle[0] if cycle else None, code="bom.cycle",
        )


class BOMTooDeep(BOMError):
    """A chain of parent lines is longer than footprint.bom.MAX_DEPTH."""

    default_code = "bom.too_deep"


class BOMTooLarge(BOMError):
    """More lines than footprint.bom.MAX_LINES."""

    default_code = "bom.too_many_lines"


class UnitMismatch(BOMError):
    """A line's unit is unknown, or cannot be converted to the unit it must be used in."""

    default_code = "bom.unit"


class FactorNotFound(FootprintError):
    """A factor (activity) id that is not in the snapshot."""

    def __init__(self, factor_id: str, snapshot: str | None = None, line_id: str | None = None):
        self.factor_id, self.snapshot, self.line_id = factor_id, snapshot, line_id
        where = f"line_id {line_id!r}: " if line_id else ""
        inside = f" in snapshot {snapshot}" if snapshot else ""
        super().__init__(f"{where}factor {factor_id!r} not found{inside}")


class UnlinkedLines(FootprintError):
    """Some BOM lines do not link to the snapshot; `report` says which, why and what might fit."""

    def __init__(self, report: LinkingReport, snapshot: str | None = None):
        self.report = report
        self.snapshot = snapshot
        n = len(report.unlinked)
        first = "; ".join(u.summary() for u in report.unlinked[:5])
        more = f"; ... ({n - 5} more)" if n > 5 else ""
        inside = f" against snapshot {snapshot}" if snapshot else ""
        super().__init__(f"{n} BOM line{'s' if n != 1 else ''} do not link{inside}: {first}{more}")


class PactError(FootprintError):
    """Base of the PACT (data exchange) errors."""


class PactExportRefused(PactError):
    """A footprint cannot be written as a PACT v3 ProductFootprint: a field the specification
    requires is missing from our data, or a value breaks one of its constraints. Never filled in."""

    def __init__(self, product_id: str, field: str, reason: str):
        self.product_id, self.field, self.reason = product_id, field, reason
        super().__init__(f"product {product_id!r}: PACT field {field!r}: {reason}")


class InvalidPactDocument(PactError):
    """A PACT document that does not conform; names the source, the JSON path, the value and why."""

    def __init__(self, source: str, path: str, value: object, reason: str):
        self.source, self.path, self.value, self.reason = source, path, value, reason
        text = f"{source}, {path or '<document>'}: {reason}"
        if value is not None and not isinstance(value, (dict, list)):
            text += f" (value: {value!r})"
        super().__init__(text)


class ObsoletePactField(InvalidPactDocument):
    """A v2-only field (or one v3 made obsolete) inside a document that says it is v3."""


class PactFootprintUnusable(PactError):
    """A PACT footprint cannot stand for a BOM line: unit, validity period, status or version."""

    def __init__(self, pf_id: str, reason: str, line_id: str | None = None):
        self.pf_id, self.reason, self.line_id = pf_id, reason, line_id
        where = f"line_id {line_id!r}: " if line_id else ""
        super().__init__(f"{where}PACT footprint {pf_id}: {reason}")
