"""The one footprint roll-up: leaf bookings -> line, subtree, stage, gas and BOM totals.

`compute` (one BOM, the full result), `summarize` and `totals` (footprint.batch) and the
columnar batch path (footprint.columnar) all hand their bookings to `roll_up`; they differ only
in how they get the bookings (compile_bom per BOM, or array checks over a chunk of JSONL) and in
what they do with the sums. So the ordinary and the batch path cannot drift apart (issue 12:
`summarize` had ignored the electricity method and the scenario).

The bookings of many BOMs are flat arrays; every sum is a weighted `bincount` or an unbuffered
`add.at`, which add in input order, so one BOM gives the same bits alone or in a chunk of
100,000. The orders are fixed here: a line's terms in booking order, a parent's children in
reverse file order, roots in file order, stages in line order, gases in pre-order of the lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import compress, islice
from typing import TYPE_CHECKING, Any, Literal
from collections.abc import Sequence

import numpy as np

if TYPE_CHECKING:  # engine imports this module
    from footprint.bom import BOM
    from footprint.engine import Compiled, MethodVectors

SUPPLIER_KEY = "supplier_pcf"  # by_gas key for kg CO2e that suppliers reported already aggregated
Stage = Literal["raw_materials", "manufacturing", "transport", "packaging", "distribution", "use", "end_of_life"]
STAGES: tuple[str, ...] = Stage.__args__  # type: ignore[attr-defined]
STAGE_CODE = {name: k for k, name in enumerate(STAGES)}
_STAGE_ORDER = sorted(range(len(STAGES)), key=STAGES.__getitem__)  # by_stage keys, alphabetical
_STAGE_NAMES = [STAGES[k] for k in _STAGE_ORDER]


@dataclass
class Bookings:
    """The leaf bookings of a run of BOMs, flattened. BOM b owns lines starts[b]:starts[b + 1]
    and its terms follow those of BOM b - 1, in pre-order of its lines (compile_bom's order)."""

    starts: np.ndarray  # n_boms + 1
    parent: np.ndarray  # per line: the parent's line index, -1 for a top-level line
    depth: np.ndarray  # per line: 1 for a top-level line
    stage: np.ndarray  # per line: index into STAGES
    term_line: np.ndarray  # per term: its line
    term_column: np.ndarray  # the activity it books, -1 for a supplier-declared footprint
    term_amount: np.ndarray  # activity units per declared unit; supplier: kg CO2e
    term_counted: np.ndarray  # False: a BOM credit line under cut-off (reported, not in the total)

    @property
    def n_boms(self) -> int:
        return len(self.starts) - 1

    @property
    def bom_of(self) -> np.ndarray:
        return np.repeat(np.arange(self.n_boms), np.diff(self.starts))


@dataclass
class RollUp:
    line_kg: np.ndarray  # per line: kg CO2e of its own bookings
    subtree: np.ndarray  # per line: kg CO2e of the line and every line below it
    total: np.ndarray  # per BOM
    gas: np.ndarray  # per BOM x flow: kg CO2e of the activity bookings
    supplier: np.ndarray  # per BOM: kg CO2e of supplier-declared footprints
    stage_kg: np.ndarray  # per BOM x STAGES
    stage_seen: np.ndarray  # per BOM x STAGES: a line of that stage booked something (maybe zero)


def bookings_of(bom: BOM, compiled: Compiled, cutoff: bool) -> Bookings:
    """One BOM's bookings from compile_bom (its terms come in pre-order of the lines)."""
    lines = bom.lines
    index_of = {line.line_id: i for i, line in enumerate(lines)}
    parent = np.array([-1 if line.parent_id is None else index_of[line.parent_id] for line in lines], dtype=np.int64)
    depth = np.ones(len(lines), dtype=np.int64)
    for i in bom.topological_indices():
        if parent[i] >= 0:
            depth[i] = depth[parent[i]] + 1
    terms = compiled.terms
    return Bookings(
        np.array([0, len(lines)], dtype=np.int64), parent, depth,
        np.fromiter((STAGE_CODE[line.stage] for line in lines), dtype=np.int64, count=len(lines)),
        np.fromiter((t.line_index for t in terms), dtype=np.int64, count=len(terms)),
        np.fromiter((t.column for t in terms), dtype=np.int64, count=len(terms)),
        np.fromiter((t.supplier_kg if t.column < 0 else t.amount for t in terms), dtype=np.float64, count=len(terms)),
        np.fromiter((not (cutoff and t.bom_credit) for t in terms), dtype=bool, count=len(terms)),
    )


def concat(parts: Sequence[Bookings]) -> Bookings:
    """Several runs of bookings as one (line indices shifted)."""
    offsets = np.cumsum([0] + [len(p.parent) for p in parts])
    starts = np.concatenate([[0]] + [p.starts[1:] + offsets[k] for k, p in enumerate(parts)])
    return Bookings(
        starts.astype(np.int64),
        np.concatenate([np.where(p.parent >= 0, p.parent + offsets[k], -1) for k, p in enumerate(parts)]),
        np.concatenate([p.depth for p in parts]), np.concatenate([p.stage for p in parts]),
        np.concatenate([p.term_line + offsets[k] for k, p in enumerate(parts)]),
        np.concatenate([p.term_column for p in parts]), np.concatenate([p.term_amount for p in parts]),
        np.concatenate([p.term_counted for p in parts]),
    )


def subtree_sums(values: np.ndarray, parent: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Each line's value plus those of every line below it (values: per line, 1-D or 2-D).
    From the deepest level up; within a level in reverse line order, so a parent receives its
    children in reverse file order, as a walk over the reversed pre-order does."""
    out = values.copy()
    max_depth = int(depth.max()) if depth.size else 1
    for d in range(max_depth, 1, -1):
        idx = np.flatnonzero(depth == d)[::-1]
        np.add.at(out, parent[idx], out[idx])
    return out


def roll_up(b: Bookings, vectors: MethodVectors) -> RollUp:
    n_boms, n_lines = b.n_boms, len(b.parent)
    bom_of = b.bom_of
    counted = np.flatnonzero(b.term_counted)
    column = b.term_column[counted]
    activity = column >= 0
    amount = b.term_amount[counted]
    kg = np.where(activity, amount * vectors.scores[np.maximum(column, 0)], amount)
    term_line = b.term_line[counted]
    line_kg = np.bincount(term_line, weights=kg, minlength=n_lines)
    subtree = subtree_sums(line_kg, b.parent, b.depth)
    roots = np.flatnonzero(b.parent < 0)
    total = np.bincount(bom_of[roots], weights=subtree[roots], minlength=n_boms)
    # gases: a weighted bincount per flow adds the terms in order, as `gas += amount * row` does
    on = np.flatnonzero(activity)
    term_bom = bom_of[term_line]
    flows = vectors.characterised.shape[1]
    gas = np.zeros((n_boms, flows))
    for f in range(flows):
        gas[:, f] = np.bincount(term_bom[on], weights=amount[on] * vectors.characterised[column[on], f],
                                minlength=n_boms)
    supplier = np.bincount(term_bom[~activity], weights=kg[~activity], minlength=n_boms)
    # stages: every line with a booking, counted or not, in line order
    booked = np.zeros(n_lines, dtype=bool)
    booked[b.term_line] = True
    booked_lines = np.flatnonzero(booked)
    key = bom_of[booked_lines] * len(STAGES) + b.stage[booked_lines]
    size = n_boms * len(STAGES)
    stage_kg = np.bincount(key, weights=line_kg[booked_lines], minlength=size).reshape(n_boms, len(STAGES))
    stage_seen = (np.bincount(key, minlength=size) > 0).reshape(n_boms, len(STAGES))
    return RollUp(line_kg, subtree, total, gas, supplier, stage_kg, stage_seen)


def summaries(r: RollUp, b: Bookings, flows: Sequence[str], line_ids: Sequence[str], product_ids: Sequence[str],
              which: Sequence[int] | None = None, numbers: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """What footprint-batch writes per BOM: totals, gases, stages, line contributions, for the
    BOMs `which` (all by default), led by their file line `numbers[k]` when given. Python lists
    first: per-element numpy access is slow."""
    subtree = r.subtree.tolist()
    totals = r.total.tolist()
    gas_rows = r.gas.tolist()
    nonzero = r.gas != 0.0
    dense = nonzero.all(axis=1).tolist()
    nonzero_rows = nonzero.tolist()
    supplier = r.supplier.tolist()
    stage_rows = r.stage_kg[:, _STAGE_ORDER].tolist()
    seen_rows = r.stage_seen[:, _STAGE_ORDER].tolist()
    bounds = b.starts.tolist()
    any_supplier = bool(r.supplier.any())
    # all BOMs in order: one iterator over (line id, subtree) pairs, cut per BOM without slicing
    pairs = zip(line_ids, subtree) if which is None else None
    out: list[Any] = []
    append = out.append
    for k in range(b.n_boms) if which is None else which:
        s, e = bounds[k], bounds[k + 1]
        by_gas = dict(zip(flows, gas_rows[k])) if dense[k] else dict(compress(zip(flows, gas_rows[k]), nonzero_rows[k]))
        if any_supplier and supplier[k] != 0.0:
            by_gas[SUPPLIER_KEY] = supplier[k]
        by_stage = dict(compress(zip(_STAGE_NAMES, stage_rows[k]), seen_rows[k]))
        lines = dict(islice(pairs, e - s)) if pairs is not None else dict(zip(line_ids[s:e], subtree[s:e]))
        if numbers is None:
            append({"product_id": product_ids[k], "total_kgco2e": totals[k], "by_gas": by_gas, "by_stage": by_stage,
                    "lines": lines})
        else:
            append({"line": numbers[k], "product_id": product_ids[k], "total_kgco2e": totals[k], "by_gas": by_gas,
                    "by_stage": by_stage, "lines": lines})
    return out
