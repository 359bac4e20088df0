"""The bill of materials (BOM): the engine's input model.

A BOM is a product (declared unit, boundary, period, site) and a forest of lines. Each line
states a quantity per ONE unit of its parent line (or per one declared unit at top level) and is
EXACTLY one of:

- a factor line (`factor_id`: an activity of the lcidb snapshot),
- a supplier footprint (`supplier_pcf`: kg CO2e per one unit of the line),
- an assembly (other lines name it as `parent_id`),
- a transport leg (`transport`: mode, distance_km, mass_kg moved per one unit of the parent;
  t·km = quantity × mass_kg / 1000 × distance_km).

A negative quantity is only allowed on a line marked `credit: true` (and a credit line must be
negative: the sign lives in the quantity, so the engine computes every line the same way).
A supplier footprint is given in PACT-style parts: emissions >= 0, biogenic uptake and removals
<= 0 in their own fields; a negative emissions figure is refused, so an impossible footprint
cannot be typed in as one number.

Every error is a BOMError with a stable `code` (docs/bom-formats.md lists them); numbers are
strict (a boolean is not a number), finite and below named magnitude limits; names carry no
control or bidi-override characters and are not blank.

Parsing must be fast (batches of 100,000 BOMs): field checks are declarative pydantic
constraints handled in Rust; the graph checks (ids, parents, cycles, depth, exactly-one-of)
run once, in one Python pass over plain dicts, in `BOM._check_graph`. The result of that pass
(children lists, topological order) is kept for the engine.

Readers that know the file rows (CSV, XLSX) pass a `LineLocator` in the validation context so
errors name the row rather than the index; see footprint/bom_io.py.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from types import SimpleNamespace
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from collections.abc import Callable, Iterator

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, ValidationInfo, model_validator

from footprint.errors import (
    BOMError,
    BOMTooDeep,
    BOMTooLarge,
    CyclicBOM,
    LineKind,
    UnitMismatch,
)
from footprint.result import Boundary, DataType, Stage
from footprint.values import (
    DQR,
    DeclaredUnit,
    Exclusion,
    Finite,
    NonEmpty,
    OptionalText,
    ReferencePeriod,
    check_free_text,  # noqa: F401 - re-exported
    check_text,  # noqa: F401 - re-exported
    text_problem,  # noqa: F401 - re-exported
)
from footprint.limits import (  # noqa: F401  (re-exported: callers import them from here)
    CBAM_ROLE_PATTERN, MAX_AMOUNT_PER_DECLARED_UNIT, MAX_DEPTH, MAX_DISTANCE_KM, MAX_LINES, MAX_MAGNITUDE,
    MAX_MASS_KG, MAX_PCF_PER_UNIT, MAX_QUANTITY, MAX_TEXT_LENGTH, MAX_UNCERTAINTY_SIGMA,
)
from footprint.strict_json import InvalidJSON, loads_strict
from lcidb.errors import UnknownUnit
from lcidb.units import parse_unit, registry

BOM_SCHEMA_VERSION = "1"

# Limits and magnitudes: footprint.limits (shared with the columnar batch path without pydantic)
_CBAM_ROLE_RE = re.compile(CBAM_ROLE_PATTERN)

class _Input(BaseModel):
    # Inputs: unknown keys are errors (a typo must not silently drop a field) and NaN/inf never
    # enter a calculation.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


LineDQR = DQR  # the name the BOM format used for it


class ElectricityInstrument(_Input):
    """A green certificate (GEC / I-REC) or a power purchase contract for the site."""

    mwh: Finite = Field(gt=0, le=MAX_MAGNITUDE)
    technology: Literal["pv", "wind", "hydro", "biomass", "nuclear", "geothermal", "other"]
    region: NonEmpty
    vintage: int = Field(ge=2000, le=2100, strict=True)


URN_PATTERN = r"^[uU][rR][nN]:[A-Za-z0-9][A-Za-z0-9-]{0,31}:\S+$"


class ProductExchangeData(_Input):
    """What PACT v3 asks of a product that the footprint cannot compute (docs/pact.md).

    Carbon contents are kg of carbon (C, not CO2) in one declared unit of the product, as the
    exporter measured or declared them. Without `fossil_carbon_content_kgc` a PACT export is
    refused: the field is mandatory in PACT v3 and is never guessed.
    """

    fossil_carbon_content_kgc: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    biogenic_carbon_content_kgc: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    description: str | None = Field(default=None, min_length=1)
    # further identifiers of the product (GTIN, supplier part number) and classifications, as URNs
    product_ids: list[Annotated[str, Field(pattern=URN_PATTERN)]] = Field(default_factory=list)
    classifications: list[Annotated[str, Field(pattern=URN_PATTERN)]] = Field(default_factory=list)
    # operator of the product rule (`product.product_rule`): "PEF", "EPD International" or the
    # name of another programme operator; without it the rule is not exported (PACT needs both)
    product_rule_operator: str | None = Field(default=None, min_length=1)


class Product(_Input):
    id: NonEmpty
    name: NonEmpty
    category: NonEmpty
    product_rule: OptionalText | None = None
    declared_unit: DeclaredUnit
    cn_code: str | None = Field(default=None, pattern=r"^\d{4}(\d{2}){0,2}$")
    mass_kg: Finite | None = Field(default=None, gt=0, le=MAX_MASS_KG)
    boundary: Boundary
    reference_period: ReferencePeriod
    site_region: NonEmpty
    national_catalogue: bool = Field(default=False, strict=True)
    # market-based electricity: the site's consumption in the reference period, the number of
    # declared units produced in it, and the instruments claimed against that consumption
    site_electricity_mwh: Finite | None = Field(default=None, ge=0, le=MAX_MAGNITUDE)
    production_volume: Finite | None = Field(default=None, gt=0, le=MAX_MAGNITUDE)
    electricity_instruments: list[ElectricityInstrument] = Field(default_factory=list)
    # data for PACT exchange only; never enters the computation (nor the result's input hash)
    pact: ProductExchangeData | None = None


class SupplierPCF(_Input):
    """A supplier's cradle-to-gate footprint per ONE unit of the line (in the line's unit), in
    PACT v3's parts: what was emitted (>= 0; `fossil` and `biogenic` split it), and what was
    taken up or removed (<= 0, each in its own field). The line books the sum of the three.

    A negative emissions figure is refused: a supplier that stores carbon says so in
    `biogenic_uptake` or `removals`, where the label rules can see it.
    """

    kgco2e_per_unit: Finite = Field(ge=0, le=MAX_PCF_PER_UNIT,
                                    description="GHG emissions (kg CO2e per unit), excluding uptake and removals")
    fossil: Finite | None = Field(default=None, ge=0, le=MAX_PCF_PER_UNIT,
                                  description="fossil part of the emissions (PACT fossilGhgEmissions)")
    biogenic: Finite | None = Field(default=None, ge=0, le=MAX_PCF_PER_UNIT,
                                    description="biogenic part of the emissions (PACT biogenicNonCO2Emissions "
                                                "+ landManagementBiogenicCO2Emissions)")
    biogenic_uptake: Finite | None = Field(default=None, le=0, ge=-MAX_PCF_PER_UNIT,
                                           description="biogenic CO2 taken up, <= 0 (PACT biogenicCO2Uptake)")
    removals: Finite | None = Field(default=None, le=0, ge=-MAX_PCF_PER_UNIT,
                                    description="technological and land-management CO2 removals, <= 0 (PACT "
                                                "technologicalCO2Removals + landManagementBiogenicCO2Removals)")
    verified: bool = Field(default=False, strict=True)
    # provenance: the PACT ProductFootprint id these figures come from (footprint.pact_supplier);
    # a newer footprint of the supplier lists it in precedingPfIds, which is how we find the lines
    # (and footprints, certificates) it would change
    pact_pf_id: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

    @property
    def net_per_unit(self) -> float:
        """Emissions plus uptake plus removals: what one unit of the line books."""
        return self.kgco2e_per_unit + (self.biogenic_uptake or 0.0) + (self.removals or 0.0)


class TransportLeg(_Input):
    """A freight leg: `mass_kg` moved over `distance_km` per one unit of the parent.

    `mode` is looked up in data/transport_modes.csv; `activity_id` overrides that table (e.g. a
    regional truck factor, or the fix written back from a linking report).
    """

    mode: NonEmpty
    distance_km: Finite = Field(gt=0, le=MAX_DISTANCE_KM)
    mass_kg: Finite = Field(gt=0, le=MAX_MASS_KG)
    activity_id: OptionalText | None = None

    @property
    def tkm(self) -> float:
        return self.mass_kg / 1000.0 * self.distance_km


class BOMLine(_Input):
    line_id: NonEmpty
    parent_id: OptionalText | None = None
    name: NonEmpty
    quantity: Finite = Field(ge=-MAX_QUANTITY, le=MAX_QUANTITY)
    unit: NonEmpty
    stage: Stage
    data_type: DataType
    factor_id: OptionalText | None = None
    supplier_pcf: SupplierPCF | None = None
    transport: TransportLeg | None = None
    credit: bool = Field(default=False, strict=True)
    uncertainty_sigma: Finite | None = Field(default=None, gt=0, le=MAX_UNCERTAINTY_SIGMA)
    dqr: LineDQR | None = None
    cbam_role: str | None = Field(default=None, pattern=CBAM_ROLE_PATTERN)

    @property
    def kind(self) -> Literal["factor", "supplier_pcf", "transport", "children"]:
        if self.factor_id is not None:
            return "factor"
        if self.supplier_pcf is not None:
            return "supplier_pcf"
        if self.transport is not None:
            return "transport"
        return "children"


@dataclass(frozen=True)
class LineLocator:
    """Maps a line's index in `lines[]` to the number a user sees in their file."""

    source: str = "<json>"
    kind: LineKind = "index"
    rows: tuple[int, ...] | None = None  # file row of lines[i], for kind == "row"

    def number(self, index: int) -> int:
        if self.kind == "row" and self.rows is not None and index < len(self.rows):
            return self.rows[index]
        return index

    def error(self, cls: type[BOMError], index: int | None, field: str | None, value: object,
              reason: str, line_id: str | None = None, code: str | None = None) -> BOMError:
        line = None if index is None else self.number(index)
        return cls(self.source, line, field, value, reason, line_kind=self.kind, line_id=line_id, code=code)


@dataclass(frozen=True)
class _Graph:
    by_id: dict[str, int]
    children: dict[str | None, tuple[int, ...]]  # None -> top-level lines
    order: tuple[int, ...]  # parents before children (pre-order, file order among siblings)
    depth: tuple[int, ...]
    lines_ref: int = 0  # id() of the lines list it was built from (model_copy(update=...) swaps it)


@lru_cache(maxsize=512)
def _unit_dimensionality(unit: str) -> str:
    """pint's dimensionality of a unit string, as text; raises UnknownUnit."""
    return str(registry().get_dimensionality(parse_unit(unit)))


COUNT_DIMENSION = "[count]"


class BOM(_Input):
    schema_version: Literal["1"] = "1"  # BOM_SCHEMA_VERSION
    product: Product
    lines: list[BOMLine]
    exclusions: list[Exclusion] = Field(default_factory=list)

    _graph: _Graph | None = PrivateAttr(default=None)
    _locator: LineLocator = PrivateAttr(default_factory=LineLocator)

    # equality is about content, not about which file (or row numbers) it was read from
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BOM):
            return NotImplemented
        return (self.schema_version == other.schema_version and self.product == other.product
                and self.lines == other.lines and self.exclusions == other.exclusions)

    __hash__ = None  # type: ignore[assignment]

    # ------------------------------------------------------------------ validation
    @model_validator(mode="after")
    def _check_graph(self, info: ValidationInfo) -> BOM:
        ctx = info.context if isinstance(info.context, dict) else None
        locator = ctx.get("locator") if ctx else None
        if isinstance(locator, LineLocator):
            self._locator = locator
        self._graph = _check(self, self._locator)
        return self

    # ------------------------------------------------------------------ engine helpers
    @property
    def locator(self) -> LineLocator:
        return self._locator

    def _g(self) -> _Graph:
        graph = self._graph
        if graph is None or graph.lines_ref != id(self.lines):  # model_construct / model_copy(update)
            graph = self._graph = _check(self, self._locator)
        return graph

    def line(self, line_id: str) -> BOMLine:
        try:
            return self.lines[self._g().by_id[line_id]]
        except KeyError:
            raise BOMError(self._locator.source, None, "line_id", line_id, "no such line") from None

    def index_of(self, line_id: str) -> int:
        return self._g().by_id[line_id]

    def line_number(self, line_id: str) -> int:
        """The number the user sees: file row (CSV/XLSX) or index in lines[] (JSON)."""
        return self._locator.number(self._g().by_id[line_id])

    def roots(self) -> list[BOMLine]:
        """Top-level lines (per declared unit), in file order."""
        return [self.lines[i] for i in self._g().children.get(None, ())]

    def children_of(self, line_id: str) -> list[BOMLine]:
        """Lines whose parent is `line_id` (quantities per one unit of it), in file order."""
        g = self._g()
        if line_id not in g.by_id:
            raise BOMError(self._locator.source, None, "line_id", line_id, "no such line")
        return [self.lines[i] for i in g.children.get(line_id, ())]

    def topological_order(self) -> list[BOMLine]:
        """Every line once, each parent before its children (pre-order, file order among siblings)."""
        return [self.lines[i] for i in self._g().order]

    def topological_indices(self) -> tuple[int, ...]:
        """Indices into `lines`, each parent before its children (the engine's hot loop uses these)."""
        return self._g().order

    def depth_of(self, line_id: str) -> int:
        """1 for a top-level line."""
        g = self._g()
        return g.depth[g.by_id[line_id]]

    def iter_leaves(self) -> Iterator[BOMLine]:
        """Lines that are not assemblies (factor, supplier PCF, transport)."""
        for line in self.topological_order():
            if line.kind != "children":
                yield line


def _check(bom: BOM, loc: LineLocator) -> _Graph:
    """All cross-line checks in one pass over plain dicts; raises BOMError naming the line."""
    lines = bom.lines
    n = len(lines)
    if n > MAX_LINES:
        raise loc.error(BOMTooLarge, None, "lines", n,
                        f"the BOM has {n} lines; at most {MAX_LINES} are accepted")
    if n == 0:
        raise loc.error(BOMError, None, "lines", None, "the BOM has no lines", code="bom.no_lines")
    errors: list[BOMError] = []
    _check_product(bom, loc, errors)

    by_id: dict[str, int] = {}
    for i, line in enumerate(lines):
        lid = line.line_id
        if lid in by_id:
            errors.append(loc.error(BOMError, i, "line_id", lid,
                                    f"duplicate line_id (first at {_where(loc, by_id[lid])})", lid,
                                    code="bom.duplicate_line_id"))
        else:
            by_id[lid] = i

    children: dict[str | None, list[int]] = {}
    for i, line in enumerate(lines):
        pid = line.parent_id
        if pid is not None and pid not in by_id:
            errors.append(loc.error(BOMError, i, "parent_id", pid, "parent line not found", line.line_id,
                                    code="bom.unknown_parent"))
            continue
        children.setdefault(pid, []).append(i)

    if errors:  # the walk below needs unique ids and existing parents
        raise _combined(errors)

    # pre-order walk from the roots: gives the order, the depth and the amount per declared unit;
    # lines it never reaches sit on a cycle (each line has one parent, so an unreachable line's
    # parent chain must loop)
    depth = [0] * n
    amount = [0.0] * n
    order: list[int] = []
    stack = list(reversed(children.get(None, [])))
    for i in stack:
        depth[i] = 1
        amount[i] = lines[i].quantity
    too_deep: BOMError | None = None
    too_much: BOMError | None = None
    while stack:
        i = stack.pop()
        order.append(i)
        d = depth[i]
        if abs(amount[i]) > MAX_AMOUNT_PER_DECLARED_UNIT and too_much is None:
            too_much = loc.error(BOMError, i, "quantity", lines[i].quantity,
                                 f"the quantities multiplied down the tree give {amount[i]:.6g} {lines[i].unit} "
                                 f"per declared unit; at most {MAX_AMOUNT_PER_DECLARED_UNIT:g} are accepted "
                                 "(a unit or typing error)", lines[i].line_id, code="bom.too_large")
        if d > MAX_DEPTH and too_deep is None:
            too_deep = loc.error(BOMTooDeep, i, "parent_id", lines[i].parent_id,
                                 f"the line is {d} levels deep; at most {MAX_DEPTH} are accepted "
                                 f"(path: {' -> '.join(_path_to_root(lines, by_id, i, 8))})",
                                 lines[i].line_id)
        kids = children.get(lines[i].line_id)
        if kids:
            for k in reversed(kids):
                depth[k] = d + 1
                amount[k] = amount[i] * lines[k].quantity
                stack.append(k)
    if len(order) < n:
        errors.append(_find_cycle(lines, by_id, depth, loc))
    if too_deep is not None:
        errors.append(too_deep)
    if too_much is not None:
        errors.append(too_much)

    for i, line in enumerate(lines):
        _check_line(line, i, line.line_id in children, loc, errors)
    if errors:
        raise _combined(errors)
    return _Graph(by_id=by_id, children={k: tuple(v) for k, v in children.items()},
                  order=tuple(order), depth=tuple(depth), lines_ref=id(lines))


def _combined(errors: list[BOMError]) -> BOMError:
    first = errors[0]
    first.others = errors[1:]
    first.args = (first._message(),)
    return first


def _where(loc: LineLocator, index: int) -> str:
    return f"lines[{index}]" if loc.kind == "index" else f"row {loc.number(index)}"


def _path_to_root(lines: list[BOMLine], by_id: dict[str, int], i: int, keep: int) -> list[str]:
    path = [lines[i].line_id]
    pid = lines[i].parent_id
    while pid is not None:
        path.append(pid)
        pid = lines[by_id[pid]].parent_id
    path.reverse()
    if len(path) > keep:
        path = path[: keep // 2] + ["..."] + path[-keep // 2:]
    return path


def _find_cycle(lines: list[BOMLine], by_id: dict[str, int], depth: list[int], loc: LineLocator) -> CyclicBOM:
    start = next(i for i, d in enumerate(depth) if d == 0)
    seen: dict[int, int] = {}
    path: list[int] = []
    i = start
    while i not in seen:
        seen[i] = len(path)
        path.append(i)
        i = by_id[lines[i].parent_id]  # type: ignore[index]  # unreachable lines have a parent
    cycle_idx = path[seen[i]:]
    # report the cycle from its first line in file order, parent after child, closing the loop
    first = min(range(len(cycle_idx)), key=lambda k: cycle_idx[k])
    cycle_idx = cycle_idx[first:] + cycle_idx[:first]
    ids = [lines[k].line_id for k in cycle_idx] + [lines[cycle_idx[0]].line_id]
    return CyclicBOM(loc.source, loc.number(cycle_idx[0]), ids, line_kind=loc.kind)


def _check_line(line: BOMLine, i: int, has_children: bool, loc: LineLocator, errors: list[BOMError]) -> None:
    lid = line.line_id
    sources = ((line.factor_id is not None) + (line.supplier_pcf is not None)
               + (line.transport is not None) + has_children)
    if sources != 1:  # the message is built only on the error path (this runs for every line)
        kinds = [name for name, present in (
            ("factor_id", line.factor_id is not None), ("supplier_pcf", line.supplier_pcf is not None),
            ("transport", line.transport is not None), ("child lines", has_children)) if present]
        reason = ("the line has none of factor_id, supplier_pcf, transport or child lines"
                  if not kinds else "the line has more than one of " + ", ".join(kinds))
        errors.append(loc.error(BOMError, i, None, None, reason + " (exactly one is required)", lid,
                                code="bom.line_kind"))
    q = line.quantity
    if q < 0 and not line.credit:
        errors.append(loc.error(BOMError, i, "quantity", q,
                                "negative quantity on a line that is not marked credit: true", lid,
                                code="bom.negative_quantity"))
    elif line.credit and not q < 0:
        errors.append(loc.error(BOMError, i, "quantity", q,
                                "a credit line must have a negative quantity (the sign is the credit)", lid,
                                code="bom.credit_not_negative"))
    pcf = line.supplier_pcf
    if pcf is not None and (pcf.fossil is not None or pcf.biogenic is not None):
        parts = (pcf.fossil or 0.0) + (pcf.biogenic or 0.0)
        if parts > pcf.kgco2e_per_unit * (1 + 1e-9) + 1e-12:
            errors.append(loc.error(BOMError, i, "supplier_pcf.fossil", parts,
                                    f"fossil + biogenic ({parts:g}) exceed the emissions they split "
                                    f"(kgco2e_per_unit {pcf.kgco2e_per_unit:g})", lid,
                                    code="bom.pcf_parts_exceed_emissions"))
    try:
        dim = _unit_dimensionality(line.unit)
    except UnknownUnit as exc:
        errors.append(loc.error(UnitMismatch, i, "unit", line.unit, str(exc).split(";")[0], lid,
                                code="bom.unknown_unit"))
        return
    if line.transport is not None and dim != COUNT_DIMENSION:
        errors.append(loc.error(UnitMismatch, i, "unit", line.unit,
                                "a transport leg counts legs per unit of its parent: its unit must be "
                                "a count (piece), the t·km come from mass_kg and distance_km", lid,
                                code="bom.transport_unit"))


def _check_product(bom: BOM, loc: LineLocator, errors: list[BOMError]) -> None:
    p = bom.product
    if p.reference_period.end < p.reference_period.start:
        errors.append(loc.error(BOMError, None, "product.reference_period", 
                                f"{p.reference_period.start}..{p.reference_period.end}",
                                "the reference period ends before it starts", code="bom.period_order"))
    try:
        _unit_dimensionality(p.declared_unit.unit)
    except UnknownUnit as exc:
        errors.append(loc.error(UnitMismatch, None, "product.declared_unit.unit", p.declared_unit.unit,
                                str(exc).split(";")[0], code="bom.unknown_unit"))
    if p.electricity_instruments:
        if p.site_electricity_mwh is None or p.production_volume is None:
            errors.append(loc.error(BOMError, None, "product.electricity_instruments", None,
                                    "instruments need site_electricity_mwh and production_volume "
                                    "to be allocated to one declared unit", code="bom.instruments_incomplete"))
        else:
            claimed = math.fsum(x.mwh for x in p.electricity_instruments)
            if claimed > p.site_electricity_mwh * (1 + 1e-9):
                errors.append(loc.error(BOMError, None, "product.electricity_instruments", claimed,
                                        f"instruments cover {claimed} MWh but the site used "
                                        f"{p.site_electricity_mwh} MWh (a double claim)",
                                        code="bom.instruments_double_claim"))


def validate_bom(data: Any, locator: LineLocator | None = None,
                 field_name: Callable[[tuple[str | int, ...]], str] | None = None) -> BOM:
    """BOM.model_validate, with every error turned into a BOMError that names the line."""
    loc = locator or LineLocator()
    try:
        return BOM.model_validate(data, context={"locator": loc})
    except ValidationError as exc:
        raise bom_error_from_validation(exc, loc, data, field_name) from None


def validate_bom_json(text: str | bytes, locator: LineLocator | None = None) -> BOM:
    """A BOM from JSON text, errors as BOMError. The text is read strictly first (duplicate keys,
    NaN, 1e400, NUL and lone surrogates are refused: footprint.strict_json), then validated."""
    loc = locator or LineLocator()
    try:
        data = loads_strict(text, source=loc.source)
    except InvalidJSON as exc:
        raise bom_error_from_json(exc, loc) from None
    try:  # the text is now known to be strict JSON: pydantic's own (Rust) reader is the faster way on
        return BOM.model_validate_json(text, context={"locator": loc})
    except ValidationError as exc:
        raise bom_error_from_validation(exc, loc, data, None) from None


def bom_error_from_json(exc: InvalidJSON, loc: LineLocator) -> BOMError:
    """A strict-JSON refusal as a BOMError: `bom.` + the JSON code, the line and field when inside lines[]."""
    code = "bom." + exc.code.split(".", 1)[1]
    if exc.line is not None:  # a syntax error: the text line and column are what locate it
        return BOMError(loc.source, exc.line, None, None, f"invalid JSON: {exc.reason} (column {exc.column})",
                        line_kind="row", code=code)
    parts = exc.parts or ()
    if len(parts) >= 2 and parts[0] == "lines" and isinstance(parts[1], int):
        field = ".".join(str(p) for p in parts[2:]) or None
        return loc.error(BOMError, parts[1], field, None, exc.reason, None, code=code)
    return loc.error(BOMError, None, ".".join(str(p) for p in parts) or None, None, exc.reason, code=code)


_REASONS = {"extra_forbidden": "unknown field", "missing": "required field is missing"}

# pydantic's error type -> the stable code of docs/bom-formats.md
_CODES = {
    "extra_forbidden": "bom.unknown_field",
    "missing": "bom.missing_field",
    "finite_number": "bom.non_finite",
    "float_type": "bom.not_a_number",
    "float_parsing": "bom.not_a_number",
    "int_type": "bom.not_a_number",
    "int_parsing": "bom.not_a_number",
    "bool_type": "bom.not_a_boolean",
    "string_type": "bom.not_text",
    "string_too_short": "bom.blank_text",
    "string_too_long": "bom.text_too_long",
    "blank_text": "bom.blank_text",
    "control_character": "bom.control_character",
    "bidi_control": "bom.bidi_control",
    "lone_surrogate": "bom.lone_surrogate",
    "literal_error": "bom.invalid_value",
    "enum": "bom.invalid_value",
    "string_pattern_mismatch": "bom.invalid_value",
    "date_from_datetime_parsing": "bom.invalid_date",
    "date_parsing": "bom.invalid_date",
    "date_type": "bom.invalid_date",
    "list_type": "bom.wrong_type",
    "dict_type": "bom.wrong_type",
    "model_type": "bom.wrong_type",
    "model_attributes_type": "bom.wrong_type",
}
# bounds: a negative emissions figure has its own code; magnitudes beyond the named limits are
# "too_large"; other bounds (> 0, 1..5, 0..1) are "out_of_range"
_BOUND_TYPES = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})


def _code_of(err: Any, path: tuple[str | int, ...]) -> str:
    kind = err["type"]
    if kind in _BOUND_TYPES:
        names = [p for p in path if isinstance(p, str)]
        ctx = err.get("ctx", {})
        limit = next((ctx[k] for k in ("gt", "ge", "lt", "le") if k in ctx), None)
        if names[-2:] == ["supplier_pcf", "kgco2e_per_unit"] and kind == "greater_than_equal":
            return "bom.negative_emissions"
        if names and names[-1] in ("biogenic_uptake", "removals") and kind == "less_than_equal":
            return "bom.positive_removal"
        if isinstance(limit, (int, float)) and abs(limit) >= 1e3:
            return "bom.too_large"
        return "bom.out_of_range"
    if kind == "float_type" and isinstance(err.get("input"), bool):
        return "bom.boolean_as_number"
    return _CODES.get(kind, "bom.invalid")


def _reason_of(err: Any, code: str) -> str:
    if code == "bom.too_large":
        ctx = err.get("ctx", {})
        limit = next((ctx[k] for k in ("le", "lt", "ge", "gt") if k in ctx), 0)
        return (f"beyond the plausible limit of {abs(limit):g} in magnitude (a unit or typing error; "
                "the limits are listed in docs/bom-formats.md)")
    return _REASONS.get(err["type"], err["msg"])


def bom_error_from_validation(exc: ValidationError, loc: LineLocator, data: Any = None,
                              field_name: Callable[[tuple[str | int, ...]], str] | None = None) -> BOMError:
    """All of pydantic's errors as one BOMError (the first, with the rest in `.others`)."""
    found: list[BOMError] = []
    for err in exc.errors(include_url=False):
        path = tuple(err["loc"])
        index: int | None = None
        line_id: str | None = None
        rest = path
        if len(path) >= 2 and path[0] == "lines" and isinstance(path[1], int):
            index, rest = path[1], path[2:]
            line_id = _raw_line_id(data, index)
        field: str | None
        if field_name is not None and index is not None:
            field = field_name(rest)
        else:
            field = ".".join(str(p) for p in (rest if index is not None else path)) or None
        code = _code_of(err, path)
        found.append(loc.error(UnitMismatch if field == "unit" else BOMError, index, field, _error_value(err),
                               _reason_of(err, code), line_id, code=code))
    return _combined(found)


def check_head(product: Any, exclusions: Any, product_source: str, exclusions_source: str,
               exclusion_rows: tuple[int, ...] | None = None) -> None:
    """Validate the product and the exclusions on their own, so that errors name the file (or
    sheet) they were read from; the CSV and XLSX readers call this before the whole BOM."""
    found: list[BOMError] = []
    try:
        _check_product(SimpleNamespace(product=Product.model_validate(product)),  # type: ignore[arg-type]
                       LineLocator(source=product_source), found)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            found.append(BOMError(product_source, None, ".".join(["product", *map(str, err["loc"])]),
                                  _error_value(err), _reason_of(err, _code_of(err, tuple(err["loc"]))),
                                  code=_code_of(err, tuple(err["loc"]))))
    for k, item in enumerate(exclusions if isinstance(exclusions, list) else []):
        try:
            Exclusion.model_validate(item)
        except ValidationError as exc:
            row = exclusion_rows[k] if exclusion_rows and k < len(exclusion_rows) else k
            kind: LineKind = "row" if exclusion_rows else "index"
            for err in exc.errors(include_url=False):
                found.append(BOMError(exclusions_source, row, ".".join(map(str, err["loc"])) or None,
                                      _error_value(err), _reason_of(err, _code_of(err, tuple(err["loc"]))),
                                      line_kind=kind, code=_code_of(err, tuple(err["loc"]))))
    if found:
        raise _combined(found)


def _error_value(err: Any) -> object:
    value = err.get("input") if err["type"] != "missing" else None
    # the whole object says nothing the field name does not
    return None if isinstance(value, (dict, list)) else value


def _raw_line_id(data: Any, index: int) -> str | None:
    try:
        value = data["lines"][index]["line_id"]
    except (TypeError, KeyError, IndexError):
        return None
    return value if isinstance(value, str) else None


def bom_json_schema() -> dict[str, Any]:
    schema = BOM.model_json_schema()
    schema["$id"] = "https://carbonlabel.example/schemas/bom.schema.json"
    schema["title"] = "carbonlabel bill of materials"
    return schema


def write_json_schema(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(bom_json_schema(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":  # python -m footprint.bom docs/schemas/bom.schema.json
    import sys

    write_json_schema(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/schemas/bom.schema.json"))
