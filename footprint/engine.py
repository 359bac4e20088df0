"""The footprint engine: a BOM on a snapshot -> FootprintResult, with the adjoint design.

Per snapshot (and scenario) the technosphere is factorized once and the adjoint system solved
once per gas (lcidb.solve): G[a, f] is the cradle-to-gate mass of flow f per unit of activity a.
A BOM's footprint is then a sum over its lines of amount x G[a] x cf; per-line contributions
come for free. Hotspots need one forward solve with the stored factor; nothing refactorizes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import numpy as np

from footprint.bom import BOM, BOMLine
from footprint.electricity import GRID_CATEGORY, MarketSplit, market_split, serves_site
from footprint.errors import FootprintError
from footprint.linking import link_bom, load_transport_modes
from footprint.result import (
    DQR, ElectricityAccounting, Exclusion, FootprintResult, Provenance,
)
from lcidb.errors import LcidbError
from lcidb.flows import METHODS, UNSPLIT_FLOW, UPTAKE_FLOW
from lcidb.snapshot import Snapshot
from lcidb.units import conversion_factor
from lcidb.solve import FactorizedSnapshot, factorized
from lcidb.version import code_version

STANDARD = "ISO 14067:2018 / GB/T 24067-2024"
HOTSPOT_COUNT = 10
SUPPLIER_KEY = "supplier_pcf"  # by_gas key for kg CO2e that suppliers reported already aggregated
BIOGENIC_FLOWS = ("co2_biogenic", "ch4_biogenic")
LUC_FLOWS = ("co2_luc",)
WORST_DQR = 5.0  # a line with no rating at all counts as the worst rating (never as a good one)


class UnknownMethod(FootprintError):
    """A method that is neither AR6 nor AR5."""


class ScenarioNotFound(FootprintError):
    """A scenario name that the snapshot does not carry."""


@dataclass
class MethodVectors:
    """Per (snapshot, scenario, method): the score vectors every BOM is a dot product with."""

    characterised: np.ndarray  # n x F: kg CO2e of each flow per unit of each activity (cradle-to-gate)
    scores: np.ndarray  # n: total kg CO2e per unit
    unverified: np.ndarray  # n: kg CO2e occurring in unverified activities per unit
    direct: np.ndarray  # n: kg CO2e emitted by the activity itself per unit
    cf: np.ndarray  # F


class SnapshotEngine:
    """A warm engine for one snapshot and scenario: factorization and score vectors cached."""

    def __init__(self, snapshot: Snapshot, scenario: str | None = None):
        if scenario is not None and scenario not in snapshot.scenarios:
            raise ScenarioNotFound(
                f"no scenario {scenario!r} in snapshot {snapshot.ref}; known: {', '.join(snapshot.scenarios) or 'none'}"
            )
        self.snapshot = snapshot
        self.scenario = scenario
        self.factorized: FactorizedSnapshot = factorized(snapshot, scenario)
        self._vectors: dict[str, MethodVectors] = {}

    def vectors(self, method: str) -> MethodVectors:
        if method not in METHODS:
            raise UnknownMethod(f"unknown method {method!r}; known: {', '.join(METHODS)}")
        cached = self._vectors.get(method)
        if cached is None:
            cf = self.snapshot.method_cf(method)
            characterised = self.factorized.gas_intensity * cf
            direct = self.factorized.direct_emissions(method)
            # emissions occurring in unverified activities, background included (the adjoint of
            # the unverified activities' own emissions), so the share is a dot product per BOM
            unverified = self.factorized.unverified_intensity @ cf
            cached = MethodVectors(characterised, characterised.sum(axis=1), unverified, direct, cf)
            self._vectors[method] = cached
        return cached


@lru_cache(maxsize=16)
def engine_for(snapshot: Snapshot, scenario: str | None = None) -> SnapshotEngine:
    return SnapshotEngine(snapshot, scenario)


@dataclass
class Term:
    """One booking of a leaf line: an activity amount per declared unit, or a supplier value."""

    line_index: int
    column: int  # -1 for a supplier footprint
    amount: float  # activity units per declared unit
    supplier_kg: float = 0.0
    supplier_fossil: float | None = None
    supplier_biogenic: float | None = None


@dataclass(frozen=True)
class Link:
    column: int  # the snapshot activity the line books
    per_unit: float  # activity units per one unit of the line (unit conversion or t.km per leg)


def link_lines(bom: BOM, snapshot: Snapshot) -> dict[int, Link]:
    """Links of every factor line and transport leg; UnlinkedLines (with the report) otherwise.

    The fast path resolves ids and unit conversions with plain dict look-ups (batches of 100,000
    BOMs go through here); anything it cannot link goes through footprint.linking, which builds
    the full report with suggestions, so there is one source of truth for why a line fails.
    """
    links = _fast_links(bom, snapshot)
    if links is not None:
        return links
    report = link_bom(bom, _activity_map(snapshot))
    report.raise_if_unlinked(snapshot.ref)
    return {
        bom.index_of(line_id): Link(snapshot.index[linked.activity_id], linked.conversion_factor)
        for line_id, linked in report.linked.items()
    }


@lru_cache(maxsize=16)
def _activity_map(snapshot: Snapshot) -> dict[str, object]:
    return {activity.id: activity for activity in snapshot.activities}


@lru_cache(maxsize=1)
def _transport_modes() -> dict[str, str]:
    return load_transport_modes()


class _LinkCache:
    """Per snapshot: (factor id, line unit) -> (column, conversion), None when it does not link."""

    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot
        self.factor: dict[tuple[str, str], tuple[int, float] | None] = {}
        self.per_tkm: dict[str, tuple[int, float] | None] = {}

    def factor_link(self, factor_id: str, unit: str) -> tuple[int, float] | None:
        key = (factor_id, unit)
        if key not in self.factor:
            self.factor[key] = self._resolve(factor_id, unit)
        return self.factor[key]

    def transport_link(self, activity_id: str | None, mode: str) -> tuple[int, float] | None:
        target = activity_id or _transport_modes().get(mode.strip().lower(), "")
        if target not in self.per_tkm:
            self.per_tkm[target] = self._resolve(target, "tkm")
        return self.per_tkm[target]

    def _resolve(self, activity_id: str, unit: str) -> tuple[int, float] | None:
        column = self.snapshot.index.get(activity_id)
        if column is None:
            return None
        try:
            return column, conversion_factor(unit, self.snapshot.activities[column].unit)
        except LcidbError:
            return None


@lru_cache(maxsize=16)
def link_cache(snapshot: Snapshot) -> _LinkCache:
    return _LinkCache(snapshot)


def _fast_links(bom: BOM, snapshot: Snapshot) -> dict[int, Link] | None:
    cache = link_cache(snapshot)
    links: dict[int, Link] = {}
    for i, line in enumerate(bom.lines):
        if line.factor_id is not None:
            found = cache.factor_link(line.factor_id, line.unit)
            if found is None:
                return None
            links[i] = Link(found[0], found[1])
        elif line.transport is not None:
            leg = line.transport
            found = cache.transport_link(leg.activity_id, leg.mode)
            if found is None:
                return None
            links[i] = Link(found[0], leg.tkm * found[1])
    return links


@dataclass
class Compiled:
    cumulative: list[float]  # per line: its quantity per declared unit (own unit)
    terms: list[Term]
    grid_lines: list[int]
    market: MarketSplit | None
    linked: dict[int, Link] = field(default_factory=dict)


def input_hash(bom: BOM, options: dict[str, object]) -> str:
    """sha256 over the BOM's canonical JSON (field order of the model) and the options.

    The product's `pact` block (exchange data that never enters the computation) is left out, so
    adding it neither changes the hash of a BOM nor makes two equal computations look different."""
    digest = hashlib.sha256(bom.model_dump_json(exclude={"product": {"pact"}}).encode("utf-8"))
    digest.update(json.dumps(options, sort_keys=True, separators=(",", ":")).encode("utf-8"))
    return digest.hexdigest()


def compile_bom(bom: BOM, snapshot: Snapshot, electricity: Literal["location", "market"] = "location") -> Compiled:
    """Cumulative amounts per declared unit and the activity bookings of every leaf line."""
    linked = link_lines(bom, snapshot)  # raises UnlinkedLines with the linking report
    index_of = {line.line_id: i for i, line in enumerate(bom.lines)}
    cumulative = [0.0] * len(bom.lines)
    for line in bom.topological_order():
        i = index_of[line.line_id]
        parent = 1.0 if line.parent_id is None else cumulative[index_of[line.parent_id]]
        cumulative[i] = parent * line.quantity
    market = market_split(bom) if electricity == "market" else None
    terms: list[Term] = []
    grid_lines: list[int] = []
    for line in bom.iter_leaves():
        i = index_of[line.line_id]
        if line.supplier_pcf is not None:
            pcf = line.supplier_pcf
            q = cumulative[i]
            terms.append(Term(
                i, -1, q, q * pcf.kgco2e_per_unit,
                None if pcf.fossil is None else q * pcf.fossil,
                None if pcf.biogenic is None else q * pcf.biogenic,
            ))
            continue
        link = linked[i]
        activity = snapshot.activities[link.column]
        amount = cumulative[i] * link.per_unit
        if activity.category == GRID_CATEGORY and serves_site(activity.geography, bom.product.site_region):
            grid_lines.append(i)
            if market is not None:
                for activity_id, share in market.parts:
                    terms.append(Term(i, snapshot.index[activity_id], amount * share))
                continue
        terms.append(Term(i, link.column, amount))
    return Compiled(cumulative, terms, grid_lines, market, linked)


def _line_dqr(line: BOMLine, link: Link | None, snapshot: Snapshot) -> dict[str, float] | None:
    if line.dqr is not None:
        return {"technological": line.dqr.technological, "temporal": line.dqr.temporal,
                "geographical": line.dqr.geographical}
    if link is None:
        return None
    activity = snapshot.activities[link.column]
    values = (activity.dqr_technological, activity.dqr_temporal, activity.dqr_geographical)
    if any(v is None for v in values):
        return None
    return {"technological": values[0], "temporal": values[1], "geographical": values[2]}


def compute(
    bom: BOM,
    snapshot: Snapshot,
    *,
    method: str = "AR6",
    electricity: Literal["location", "market"] = "location",
    scenario: str | None = None,
    monte_carlo: int | None = None,
    seed: int | None = None,
    hotspots: bool = True,
) -> FootprintResult:
    """The footprint of one declared unit of `bom`'s product on `snapshot`."""
    engine = engine_for(snapshot, scenario)
    vectors = engine.vectors(method)
    compiled = compile_bom(bom, snapshot, electricity)
    lines = bom.lines
    n_lines = len(lines)
    flows = snapshot.flows

    line_kg = [0.0] * n_lines
    line_unverified = [0.0] * n_lines
    gas_kg = np.zeros(len(flows))
    supplier_total = supplier_fossil = supplier_biogenic = supplier_unsplit = 0.0
    factor_kg: dict[int, float] = {}
    grid_kg = 0.0
    grid_set = set(compiled.grid_lines)
    demand = np.zeros(snapshot.size)
    for term in compiled.terms:
        if term.column < 0:
            kg = term.supplier_kg
            supplier_total += kg
            fossil = term.supplier_fossil or 0.0
            biogenic = term.supplier_biogenic or 0.0
            supplier_fossil += fossil
            supplier_biogenic += biogenic
            supplier_unsplit += kg - fossil - biogenic
        else:
            kg = term.amount * float(vectors.scores[term.column])
            gas_kg += term.amount * vectors.characterised[term.column]
            line_unverified[term.line_index] += term.amount * float(vectors.unverified[term.column])
            factor_kg[term.column] = factor_kg.get(term.column, 0.0) + kg
            demand[term.column] += term.amount
        line_kg[term.line_index] += kg
        if term.line_index in grid_set:
            grid_kg += kg

    index_of = {line.line_id: i for i, line in enumerate(lines)}
    order = [index_of[line.line_id] for line in bom.topological_order()]
    subtree_kg = list(line_kg)
    for i in reversed(order):
        parent = lines[i].parent_id
        if parent is not None:
            subtree_kg[index_of[parent]] += subtree_kg[i]
    total = sum(subtree_kg[index_of[line.line_id]] for line in bom.roots())

    by_gas = {code: float(value) for code, value in zip(flows, gas_kg) if value != 0.0}
    if supplier_total != 0.0:
        by_gas[SUPPLIER_KEY] = supplier_total
    uptake = by_gas.get(UPTAKE_FLOW, 0.0)
    biogenic = sum(by_gas.get(code, 0.0) for code in BIOGENIC_FLOWS) + supplier_biogenic
    luc = sum(by_gas.get(code, 0.0) for code in LUC_FLOWS) + 0.0
    unsplit = by_gas.get(UNSPLIT_FLOW, 0.0) + supplier_unsplit
    fossil = total - uptake - biogenic - luc - unsplit
    denominator = abs(total) if total != 0 else 1.0

    by_stage: dict[str, float] = {}
    leaf_abs = primary_abs = dqr_weight = 0.0
    dqr_sum = np.zeros(3)
    contributions: dict[int, dict[str, Any]] = {}
    for i in reversed(order):
        line = lines[i]
        link = compiled.linked.get(i)
        dqr = _line_dqr(line, link, snapshot) if line.kind != "children" else None
        if line.kind != "children":
            kg = line_kg[i]
            by_stage[line.stage] = by_stage.get(line.stage, 0.0) + kg
            leaf_abs += abs(kg)
            if line.data_type == "primary":
                primary_abs += abs(kg)
            rating = (dqr["technological"], dqr["temporal"], dqr["geographical"]) if dqr else (WORST_DQR,) * 3
            dqr_sum += abs(kg) * np.array(rating)
            dqr_weight += abs(kg)
        contributions[i] = dict(
            line_id=line.line_id, parent_id=line.parent_id, name=line.name, stage=line.stage,
            data_type=line.data_type, quantity=line.quantity, unit=line.unit,
            amount_per_declared_unit=compiled.cumulative[i], source=line.kind,
            factor_id=(snapshot.activities[link.column].id if link is not None else None),
            kgco2e=subtree_kg[i], share=subtree_kg[i] / denominator, dqr=dqr, credit=line.credit,
            children=[contributions[index_of[child.line_id]] for child in bom.children_of(line.line_id)]
            if line.kind == "children" else [],
        )
    tree = [contributions[index_of[line.line_id]] for line in bom.roots()]

    factors = [
        dict(
            id=a.id, name=a.name, unit=a.unit, geography=a.geography, category=a.category, source=a.source,
            licence=a.licence, year=a.year, published=a.published, status=a.status, dataset=a.dataset, kgco2e=kg,  # type: ignore[arg-type]
        )
        for column, kg in sorted(factor_kg.items(), key=lambda item: snapshot.activities[item[0]].id)
        for a in (snapshot.activities[column],)
    ]
    product = bom.product
    weighted_dqr = None
    if dqr_weight > 0:
        t, tm, g = (dqr_sum / dqr_weight).tolist()
        weighted_dqr = DQR(technological=t, temporal=tm, geographical=g)
    market = compiled.market
    electricity_info = ElectricityAccounting(
        method=electricity, site_region=product.site_region,
        grid_activity_id=next((snapshot.activities[compiled.linked[i].column].id for i in compiled.grid_lines), None),
        site_electricity_mwh=market.site_mwh if market else None,
        instrument_mwh=market.instrument_mwh if market else None,
        covered_share=market.covered_share if market else None,
        residual_activity_id=market.residual_activity if market else None,
        kgco2e=grid_kg,
    )
    options = {"method": method, "electricity": electricity, "scenario": scenario,
               "monte_carlo": monte_carlo, "seed": seed, "hotspots": hotspots}
    uncertainty = None
    if monte_carlo:
        from footprint.montecarlo import run_monte_carlo

        uncertainty = run_monte_carlo(bom, compiled, engine, method, monte_carlo, seed if seed is not None else 0)
    return FootprintResult.model_validate(dict(
        product_id=product.id, product_name=product.name, category=product.category,
        product_rule=product.product_rule, cn_code=product.cn_code, mass_kg=product.mass_kg,
        national_catalogue=product.national_catalogue,
        declared_unit={"unit": product.declared_unit.unit, "amount": product.declared_unit.amount},
        boundary=product.boundary,
        reference_period={"start": product.reference_period.start, "end": product.reference_period.end},
        site_region=product.site_region, method=method, standard=STANDARD, scenario=scenario,  # type: ignore[arg-type]
        complete=True, unlinked_lines=[],
        total_kgco2e=total,
        pcf_excluding_biogenic_uptake=total - uptake,
        pcf_including_biogenic_uptake=total,
        fossil_kgco2e=fossil, biogenic_kgco2e=biogenic, biogenic_uptake_kgco2e=uptake,
        land_use_change_kgco2e=luc, co2e_unsplit_kgco2e=unsplit, co2e_unsplit_share=unsplit / denominator,
        by_gas=by_gas, by_stage=by_stage, lines=tree, factors=factors,
        hotspots=_hotspots(engine, vectors, demand, denominator) if hotspots else [],
        sankey=_sankey(bom, contributions, index_of),
        exclusions=[Exclusion(name=e.name, estimated_share=e.estimated_share, reason=e.reason) for e in bom.exclusions],
        exclusions_total_share=sum(e.estimated_share for e in bom.exclusions),
        primary_data_share=primary_abs / leaf_abs if leaf_abs else 0.0,
        dqr=weighted_dqr,
        unverified_share=sum(line_unverified) / denominator,
        electricity=electricity_info, uncertainty=uncertainty,
        provenance=Provenance(
            snapshot_name=snapshot.name, snapshot_hash=snapshot.hash, code_version=code_version(),
            input_hash=input_hash(bom, options),
        ),
    ))


def _hotspots(engine: SnapshotEngine, vectors: MethodVectors, demand: np.ndarray, denominator: float) -> list[dict[str, Any]]:
    """Background processes ranked by the emissions occurring in them (one forward solve)."""
    if not demand.any():
        return []
    supply = engine.factorized.supply(demand)
    occurring = supply * vectors.direct
    count = min(HOTSPOT_COUNT, int(np.count_nonzero(occurring)))
    if count == 0:
        return []
    # argsort on (-|value|, column) keeps ties in a fixed order, so equal inputs give equal bytes
    top = np.lexsort((np.arange(len(occurring)), -np.abs(occurring)))[:count]
    activities = engine.snapshot.activities
    return [
        dict(activity_id=activities[c].id, name=activities[c].name, kgco2e=float(occurring[c]),
                share=float(occurring[c]) / denominator)
        for c in top.tolist()
    ]


def _sankey(bom: BOM, contributions: dict[int, dict[str, Any]], index_of: dict[str, int]) -> dict[str, Any]:
    """Product <- lines tree; a Sankey draws positive flows only, so credits are left to the tree."""
    root_id = f"product:{bom.product.id}"
    nodes = [{"id": root_id, "name": bom.product.name}]
    links: list[dict[str, Any]] = []
    for line in bom.topological_order():
        contribution = contributions[index_of[line.line_id]]
        node_id = f"line:{line.line_id}"
        nodes.append({"id": node_id, "name": line.name})
        if contribution["kgco2e"] > 0:
            target = root_id if line.parent_id is None else f"line:{line.parent_id}"
            links.append({"source": node_id, "target": target, "value": contribution["kgco2e"]})
    return {"nodes": nodes, "links": links}
