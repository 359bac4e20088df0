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
from footprint.vectors import MethodVectors, SnapshotEngine, engine_for
from footprint.rollup import bookings_of, roll_up, subtree_sums, summaries
from footprint.result import (
    DQR, ElectricityAccounting, Exclusion, FootprintResult, Provenance,
)
from lcidb.errors import LcidbError
from lcidb.flows import UNSPLIT_FLOW, UPTAKE_FLOW
from lcidb.snapshot import Snapshot
from lcidb.units import conversion_factor
from lcidb.version import code_version

STANDARD = "ISO 14067:2018 / GB/T 24067-2024"
HOTSPOT_COUNT = 10
BIOGENIC_FLOWS = ("co2_biogenic", "ch4_biogenic")
LUC_FLOWS = ("co2_luc",)
WORST_DQR = 5.0  # a line with no rating at all counts as the worst rating (never as a good one)
# stages whose lines put material into the product or its packaging (biogenic carbon content)
MATERIAL_STAGES = ("raw_materials", "packaging")
SUPPLIER_BASIS = "supplier-declared (GWP set not stated)"
CUTOFF_RULE = (
    "cut-off (the default of this engine for ISO 14067:2018 / GB/T 24067-2024 totals): recycling credits and "
    "avoided burdens are reported beside the total, not netted"
)


@dataclass
class Term:
    """One booking of a leaf line: an activity amount per declared unit, or a supplier value."""

    line_index: int
    column: int  # -1 for a supplier footprint
    amount: float  # activity units per declared unit
    supplier_kg: float = 0.0
    supplier_fossil: float | None = None
    supplier_biogenic: float | None = None
    supplier_uptake: float = 0.0  # <= 0, included in supplier_kg
    supplier_removals: float = 0.0  # <= 0, included in supplier_kg
    bom_credit: bool = False  # the line or an assembly above it is marked `credit: true`


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
def _activity_map(snapshot: Snapshot) -> dict[str, Any]:
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
    credit_chain = [False] * len(bom.lines)
    for line in bom.topological_order():
        i = index_of[line.line_id]
        credit_chain[i] = line.credit or (line.parent_id is not None and credit_chain[index_of[line.parent_id]])
    terms: list[Term] = []
    grid_lines: list[int] = []
    for line in bom.iter_leaves():
        i = index_of[line.line_id]
        if line.supplier_pcf is not None:
            pcf = line.supplier_pcf
            q = cumulative[i]
            terms.append(Term(
                i, -1, q, q * pcf.net_per_unit,
                None if pcf.fossil is None else q * pcf.fossil,
                None if pcf.biogenic is None else q * pcf.biogenic,
                q * (pcf.biogenic_uptake or 0.0), q * (pcf.removals or 0.0), credit_chain[i],
            ))
            continue
        link = linked[i]
        activity = snapshot.activities[link.column]
        amount = cumulative[i] * link.per_unit
        if activity.category == GRID_CATEGORY and serves_site(activity.geography, bom.product.site_region):
            grid_lines.append(i)
            if market is not None:
                for activity_id, share in market.parts:
                    terms.append(Term(i, snapshot.index[activity_id], amount * share, bom_credit=credit_chain[i]))
                continue
        terms.append(Term(i, link.column, amount, bom_credit=credit_chain[i]))
    return Compiled(cumulative, terms, grid_lines, market, linked)


def _line_dqr(line: BOMLine, link: Link | None, snapshot: Snapshot) -> dict[str, float] | None:
    if line.dqr is not None:
        return {"technological": line.dqr.technological, "temporal": line.dqr.temporal,
                "geographical": line.dqr.geographical}
    if link is None:
        return None
    activity = snapshot.activities[link.column]
    values = (activity.dqr_technological, activity.dqr_temporal, activity.dqr_geographical)
    technological, temporal, geographical = values
    if technological is None or temporal is None or geographical is None:
        return None
    return {"technological": technological, "temporal": temporal, "geographical": geographical}


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
    net_credits_rule: str | None = None,
    samples: bool = False,
    scheduler: str | None = None,
    workers: int | None = None,
) -> FootprintResult:
    """The footprint of one declared unit of `bom`'s product on `snapshot`.

    By default `total_kgco2e` follows ISO 14067's cut-off approach: recycling credits and avoided
    burdens (credit exchanges in the database, BOM lines marked `credit`) are reported in
    `credits`, not netted. `net_credits_rule` names the product rule that requires netting them;
    the total then includes them and the result says so. `samples` adds the Monte Carlo draws.
    """
    netted = net_credits_rule is not None
    if netted and not net_credits_rule.strip():  # type: ignore[union-attr]
        raise FootprintError("netting credits needs the product rule that requires it (net_credits_rule is empty)")
    engine = engine_for(snapshot, scenario, not netted)
    vectors = engine.vectors(method)
    credit_vectors = engine_for(snapshot, scenario, True).vectors(method).credits
    credit_columns = set(np.flatnonzero(sum(v != 0 for v in credit_vectors.values())).tolist()) if credit_vectors else set()
    compiled = compile_bom(bom, snapshot, electricity)
    booked = bookings_of(bom, compiled, engine.cutoff)
    rolled = roll_up(booked, vectors)  # lines, subtrees, total, gases, stages: the one roll-up
    lines = bom.lines
    n_lines = len(lines)
    flows = snapshot.flows
    bases = snapshot.gwp_bases
    luc_column = snapshot.flow_index.get(LUC_FLOWS[0])

    line_kg = rolled.line_kg.tolist()
    line_unverified = [0.0] * n_lines
    line_credit = [0.0] * n_lines
    # per line: kg under the method's own GWP set, kg of each aggregated basis, kg supplier-declared
    line_basis = np.zeros((n_lines, len(bases) + 2))
    supplier_fossil = supplier_biogenic = supplier_unsplit = 0.0
    credit_parts = {credit_type: 0.0 for credit_type in snapshot.credit_types}
    bom_credit_kg = 0.0
    biogenic_content = 0.0
    content_missing: list[str] = []
    luc_missing: set[str] = set()
    supplier_uptake = supplier_removals = 0.0
    factor_kg: dict[int, float] = {}
    grid_kg = 0.0
    grid_set = set(compiled.grid_lines)
    demand = np.zeros(snapshot.size)
    for term in compiled.terms:
        line = lines[term.line_index]
        if term.column < 0:
            kg = term.supplier_kg
        else:
            kg = term.amount * float(vectors.scores[term.column])
            credits_inside = ({t: term.amount * float(v[term.column]) for t, v in credit_vectors.items()}
                              if term.column in credit_columns else {})
        if term.bom_credit:
            # a BOM credit line: outside the product system under cut-off, so reported only
            credit_value = kg + (sum(credits_inside.values()) if term.column >= 0 and not netted else 0.0)
            bom_credit_kg += credit_value
            line_credit[term.line_index] += credit_value
            if not netted:
                if term.column >= 0:  # its factor stays in the provenance, with nothing in the total
                    factor_kg.setdefault(term.column, 0.0)
                continue
        elif term.column >= 0:
            for credit_type, value in credits_inside.items():
                credit_parts[credit_type] += value
                line_credit[term.line_index] += value
        if term.column < 0:
            fossil = term.supplier_fossil or 0.0
            biogenic = term.supplier_biogenic or 0.0
            supplier_fossil += fossil
            supplier_biogenic += biogenic
            supplier_uptake += term.supplier_uptake
            supplier_removals += term.supplier_removals
            supplier_unsplit += kg - term.supplier_uptake - term.supplier_removals - fossil - biogenic
            line_basis[term.line_index, -1] += kg
            if line.stage in MATERIAL_STAGES:
                content_missing.append(line.line_id)
            luc_missing.add(f"supplier_pcf:{line.line_id}")
        else:
            activity = snapshot.activities[term.column]
            aggregated = term.amount * vectors.basis[term.column]
            line_basis[term.line_index, 1:-1] += aggregated
            line_basis[term.line_index, 0] += kg - float(aggregated.sum())
            line_unverified[term.line_index] += term.amount * float(vectors.unverified[term.column])
            factor_kg[term.column] = factor_kg.get(term.column, 0.0) + kg
            demand[term.column] += term.amount
            if line.stage in MATERIAL_STAGES:
                if activity.biogenic_carbon_content is None:
                    content_missing.append(line.line_id)
                else:
                    biogenic_content += term.amount * activity.biogenic_carbon_content
            luc_assessed = activity.luc_assessed
            if luc_assessed is None:  # assessed if dLUC occurs in its cradle-to-gate chain
                luc_assessed = luc_column is not None and engine.factorized.gas_intensity[term.column, luc_column] != 0
            if not luc_assessed:
                luc_missing.add(activity.id)
        if term.line_index in grid_set:
            grid_kg += kg

    index_of = {line.line_id: i for i, line in enumerate(lines)}
    order = [index_of[line.line_id] for line in bom.topological_order()]
    subtree_kg = rolled.subtree.tolist()
    subtree_credit = subtree_sums(np.array(line_credit), booked.parent, booked.depth).tolist()
    subtree_basis = subtree_sums(line_basis, booked.parent, booked.depth)
    roots = [index_of[line.line_id] for line in bom.roots()]
    total = float(rolled.total[0])
    basis_labels = (method, *bases, SUPPLIER_BASIS)
    by_gwp_basis = _by_basis(basis_labels, subtree_basis[roots].sum(axis=0) if roots else np.zeros(len(basis_labels)))

    (record,) = summaries(rolled, booked, flows, (), (bom.product.id,))
    by_gas, by_stage = record["by_gas"], record["by_stage"]
    uptake = by_gas.get(UPTAKE_FLOW, 0.0) + supplier_uptake
    removals = supplier_removals
    biogenic = sum(by_gas.get(code, 0.0) for code in BIOGENIC_FLOWS) + supplier_biogenic
    luc = sum(by_gas.get(code, 0.0) for code in LUC_FLOWS) + 0.0
    unsplit = by_gas.get(UNSPLIT_FLOW, 0.0) + supplier_unsplit
    fossil = total - uptake - removals - biogenic - luc - unsplit
    denominator = abs(total) if total != 0 else 1.0

    leaf_abs = primary_abs = dqr_weight = 0.0
    dqr_sum = np.zeros(3)
    contributions: dict[int, dict[str, Any]] = {}
    for i in reversed(order):
        line = lines[i]
        link = compiled.linked.get(i)
        dqr = _line_dqr(line, link, snapshot) if line.kind != "children" else None
        if line.kind != "children":
            kg = line_kg[i]
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
            credit_kgco2e=subtree_credit[i], by_gwp_basis=_by_basis(basis_labels, subtree_basis[i]),
            children=[contributions[index_of[child.line_id]] for child in bom.children_of(line.line_id)]
            if line.kind == "children" else [],
        )
    tree = [contributions[index_of[line.line_id]] for line in bom.roots()]

    factors = [
        dict(
            id=a.id, name=a.name, unit=a.unit, geography=a.geography, category=a.category, source=a.source,
            licence=a.licence, year=a.year, published=a.published, status=a.status, dataset=a.dataset, kgco2e=kg,
        )
        for column, kg in sorted(factor_kg.items(), key=lambda item: snapshot.activities[item[0]].id)
        for a in (snapshot.activities[column],)
    ]
    product = bom.product
    weighted_dqr = None
    if dqr_weight > 0:
        # a weighted mean of ratings in [1, 5] lies in [1, 5]; rounding can put it 1 ulp outside
        # (all ratings 5 gave 5.000000000000001), so clip to the range the mean cannot leave
        t, tm, g = np.clip(dqr_sum / dqr_weight, 1.0, WORST_DQR).tolist()
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
    options: dict[str, object] = {"method": method, "electricity": electricity, "scenario": scenario,
                                  "monte_carlo": monte_carlo, "seed": seed, "hotspots": hotspots}
    if netted:  # keeps the input hash of every cut-off result as it was
        options["net_credits_rule"] = net_credits_rule
    uncertainty = None
    if monte_carlo:
        from footprint.montecarlo import run_monte_carlo

        uncertainty = run_monte_carlo(bom, compiled, engine, method, monte_carlo, seed if seed is not None else 0,
                                      keep_samples=samples, scheduler=scheduler, workers=workers)
    credits_total = sum(credit_parts.values()) + bom_credit_kg
    method_share = by_gwp_basis.get(method, 0.0) / denominator
    return FootprintResult.model_validate(dict(
        product_id=product.id, product_name=product.name, category=product.category,
        product_rule=product.product_rule, cn_code=product.cn_code, mass_kg=product.mass_kg,
        national_catalogue=product.national_catalogue,
        declared_unit={"unit": product.declared_unit.unit, "amount": product.declared_unit.amount},
        boundary=product.boundary,
        reference_period={"start": product.reference_period.start, "end": product.reference_period.end},
        site_region=product.site_region, method=method, standard=STANDARD, scenario=scenario,
        complete=True, unlinked_lines=[],
        total_kgco2e=total,
        headline=_headline(total, product.declared_unit.amount, product.declared_unit.unit, method,
                           by_gwp_basis, denominator),
        method_share=method_share,
        by_gwp_basis=by_gwp_basis,
        pcf_excluding_biogenic_uptake=total - uptake,
        pcf_including_biogenic_uptake=total,
        fossil_kgco2e=fossil, biogenic_kgco2e=biogenic, biogenic_uptake_kgco2e=uptake, removals_kgco2e=removals,
        land_use_change_kgco2e=None if luc_missing else luc,
        co2e_unsplit_kgco2e=unsplit, co2e_unsplit_share=unsplit / denominator,
        carbon_pools=dict(
            biogenic_carbon_content_kg=None if content_missing else biogenic_content,
            biogenic_carbon_content_not_assessed=sorted(set(content_missing)),
            land_use_change_found_kgco2e=luc,
            land_use_change_not_assessed=sorted(luc_missing),
        ),
        credits=dict(
            approach="netted" if netted else "cut-off", rule=net_credits_rule if netted else CUTOFF_RULE,
            in_total=netted,
            recycling_credit_kgco2e=credit_parts.get("recycling_credit", 0.0),
            avoided_burden_kgco2e=credit_parts.get("avoided_burden", 0.0),
            bom_credit_lines_kgco2e=bom_credit_kg, total_kgco2e=credits_total,
            total_with_credits_kgco2e=total if netted else total + credits_total,
        ),
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


def _by_basis(labels: tuple[str, ...], values: np.ndarray) -> dict[str, float]:
    """kg CO2e per GWP basis; the method's own label first, zero parts left out (labels may repeat
    when a source's basis is the method itself, e.g. aggregated rows published under AR6)."""
    parts: dict[str, float] = {}
    for label, value in zip(labels, values.tolist()):
        if value != 0.0:
            parts[label] = parts.get(label, 0.0) + value
    return parts


def _headline(total: float, amount: float, unit: str, method: str, by_basis: dict[str, float],
              denominator: float) -> str:
    """The total with the GWP set named only for the part characterised under it."""
    head = f"{total:.4g} kg CO2e per {amount:g} {unit}"
    own = by_basis.get(method, 0.0) / denominator
    others: dict[str, float] = {}  # short label (the basis before its parenthesis) -> share
    for label, value in by_basis.items():
        if label != method:
            short = label.split(" (")[0]
            others[short] = others.get(short, 0.0) + value / denominator
    if not others:
        return f"{head} (GWP100 {method})"
    rest = ", ".join(f"{label} {share:.1%}" for label, share in sorted(others.items(), key=lambda x: (-abs(x[1]), x[0])))
    return f"{head}: GWP100 {method} for {own:.1%}; as published by the sources: {rest}"


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
