"""`carbonlabel db build`: template folders -> validated data -> snapshot (Brightway: `db export-brightway`).

The hash is sha256 over canonical content only (rows sorted by id, values, method factors,
scenario overlays, source file hashes), never over times, paths or Brightway ids. A failed build
publishes nothing, so the previous snapshot stays in use.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, UTC
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse.linalg as spla

from lcidb.errors import LcidbError, SingularTechnosphere, TemplateError
from lcidb.flows import METHODS, UNSPLIT_FLOW, flow_table
from lcidb.home import shipped_data_dir
from lcidb.progress import progress
from lcidb.snapshot import (
    NAME_RE, Triplets, publish_lock, read_index, snapshot_path, technosphere_matrix, write_index,
)
from lcidb.pedigree import PEDIGREE_METHOD, PEDIGREE_VERSION, with_pedigree_sigmas
from lcidb.template import CREDIT_TYPES, Activity, Exchange, TemplateData, read_layers
from lcidb.version import code_version

DEFAULT_NAME = "default"
SNAPSHOT_FORMAT = 2  # 2: sigma on every exchange, credit and GWP-basis arrays, carbon-pool columns


def default_source() -> Path:
    return shipped_data_dir() / "lcidb" / "default"


@dataclass
class BuildOutcome:
    name: str
    hash: str
    published: bool  # False: an identical snapshot existed, nothing new was written
    counts: dict[str, int]
    replaced: list[str] = field(default_factory=list)
    path: Path | None = None

    def report_lines(self) -> list[str]:
        lines = []
        if self.replaced:
            lines.append(f"replaced {len(self.replaced)} default activities: {', '.join(self.replaced)}")
        verb = "published" if self.published else "unchanged, existing snapshot"
        lines.append(
            f"{verb} {self.name}@{self.hash[:12]}: {self.counts['activities']} activities, "
            f"{self.counts['exchanges']} exchanges, {self.counts['scenarios']} scenarios"
        )
        lines.append(self.hash)
        return lines


def _activity_record(activity: Activity) -> dict[str, Any]:
    record = asdict(activity)
    record.pop("origin")
    record["published"] = activity.published.isoformat() if activity.published else None
    return record


def _exchange_record(exchange: Exchange) -> dict[str, Any]:
    return {
        "activity_id": exchange.activity_id, "input": exchange.input, "kind": exchange.kind,
        "amount": exchange.amount, "uncertainty_sigma": exchange.uncertainty_sigma,
        "gwp_basis": exchange.gwp_basis, "credit_type": exchange.credit_type,
        "sigma_source": exchange.sigma_source,
    }


def canonical_content(data: TemplateData) -> dict[str, Any]:
    """Everything the numbers depend on, in a fixed order; nothing about time, place or tool ids."""
    order = lambda e: (e["activity_id"], e["kind"], e["input"])  # noqa: E731
    return {
        "format": SNAPSHOT_FORMAT,
        "activities": [_activity_record(data.activities[k]) for k in sorted(data.activities)],
        "exchanges": sorted((_exchange_record(e) for e in data.exchanges), key=order),
        "methods": {m: {code: flow.cf[m] for code, flow in flow_table().items()} for m in METHODS},
        "scenarios": {
            name: sorted((_exchange_record(e) for e in rows), key=order) for name, rows in sorted(data.scenarios.items())
        },
        "source_files": data.source_hashes,
        "uncertainty": {"method": PEDIGREE_METHOD, "version": PEDIGREE_VERSION},
    }


def content_hash(content: dict[str, Any]) -> str:
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def gwp_bases(data: TemplateData) -> list[str]:
    """The distinct GWP bases of the aggregated (co2e_unsplit) rows, base and scenarios, sorted."""
    rows = data.exchanges + [e for overlay in data.scenarios.values() for e in overlay]
    return sorted({e.gwp_basis for e in rows if e.kind == "biosphere" and e.input == UNSPLIT_FLOW and e.gwp_basis})


def _triplets(exchanges: list[Exchange], index: dict[str, int], flow_index: dict[str, int], kind: str,
              bases: list[str] | None = None) -> Triplets:
    basis_index = {basis: i for i, basis in enumerate(bases or [])}
    chosen = sorted((e for e in exchanges if e.kind == kind), key=lambda e: (index[e.activity_id], e.input))
    if kind == "technosphere":
        rows = [index[e.input] for e in chosen]
        amounts = [-e.amount for e in chosen]
    else:
        rows = [flow_index[e.input] for e in chosen]
        amounts = [e.amount for e in chosen]
    return Triplets(
        np.array(rows, dtype=np.int64),
        np.array([index[e.activity_id] for e in chosen], dtype=np.int64),
        np.array(amounts, dtype=np.float64),
        np.array([np.nan if e.uncertainty_sigma is None else e.uncertainty_sigma for e in chosen], dtype=np.float64),
        credit=np.array([credit_code(e.credit_type) for e in chosen], dtype=np.int8),
        basis=np.array([basis_index.get(e.gwp_basis or "", -1) if e.input == UNSPLIT_FLOW else -1 for e in chosen],
                       dtype=np.int16),
        sigma_given=np.array([e.sigma_source == "given" for e in chosen], dtype=bool),
    )


def credit_code(credit_type: str | None) -> int:
    """0 for an ordinary exchange, 1 + the index in CREDIT_TYPES for a credit."""
    return 0 if credit_type is None else 1 + CREDIT_TYPES.index(credit_type)


def check_solvable(n: int, tech: Triplets, label: str, ids: list[str] | None = None,
                   exchanges: list[Exchange] | None = None) -> None:
    """Refuse a singular technosphere (e.g. a loop that consumes all it makes), naming the loop."""
    matrix = technosphere_matrix(n, tech)
    try:
        lu = spla.splu(matrix.T.tocsc())
        probe = lu.solve(np.ones(n))
        diag = np.abs(lu.U.diagonal())
        singular = not np.all(np.isfinite(probe)) or diag.min() <= 1e-12 * max(diag.max(), 1.0)
    except RuntimeError:
        singular = True
    if singular:
        raise SingularTechnosphere(f"{label}: the technosphere matrix is singular: {_locate_loop(matrix, ids, exchanges)}")


def _locate_loop(matrix: Any, ids: list[str] | None, exchanges: list[Exchange] | None) -> str:
    """The first strongly connected block of activities whose own sub-matrix is singular, with the
    template rows of the exchanges that close it (an activity outside every loop cannot be singular:
    its diagonal is 1)."""
    from scipy.sparse.csgraph import connected_components

    count, labels = connected_components(matrix, directed=True, connection="strong")
    for component in range(count):
        members = np.flatnonzero(labels == component)
        block = matrix[members][:, members].toarray()
        if members.size > 2000 or abs(np.linalg.det(block)) > 1e-12:
            continue
        if ids is None:
            return f"activities at columns {members.tolist()}"
        names = [ids[i] for i in members]
        rows = [
            f"{e.origin} ({e.activity_id} <- {e.amount:g} {e.input})"
            for e in exchanges or [] if e.kind == "technosphere" and e.activity_id in names and e.input in names
        ]
        return (f"the loop {' <-> '.join(names)} produces nothing net (determinant 0); its exchanges: "
                + "; ".join(rows))
    return "no single loop is singular on its own (check the amounts of the largest loops)"


def build_snapshot(sources: list[Path], name: str | None = None, with_default: bool = False) -> BuildOutcome:
    if sources and not name:
        raise LcidbError("--name is required with --source")
    if not sources and with_default:
        raise LcidbError("--with-default layers --source folders on the shipped data; give --source")
    name = name or DEFAULT_NAME
    if not NAME_RE.match(name):
        raise LcidbError(f"snapshot name {name!r}: use letters, digits, '.', '_' or '-' (max 64)")
    folders = ([default_source()] if with_default or not sources else []) + [Path(s) for s in sources]
    data = with_pedigree_sigmas(read_layers(folders))
    if not data.activities:
        raise TemplateError(str(folders[-1]), None, "activities.csv", "", "no activities")
    content = canonical_content(data)
    digest = content_hash(content)

    ids = sorted(data.activities)
    index = {activity_id: i for i, activity_id in enumerate(ids)}
    flows = list(flow_table())
    flow_index = {code: i for i, code in enumerate(flows)}
    bases = gwp_bases(data)
    tech = _triplets(data.exchanges, index, flow_index, "technosphere")
    bio = _triplets(data.exchanges, index, flow_index, "biosphere", bases)
    counts = {
        "activities": len(ids), "exchanges": len(data.exchanges), "technosphere": len(tech.rows),
        "biosphere": len(bio.rows), "scenarios": len(data.scenarios),
    }

    with publish_lock():
        entries = read_index()
        existing = [e for e in entries if e["name"] == name and e["hash"] == digest]
        if existing:
            _promote(entries, existing[0])
            return BuildOutcome(name, digest, False, counts, data.replaced, snapshot_path(name, digest))

        check_solvable(len(ids), tech, f"snapshot {name}", ids, data.exchanges)
        for scenario, rows in progress(desc="db build: check scenarios", unit="scenario",
                                       iterable=content["scenarios"].items()):
            check_solvable(len(ids), _overlay_tech(tech, rows, index), f"snapshot {name}, scenario {scenario}", ids,
                           data.exchanges + data.scenarios[scenario])

        created = datetime.now(UTC).replace(microsecond=0).isoformat()
        manifest = {
            "name": name, "hash": digest, "created": created, "format": SNAPSHOT_FORMAT,
            "code_version": code_version(),
            "sources": [{"folder": str(f), "files": h} for f, h in zip(folders, data.source_hashes)],
            "counts": counts, "methods": list(METHODS), "default_method": METHODS[0],
            "flows": flows, "scenarios": sorted(data.scenarios), "replaced": data.replaced,
            "gwp_bases": bases, "credit_types": list(CREDIT_TYPES), "uncertainty": content["uncertainty"],
        }
        final = snapshot_path(name, digest)
        final.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=final.parent))
        try:
            (staging / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
            (staging / "activities.json").write_text(
                json.dumps([_activity_record(data.activities[k]) | {"origin": ""} for k in ids], ensure_ascii=False),
                encoding="utf-8",
            )
            (staging / "scenarios.json").write_text(json.dumps(content["scenarios"]), encoding="utf-8")
            np.savez(
                staging / "arrays.npz",
                tech_rows=tech.rows, tech_cols=tech.cols, tech_amounts=tech.amounts, tech_sigmas=tech.sigmas,
                bio_rows=bio.rows, bio_cols=bio.cols, bio_amounts=bio.amounts, bio_sigmas=bio.sigmas,
                tech_credit=tech.credit, bio_credit=bio.credit, bio_basis=bio.basis,
                tech_sigma_given=tech.sigma_given, bio_sigma_given=bio.sigma_given,
            )
            _store_adjoint_results(staging, [None, *sorted(data.scenarios)])
            if final.exists():  # a leftover of an unindexed, interrupted publication
                shutil.rmtree(final)
            staging.rename(final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        seq = max((e["seq"] for e in entries), default=0) + 1
        entries.append({"name": name, "hash": digest, "created": created, "seq": seq})
        write_index(entries)
    return BuildOutcome(name, digest, True, counts, data.replaced, final)


def _store_adjoint_results(folder: Path, scenarios: list[str | None]) -> None:
    """Solve the adjoint systems once, at publication, and keep them with the snapshot."""
    from lcidb.snapshot import DERIVED_FILE, Snapshot
    from lcidb.solve import FactorizedSnapshot

    snapshot = Snapshot(folder)
    arrays: dict[str, np.ndarray] = {}
    for scenario in progress(desc="db build: factorize and solve", unit="scenario", iterable=scenarios):
        netted = FactorizedSnapshot(snapshot, scenario)
        variants = [netted]
        if snapshot.has_credits(scenario):
            variants.append(FactorizedSnapshot(snapshot, scenario, cutoff=True, netted=netted))
        for solved in variants:
            arrays.update(solved.derived_arrays())
    np.savez(folder / DERIVED_FILE, **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds as bool (allow_pickle)


def _promote(entries: list[dict[str, Any]], entry: dict[str, Any]) -> None:
    """An identical rebuild of an older snapshot makes it the latest of its name again."""
    top = max(e["seq"] for e in entries)
    if entry["seq"] != top:
        entry["seq"] = top + 1
        write_index(entries)


def _overlay_tech(tech: Triplets, overlay: list[dict[str, Any]], index: dict[str, int]) -> Triplets:
    entries = {(int(r), int(c)): a for r, c, a in zip(tech.rows.tolist(), tech.cols.tolist(), tech.amounts.tolist())}
    for row in overlay:
        if row["kind"] == "technosphere":
            entries[(index[row["input"]], index[row["activity_id"]])] = -row["amount"]
    keys = sorted(entries)
    return Triplets.filled(
        np.array([k[0] for k in keys], dtype=np.int64), np.array([k[1] for k in keys], dtype=np.int64),
        np.array([entries[k] for k in keys], dtype=np.float64), np.full(len(keys), np.nan),
    )
