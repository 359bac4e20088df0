"""What the footprint page shows beyond the stored result: the uncertainty (a seeded Monte Carlo
run stored as a new footprint version with its draws), the same BOM on the 2030 grid scenario
(`gd-2030-targets`, computed on request, not stored), two versions of a product's footprint side
by side, and the indicative CBAM estimate of a product with a CN code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from api.usecases.domain import Domain
from api.errors import InvalidInput
from api.storage.models import BomUpload, Footprint, Product, User
from api.usecases import bom_intake, cbam_indicative
from api.usecases import transactions

# the snapshot's scenario overlay for the Guangdong grid in 2030 (data/lcidb/default/scenarios)
GRID_SCENARIO = "gd-2030-targets"
# Monte Carlo from the page: within the inline limit (Settings.monte_carlo_inline_iterations);
# a fixed seed so the same BOM and snapshot give the same histogram, bit for bit
UNCERTAINTY_DRAWS = 500
UNCERTAINTY_SEED = 2026
HISTOGRAM_BINS = 24


def with_uncertainty(session: Session, domain: Domain, *, actor: User, footprint: Footprint) -> Footprint:
    """A new version of the footprint with a seeded Monte Carlo run (its draws kept for the histogram)."""
    if footprint.bom_id is None:
        raise InvalidInput(f"footprint {footprint.id} has no BOM to sample")
    upload = session.get(BomUpload, footprint.bom_id)
    product = session.get(Product, footprint.product_id)
    assert upload is not None and product is not None
    electricity = (footprint.result.get("electricity") or {}).get("method", "location")
    return bom_intake.compute_footprint(session, domain, actor=actor, product=product, upload=upload,
                                        method=footprint.method, electricity=electricity,
                                        monte_carlo=UNCERTAINTY_DRAWS, seed=UNCERTAINTY_SEED)


def histogram(uncertainty: dict[str, Any] | None) -> dict[str, list[float]] | None:
    """Counts of the Monte Carlo draws in equal bins (None without stored draws)."""
    samples = (uncertainty or {}).get("samples")
    if not samples:
        return None
    counts, edges = np.histogram(np.asarray(samples, dtype=np.float64), bins=HISTOGRAM_BINS)
    return {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]}


@dataclass(frozen=True)
class ScenarioView:
    scenario: str
    total: float
    by_stage: dict[str, float]


def grid_scenario(session: Session, domain: Domain, footprint: Footprint, scenario: str = GRID_SCENARIO) -> ScenarioView:
    """The footprint's BOM computed again with the grid scenario overlay (same method and
    electricity accounting); nothing is stored."""
    if footprint.bom_id is None:
        raise InvalidInput(f"footprint {footprint.id} has no BOM to recompute")
    upload = session.get(BomUpload, footprint.bom_id)
    assert upload is not None
    bom = upload.bom
    transactions.end_reads(session)  # SQLite's write lock is not held through the engine's run
    electricity = (footprint.result.get("electricity") or {}).get("method", "location")
    result = domain.compute(bom, method=footprint.method, electricity=electricity, monte_carlo=None, seed=None,
                            scenario=scenario)
    return ScenarioView(scenario, result.total_kgco2e, {k: v for k, v in result.by_stage.items() if v})


def _lines(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every BOM line of a result by line_id (children included)."""
    found: dict[str, dict[str, Any]] = {}
    stack = list(result.get("lines", []))
    while stack:
        line = stack.pop()
        found[line["line_id"]] = line
        stack.extend(line.get("children", []))
    return found


def compare_stages(a: dict[str, float], b: dict[str, float]) -> list[tuple[str, float, float]]:
    """(key, a, b) for every key non-zero in either, in a's order, then b's new keys."""
    keys = list(dict.fromkeys([*a, *b]))
    return [(key, a.get(key, 0.0), b.get(key, 0.0)) for key in keys if a.get(key, 0.0) or b.get(key, 0.0)]


def compare(older: Footprint, newer: Footprint) -> dict[str, Any]:
    """Two versions side by side: totals, stages, gases, and the lines that changed (quantity,
    unit, factor or kg CO2e), were added or were removed."""
    a, b = older.result, newer.result
    lines_a, lines_b = _lines(a), _lines(b)
    changed = []
    for line_id in sorted(set(lines_a) | set(lines_b)):
        old, new = lines_a.get(line_id), lines_b.get(line_id)
        what = [field for field in ("quantity", "unit", "factor_id", "kgco2e")
                if old is not None and new is not None and old.get(field) != new.get(field)]
        if old is None or new is None or what:
            changed.append({"line_id": line_id, "name": (new or old or {}).get("name", line_id),
                            "change": "added" if old is None else "removed" if new is None else "changed",
                            "fields": what, "old": old, "new": new})
    return {
        "totals": (older.total_kgco2e, newer.total_kgco2e),
        "stages": compare_stages(a.get("by_stage", {}), b.get("by_stage", {})),
        "gases": compare_stages(a.get("by_gas", {}), b.get("by_gas", {})),
        "lines": changed,
        "same_snapshot": older.snapshot_hash == newer.snapshot_hash,
    }


def cbam_estimate(session: Session, domain: Domain, product: Product, footprint: Footprint,
                  on: date) -> dict[str, Any] | None:
    """The indicative EU CBAM exposure per tonne (DERIVED, not declarable) of a product with a CN
    code, from this footprint and its BOM; None without a CN code."""
    if not (product.cn_code or footprint.result.get("cn_code")):
        return None
    estimate = cbam_indicative.indicative_for_footprint(session, domain, footprint, on)
    return estimate or {"status": "NOT_APPLICABLE"}
