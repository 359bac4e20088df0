"""Many footprints at once: a lean summary per BOM, and a sparse F @ y for totals only.

The summary holds what `footprint-batch` writes per BOM (totals with gas, stage and line
contributions; hotspots on request) without building the full FootprintResult, because at
10,000-100,000 BOMs the result objects, not the linear algebra, would dominate.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import msgspec
import numpy as np
import scipy.sparse as sp

from footprint.bom import BOM, validate_bom_json
from footprint.engine import SUPPLIER_KEY, SnapshotEngine, _hotspots, compile_bom, engine_for, link_cache
from footprint.errors import FootprintError
from lcidb.errors import LcidbError
from lcidb.snapshot import Snapshot
from lcidb.version import code_version


def summarize(bom: BOM, engine: SnapshotEngine, method: str = "AR6", hotspots: bool = False) -> dict[str, Any]:
    snapshot = engine.snapshot
    vectors = engine.vectors(method)
    compiled = compile_bom(bom, snapshot)
    lines = bom.lines
    line_kg = [0.0] * len(lines)
    gas = np.zeros(len(snapshot.flows))
    supplier = 0.0
    demand = np.zeros(snapshot.size) if hotspots else None
    for term in compiled.terms:
        if term.bom_credit and engine.cutoff:
            continue  # cut-off: a BOM credit line is reported by compute(), not counted (footprint.engine)
        if term.column < 0:
            kg = term.supplier_kg
            supplier += kg
        else:
            kg = term.amount * float(vectors.scores[term.column])
            gas += term.amount * vectors.characterised[term.column]
            if demand is not None:
                demand[term.column] += term.amount
        line_kg[term.line_index] += kg
    by_stage: dict[str, float] = {}
    for term_line in sorted({t.line_index for t in compiled.terms}):
        stage = lines[term_line].stage
        by_stage[stage] = by_stage.get(stage, 0.0) + line_kg[term_line]
    subtree = list(line_kg)
    index_of = {line.line_id: i for i, line in enumerate(lines)}
    for line in reversed(bom.topological_order()):
        if line.parent_id is not None:
            subtree[index_of[line.parent_id]] += subtree[index_of[line.line_id]]
    total = sum(subtree[index_of[root.line_id]] for root in bom.roots())
    by_gas = {code: float(v) for code, v in zip(snapshot.flows, gas) if v != 0.0}
    if supplier:
        by_gas[SUPPLIER_KEY] = supplier
    summary: dict[str, Any] = {
        "product_id": bom.product.id,
        "total_kgco2e": total,
        "by_gas": by_gas,
        "by_stage": dict(sorted(by_stage.items())),
        "lines": {line.line_id: subtree[index_of[line.line_id]] for line in lines},
    }
    if demand is not None:
        denominator = abs(total) if total else 1.0
        summary["hotspots"] = _hotspots(engine, vectors, demand, denominator)
    return summary


def totals(boms: Iterable[BOM], snapshot: Snapshot, method: str = "AR6", scenario: str | None = None) -> np.ndarray:
    """Totals only (location-based), for many BOMs: one sparse BOM x activity matrix F, then F @ y.

    The loop reads each line once with cached links; a BOM that does not link goes through
    compile_bom, which raises UnlinkedLines with the full report.
    """
    engine = engine_for(snapshot, scenario)
    y = engine.vectors(method).scores
    cache = link_cache(snapshot)
    factor_links = cache.factor  # (factor id, unit) -> (column, conversion); filled on first use
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    supplier: list[float] = []
    for r, bom in enumerate(boms):
        lines = bom.lines
        cumulative: dict[str, float] = {}
        credit: dict[str, bool] = {}
        extra = 0.0
        for i in bom.topological_indices():
            line = lines[i]
            parent = line.parent_id
            q = line.quantity if parent is None else line.quantity * cumulative[parent]
            cumulative[line.line_id] = q
            credit[line.line_id] = line.credit or (parent is not None and credit[parent])
            if credit[line.line_id] and engine.cutoff:
                continue  # cut-off: BOM credit lines are outside the total
            factor_id = line.factor_id
            if factor_id is not None:
                key = (factor_id, line.unit)
                found = factor_links[key] if key in factor_links else cache.factor_link(factor_id, line.unit)
                if found is None:
                    compile_bom(bom, snapshot)  # raises UnlinkedLines naming the line
                rows.append(r)
                cols.append(found[0])  # type: ignore[index]
                values.append(q * found[1])  # type: ignore[index]
            elif line.transport is not None:
                leg = line.transport
                found = cache.transport_link(leg.activity_id, leg.mode)
                if found is None:
                    compile_bom(bom, snapshot)
                rows.append(r)
                cols.append(found[0])  # type: ignore[index]
                values.append(q * leg.tkm * found[1])  # type: ignore[index]
            elif line.supplier_pcf is not None:
                extra += q * line.supplier_pcf.net_per_unit
        supplier.append(extra)
    f = sp.csr_matrix((np.array(values), (np.array(rows), np.array(cols))), shape=(len(supplier), snapshot.size))
    return f @ y + np.array(supplier)


@dataclass
class BatchOutcome:
    total: int
    failed: int


CHUNK_LINES = 10_000  # JSONL lines per unit of work: one columnar pass, one Dask task


def ordinary_record(raw: bytes, number: int, engine: SnapshotEngine, method: str, hotspots: bool,
                    source_name: str) -> dict[str, Any]:
    """One line the ordinary way: pydantic validation, then summarize; an error record names the
    file line, and the BOM's own line and field."""
    try:
        bom = validate_bom_json(raw)
        return {"line": number, **summarize(bom, engine, method, hotspots)}
    except (FootprintError, LcidbError) as exc:
        return {"line": number, "error": f"{source_name}, line {number}: {exc}",
                "code": getattr(exc, "code", type(exc).__name__),
                "field": getattr(exc, "field", None), "bom_line": getattr(exc, "line", None)}


def batch_chunk(raws: list[bytes], numbers: list[int], snapshot_path: str, snapshot_hash: str, method: str,
                hotspots: bool, source_name: str) -> tuple[bytes, int]:
    """Results of one chunk of JSONL lines as encoded JSONL, and how many failed.

    A pure function of its arguments (each BOM's record depends on that BOM only), so a Dask worker
    and the local loop give the same bytes whatever the chunking or the number of workers.
    """
    from lcidb.snapshot import snapshot_at

    engine = engine_for(snapshot_at(snapshot_path, snapshot_hash))
    records: list[dict[str, Any] | None]
    if hotspots:  # hotspots need a forward solve per BOM: the ordinary path
        records, delegated = [None] * len(raws), list(range(len(raws)))
    else:
        from footprint.columnar import columnar_batch

        done = columnar_batch(engine, method).run(raws, numbers)
        records, delegated = done.records, done.delegated
    for k in delegated:
        records[k] = ordinary_record(raws[k], numbers[k], engine, method, hotspots, source_name)
    if delegated and not gc.isenabled():
        gc.collect()  # error tracebacks hold reference cycles through this chunk's frames
    failed = sum(1 for k in delegated if "error" in records[k])  # type: ignore[operator]
    return _ENCODER.encode_lines(records), failed


def _chunks(source: Path, size: int) -> Iterator[tuple[list[bytes], list[int]]]:
    """Non-blank lines of `source` with their 1-based file line numbers, `size` at a time."""
    raws: list[bytes] = []
    numbers: list[int] = []
    number = 0
    carry = b""
    with source.open("rb") as reader:
        while True:
            block = reader.read(1 << 24)
            lines = (carry + block).split(b"\n")
            carry = lines.pop() if block else b""
            if b"\r" in block or not block:
                lines = [line.rstrip(b"\r") for line in lines]
            for raw in lines:
                number += 1
                if raw and not raw.isspace():
                    raws.append(raw)
                    numbers.append(number)
                    if len(raws) == size:
                        yield raws, numbers
                        raws, numbers = [], []
            if not block:
                break
    if raws:
        yield raws, numbers


def run_batch(source: Path, target: Path, snapshot: Snapshot, method: str = "AR6", hotspots: bool = False,
              *, scheduler: str | None = None, workers: int | None = None, jobs: int | None = None,
              quiet: bool = False, chunk_lines: int = CHUNK_LINES) -> BatchOutcome:
    """One JSON BOM per input line -> one JSON result per output line (or an error naming the line).

    `scheduler`: None runs here; "local" starts a Dask LocalCluster; any other value is the
    address of a Dask scheduler whose workers can read the snapshot folder (footprint.scale).
    Without one, `jobs` processes of this machine share the chunks (default: every core).
    """
    engine = engine_for(snapshot)
    engine.vectors(method)  # an unknown method fails here, before any output
    provenance = {"snapshot_name": snapshot.name, "snapshot_hash": snapshot.hash, "method": method,
                  "code_version": code_version(), "credits": "cut-off"}
    args = (str(snapshot.path), snapshot.hash, method, hotspots, source.name)
    total = failed = 0
    tmp = target.with_name(target.name + ".partial")
    from footprint.scale import default_jobs, ordered_map
    from lcidb.progress import progress, progress_enabled

    from footprint.columnar import gc_paused

    count = _count_lines(source) if progress_enabled(quiet) else None
    with gc_paused(), tmp.open("wb") as writer, \
            progress(count, unit="BOM", desc="footprint-batch", quiet=quiet) as bar:
        writer.write(_ENCODER.encode({"header": provenance}) + b"\n")
        try:
            for (raws, _numbers), (encoded, chunk_failed) in ordered_map(
                    batch_chunk, _chunks(source, chunk_lines), args, scheduler, workers, jobs or default_jobs()):
                writer.write(encoded)
                total += len(raws)
                failed += chunk_failed
                bar.update(len(raws))
        except BaseException:
            writer.close()
            tmp.unlink(missing_ok=True)
            raise
    tmp.replace(target)  # never leave a half-written results file under the requested name
    return BatchOutcome(total, failed)


def _count_lines(source: Path) -> int | None:
    """For the progress bar's total: newline count, read in blocks (a fraction of parsing)."""
    try:
        with source.open("rb") as handle:
            return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 24), b""))
    except OSError:
        return None


_ENCODER = msgspec.json.Encoder()
