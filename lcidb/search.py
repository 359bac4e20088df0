"""Factor search and provenance: what `carbonlabel factors search/show` prints."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from lcidb.flows import METHODS, flow_table
from lcidb.snapshot import Snapshot
from lcidb.solve import factorized


def search(snapshot: Snapshot, text: str, geography: str | None = None, category: str | None = None) -> list[dict[str, Any]]:
    """Activities whose id or name contains every word of `text` (case-insensitive)."""
    words = text.lower().split()
    hits = []
    for activity in snapshot.activities:
        haystack = f"{activity.id} {activity.name}".lower()
        if not all(w in haystack for w in words):
            continue
        if geography and activity.geography.lower() != geography.lower():
            continue
        if category and activity.category.lower() != category.lower():
            continue
        hits.append({
            "id": activity.id, "name": activity.name, "unit": activity.unit, "geography": activity.geography,
            "category": activity.category, "year": activity.year, "status": activity.status,
        })
    return hits


def show(snapshot: Snapshot, activity_id: str) -> dict[str, Any]:
    """Provenance and the cradle-to-gate kg CO2e per unit, per gas, under every method."""
    activity = snapshot.activity(activity_id)
    column = snapshot.index[activity_id]
    # the cut-off system, as footprints use it; credits of the supply chain are shown beside it
    engine = factorized(snapshot, None, True)
    masses = engine.gas_intensity[column]
    per_method = {}
    for method in METHODS:
        cf = snapshot.method_cf(method)
        per_method[method] = {
            "total_kgco2e": float(masses @ cf),
            "by_gas_kgco2e": {code: float(m * c) for code, m, c in zip(snapshot.flows, masses, cf) if m != 0},
            "credits_kgco2e": {t: float(part[column] @ cf) for t, part in engine.credit_intensity.items()
                               if part[column].any()},
        }
    own = []  # the activity's own exchanges with their lognormal sigma (given by the row or pedigree)
    for kind, triplets, names in (("technosphere", snapshot.tech, [a.id for a in snapshot.activities]),
                                  ("biosphere", snapshot.bio, list(snapshot.flows))):
        mine = triplets.cols == column
        for r, amount, sigma, given, credit in zip(*(x[mine].tolist() for x in (
                triplets.rows, triplets.amounts, triplets.sigmas, triplets.sigma_given, triplets.credit))):
            own.append({"kind": kind, "input": names[r], "amount": -amount if kind == "technosphere" else amount,
                        "uncertainty_sigma": None if sigma != sigma else sigma,
                        "sigma_source": "given" if given else "pedigree",
                        "credit_type": snapshot.credit_types[credit - 1] if credit else None})
    record = asdict(activity)
    record.pop("origin")
    record["published"] = activity.published.isoformat() if activity.published else None
    return {
        **record,
        "per_unit": activity.unit,
        "cradle_to_gate": per_method,
        "exchanges": own,
        "cradle_to_gate_kg_by_gas": {code: float(m) for code, m in zip(snapshot.flows, masses) if m != 0},
        "flow_names": {code: flow_table()[code].name for code in snapshot.flows},
        "snapshot": {"name": snapshot.name, "hash": snapshot.hash},
    }
