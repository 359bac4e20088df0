"""Many footprints at once: a lean summary per BOM, and a sparse F @ y for totals only.

The summary holds what `footprint-batch` writes per BOM (totals with gas, stage and line
contributions; hotspots on request) without building the full FootprintResult, because at
10,000-100,000 BOMs the result objects, not the linear algebra, would dominate.
"""

from __future__ import annotations

import gc
import mmap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from collections.abc import Iterable, Iterator

import msgspec
import numpy as np

from footprint.errors import FootprintError
from footprint.rollup import STAGE_CODE, Bookings, bookings_of, concat, roll_up, summaries
from footprint.vectors import SnapshotEngine, engine_for
from lcidb.errors import LcidbError
from lcidb.snapshot import Snapshot
from lcidb.version import code_version

if TYPE_CHECKING:  # the ordinary path's pydantic models are imported when a BOM takes it
    from footprint.bom import BOM

Electricity = Literal["location", "market"]


def summarize(bom: BOM, engine: SnapshotEngine, method: str = "AR6", hotspots: bool = False,
              electricity: Electricity = "location") -> dict[str, Any]:
    """What footprint-batch writes for one BOM, from the one roll-up (footprint.rollup); the
    scenario is the engine's (engine_for(snapshot, scenario))."""
    from footprint.engine import _hotspots, compile_bom

    snapshot = engine.snapshot
    vectors = engine.vectors(method)
    compiled = compile_bom(bom, snapshot, electricity)
    booked = bookings_of(bom, compiled, engine.cutoff)
    rolled = roll_up(booked, vectors)
    (summary,) = summaries(rolled, booked, snapshot.flows, [line.line_id for line in bom.lines], [bom.product.id])
    if hotspots:
        demand = np.zeros(snapshot.size)
        activity = booked.term_counted & (booked.term_column >= 0)
        np.add.at(demand, booked.term_column[activity], booked.term_amount[activity])
        total = summary["total_kgco2e"]
        summary["hotspots"] = _hotspots(engine, vectors, demand, abs(total) if total else 1.0)
    return summary


def totals(boms: Iterable[BOM], snapshot: Snapshot, method: str = "AR6", scenario: str | None = None,
           electricity: Electricity = "location") -> np.ndarray:
    """Totals only, for many BOMs: their bookings concatenated and rolled up at once."""
    from footprint.engine import compile_bom

    engine = engine_for(snapshot, scenario)
    if electricity == "location":
        booked = _location_bookings(boms, snapshot, engine.cutoff)
    else:
        parts = [bookings_of(bom, compile_bom(bom, snapshot, electricity), engine.cutoff) for bom in boms]
        if not parts:
            return np.zeros(0)
        booked = concat(parts)
    return roll_up(booked, engine.vectors(method)).total


def _location_bookings(boms: Iterable[BOM], snapshot: Snapshot, cutoff: bool) -> Bookings:
    """compile_bom's bookings (location-based) for many BOMs in one loop with cached links and the
    same arithmetic (cumulative x conversion; t.km x conversion first for a leg). A BOM that does
    not link goes through compile_bom, which raises UnlinkedLines with the full report."""
    from footprint.engine import compile_bom, link_cache

    cache = link_cache(snapshot)
    starts: list[int] = [0]
    parent: list[int] = []
    depth: list[int] = []
    stage: list[Any] = []
    term_line: list[int] = []
    term_column: list[int] = []
    term_amount: list[float] = []
    term_counted: list[bool] = []
    for bom in boms:
        lines, base = bom.lines, len(parent)
        index_of = {line.line_id: i for i, line in enumerate(lines)}
        parent.extend(-1 if line.parent_id is None else base + index_of[line.parent_id] for line in lines)
        stage.extend(STAGE_CODE[line.stage] for line in lines)
        depth.extend([1] * len(lines))
        cumulative, credit = [0.0] * len(lines), [False] * len(lines)
        for i in bom.topological_indices():
            line = lines[i]
            if line.parent_id is None:
                q, chained = line.quantity, line.credit
            else:
                j = index_of[line.parent_id]
                q, chained, depth[base + i] = cumulative[j] * line.quantity, line.credit or credit[j], depth[base + j] + 1
            cumulative[i], credit[i] = q, chained
            if line.factor_id is not None:
                found = cache.factor_link(line.factor_id, line.unit)
                per_unit = None if found is None else found[1]
            elif line.transport is not None:
                found = cache.transport_link(line.transport.activity_id, line.transport.mode)
                per_unit = None if found is None else line.transport.tkm * found[1]
            elif line.supplier_pcf is not None:
                found, per_unit = (-1, 0.0), line.supplier_pcf.net_per_unit
            else:
                continue  # an assembly
            if found is None or per_unit is None:
                compile_bom(bom, snapshot)  # raises UnlinkedLines naming the line
                raise FootprintError(f"line {line.line_id!r} of {bom.product.id!r} does not link")  # never a silent zero
            term_line.append(base + i)
            term_column.append(found[0])
            term_amount.append(q * per_unit)
            term_counted.append(not (cutoff and chained))
        starts.append(len(parent))
    ints = lambda values: np.array(values, dtype=np.int64)  # noqa: E731
    return Bookings(ints(starts), ints(parent), ints(depth), ints(stage), ints(term_line), ints(term_column),
                    np.array(term_amount, dtype=np.float64), np.array(term_counted, dtype=bool))


@dataclass
class BatchOutcome:
    total: int
    failed: int


CHUNK_LINES = 10_000  # JSONL lines per unit of work: one forked job or Dask task
# JSONL lines per columnar pass and per encoding: a pass over 10,000 lines made ~170 MB of objects
# and arrays, freed at its end and touched afresh by the next one (page faults: a fifth of the
# CPU time); smaller passes reuse the same memory and stay in cache (cachegrind, 10,000 BOMs with
# a 4 MB last-level cache: 25.0 / 20.7 / 13.8 million misses at 2,000 / 1,000 / 500 lines, for
# 0.8 % more instructions at 500)
PASS_LINES = 500


def ordinary_record(raw: bytes, number: int, engine: SnapshotEngine, method: str, hotspots: bool,
                    source_name: str, electricity: Electricity = "location") -> dict[str, Any]:
    """One line the ordinary way: pydantic validation, then summarize; an error record names the
    file line, and the BOM's own line and field."""
    from footprint.bom import validate_bom_json

    try:
        bom = validate_bom_json(raw)
        return {"line": number, **summarize(bom, engine, method, hotspots, electricity)}
    except (FootprintError, LcidbError) as exc:
        return {"line": number, "error": f"{source_name}, line {number}: {exc}",
                "code": getattr(exc, "code", type(exc).__name__),
                "field": getattr(exc, "field", None), "bom_line": getattr(exc, "line", None)}


def batch_chunk(raws: list[bytes], numbers: list[int], snapshot_path: str, snapshot_hash: str, method: str,
                hotspots: bool, source_name: str, electricity: Electricity = "location",
                scenario: str | None = None) -> tuple[bytes, int]:
    """Results of one chunk of JSONL lines as encoded JSONL, and how many failed.

    A pure function of its arguments (each BOM's record depends on that BOM only), so a Dask worker
    and the local loop give the same bytes whatever the chunking or the number of workers.
    """
    if len(raws) > PASS_LINES:
        parts = [batch_chunk(raws[k:k + PASS_LINES], numbers[k:k + PASS_LINES], snapshot_path, snapshot_hash, method,
                             hotspots, source_name, electricity, scenario) for k in range(0, len(raws), PASS_LINES)]
        return b"".join(part[0] for part in parts), sum(part[1] for part in parts)
    from lcidb.snapshot import snapshot_at

    engine = engine_for(snapshot_at(snapshot_path, snapshot_hash), scenario)
    records: list[dict[str, Any] | None]
    # hotspots need a forward solve per BOM, market-based electricity the BOM's instruments and
    # site data (footprint.electricity): the ordinary path, with the same roll-up
    if hotspots or electricity != "location":
        records, delegated = [None] * len(raws), list(range(len(raws)))
    else:
        from footprint.columnar import columnar_batch

        done = columnar_batch(engine, method).run(raws, numbers)
        records, delegated = done.records, done.delegated
    for k in delegated:
        records[k] = ordinary_record(raws[k], numbers[k], engine, method, hotspots, source_name, electricity)
    if delegated and not gc.isenabled():
        gc.collect()  # error tracebacks hold reference cycles through this chunk's frames
    failed = sum(1 for k in delegated if "error" in records[k])  # type: ignore[operator,misc]
    return _ENCODER.encode_lines(records), failed


def range_chunk(path: str, start: int, end: int, first: int, *args: Any) -> tuple[bytes, int, int]:
    """batch_chunk on the lines of bytes start:end of `path` (file lines first, first + 1, ...),
    read here: a forked worker reads its own range instead of receiving it through a pipe.
    Also returns how many BOM lines the range held."""
    with open(path, "rb") as handle:
        handle.seek(start)
        block = handle.read(end - start)
    pieces = block.split(b"\n")
    if block.endswith(b"\n"):
        pieces.pop()  # the empty text after the range's last newline belongs to the next range
    if b"\r" in block:
        pieces = [piece.rstrip(b"\r") for piece in pieces]
    numbers = [first + k for k, raw in enumerate(pieces) if raw and not raw.isspace()]
    raws = [pieces[n - first] for n in numbers]
    encoded, failed = batch_chunk(raws, numbers, *args) if raws else (b"", 0)
    return encoded, failed, len(raws)


def _ranges(source: Path, size: int) -> Iterator[tuple[str, int, int, int]]:
    """(path, start, end, first file line number) of runs of `size` physical lines of `source`."""
    length = source.stat().st_size
    if not length:
        return
    with source.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
        start, number, find = 0, 1, view.find
        while start < length:
            end, lines = start, 0
            while lines < size and end < length:
                newline = find(b"\n", end)
                end = length if newline < 0 else newline + 1
                lines += 1
            yield str(source), start, end, number
            start, number = end, number + lines


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
              *, electricity: Electricity = "location", scenario: str | None = None,
              scheduler: str | None = None, workers: int | None = None, jobs: int | None = None,
              quiet: bool = False, chunk_lines: int = CHUNK_LINES) -> BatchOutcome:
    """One JSON BOM per input line -> one JSON result per output line (or an error naming the line).

    `scheduler`: None runs here; "local" starts a Dask LocalCluster; any other value is the
    address of a Dask scheduler whose workers can read the snapshot folder (footprint.scale).
    Without one, `jobs` processes of this machine share the chunks (default: every core).
    """
    if electricity not in ("location", "market"):
        raise FootprintError(f"electricity {electricity!r}: use location or market")
    engine = engine_for(snapshot, scenario)  # an unknown scenario fails here, before any output
    engine.vectors(method)  # and an unknown method
    if scheduler is None and not hotspots and electricity == "location":
        from footprint.columnar import columnar_batch

        columnar_batch(engine, method)  # made once here: forked workers inherit it
    provenance = {"snapshot_name": snapshot.name, "snapshot_hash": snapshot.hash, "method": method,
                  "electricity": electricity, "scenario": scenario, "code_version": code_version(),
                  "credits": "cut-off"}
    args = (str(snapshot.path), snapshot.hash, method, hotspots, source.name, electricity, scenario)
    total = failed = 0
    tmp = target.with_name(target.name + ".partial")
    from footprint.scale import default_jobs
    from lcidb.progress import progress, progress_enabled

    from footprint.columnar import gc_paused

    count = _count_lines(source) if progress_enabled(quiet) else None
    with gc_paused(), tmp.open("wb") as writer, \
            progress(count, unit="BOM", desc="footprint-batch", quiet=quiet) as bar:
        writer.write(_ENCODER.encode({"header": provenance}) + b"\n")
        try:
            for _item, (encoded, chunk_failed, chunk_total) in _chunk_results(
                    source, chunk_lines, args, scheduler, workers, jobs or default_jobs()):
                writer.write(encoded)
                total += chunk_total
                failed += chunk_failed
                bar.update(chunk_total)
        except BaseException:
            writer.close()
            tmp.unlink(missing_ok=True)
            raise
    tmp.replace(target)  # never leave a half-written results file under the requested name
    return BatchOutcome(total, failed)


def _chunk_results(source: Path, chunk_lines: int, args: tuple, scheduler: str | None, workers: int | None,
                   jobs: int) -> Iterator[tuple[Any, tuple[bytes, int, int]]]:
    """Here and on forked processes, each chunk is a byte range its worker reads itself; a Dask
    cluster's workers may not see this file system, so they are sent the lines."""
    from footprint.scale import ordered_map

    if scheduler is None:
        yield from ordered_map(range_chunk, _ranges(source, chunk_lines), args, None, None, jobs)
        return
    for item, (encoded, failed) in ordered_map(batch_chunk, _chunks(source, chunk_lines), args, scheduler, workers):
        yield item, (encoded, failed, len(item[0]))


def _count_lines(source: Path) -> int | None:
    """For the progress bar's total: newline count, read in blocks (a fraction of parsing)."""
    try:
        with source.open("rb") as handle:
            return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 24), b""))
    except OSError:
        return None


_ENCODER = msgspec.json.Encoder()
