"""The columnar batch path: many JSONL BOMs parsed, checked and rolled up as arrays.

`footprint-batch` spends its time outside the linear algebra when every BOM becomes a pydantic
object and a dict walk (issue 12: 3.4 s validation + 4.7 s summaries for 100,000 BOMs against
1 s of arithmetic). Here a chunk of JSONL lines is decoded by msgspec into strict structs, the
lines of all BOMs are flattened into columns, and the checks, the links and the roll-up run as
numpy operations and sparse products over the whole chunk.

Agreement with the ordinary path (footprint.bom.validate_bom_json + footprint.batch.summarize)
is structural: the fast path only *accepts*. A BOM that fails any cheap check here -- a decode
error, a field the fast structs do not know, a duplicate key, an escape or a control/bidi
character, a blank string, a line that does not link, a unit it cannot convert, a cycle, a
negative quantity without credit, anything -- is handed whole to the ordinary path, which either
computes it the ordinary way or raises the ordinary error (same code, line and field). So the fast
path may be stricter than the ordinary one, never looser; tests/footprint/test_columnar.py runs
one corpus of invalid BOMs through both and compares the error records.

Fast parsers keep the last of duplicate keys silently; the check below counts the `":` pairs of
the raw text (every key of a JSON object, and nothing else once strings without escapes are
assured) against the keys the structs received.
"""

from __future__ import annotations

import contextlib
import gc
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from datetime import date
from itertools import chain, compress, count, repeat
from operator import attrgetter, is_, is_not
from typing import Annotated, Any, Literal
from collections.abc import Iterator, Sequence

import msgspec
import numpy as np

from footprint.limits import (
    CBAM_ROLE_PATTERN, MAX_AMOUNT_PER_DECLARED_UNIT, MAX_DEPTH, MAX_LINES, MAX_MAGNITUDE, MAX_MASS_KG, MAX_QUANTITY,
    MAX_TEXT_LENGTH, MAX_UNCERTAINTY_SIGMA,
)
from footprint.rollup import STAGE_CODE as _STAGE_CODE, Bookings, RollUp, Stage as _Stage, roll_up, summaries
from footprint.vectors import SnapshotEngine
from lcidb.units import unit_expression

UNSET = msgspec.UNSET
# the ordinary model's bounds (footprint.bom): a value beyond them is handed over, never computed
_NonEmpty = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TEXT_LENGTH)]
_Text = Annotated[str, msgspec.Meta(max_length=MAX_TEXT_LENGTH)]
_Positive = Annotated[float, msgspec.Meta(gt=0)]


def _positive(limit: float) -> Any:
    return Annotated[float, msgspec.Meta(gt=0, le=limit)]


_Rating = Annotated[float, msgspec.Meta(ge=1, le=5)]


class _Strict(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """Unknown keys are a decode error, so the BOM goes to the ordinary path (which names them).
    gc=False: millions of these are made per batch and they hold no cycles; tracking them made
    the garbage collector the largest cost of decoding."""


class _DeclaredUnit(_Strict):
    unit: _NonEmpty
    amount: _positive(MAX_MAGNITUDE)  # type: ignore[valid-type]


class _Period(_Strict):
    start: date
    end: date


class _Product(_Strict):
    id: _NonEmpty
    name: _NonEmpty
    category: _NonEmpty
    declared_unit: _DeclaredUnit
    boundary: Literal["cradle-to-gate", "cradle-to-grave"]
    reference_period: _Period
    site_region: _NonEmpty
    product_rule: _Text | None | msgspec.UnsetType = UNSET
    cn_code: Annotated[str, msgspec.Meta(pattern=r"^\d{4}(\d{2}){0,2}$")] | None | msgspec.UnsetType = UNSET
    mass_kg: _positive(MAX_MASS_KG) | None | msgspec.UnsetType = UNSET  # type: ignore[valid-type]
    national_catalogue: bool | msgspec.UnsetType = UNSET
    site_electricity_mwh: Annotated[float, msgspec.Meta(ge=0, le=MAX_MAGNITUDE)] | None | msgspec.UnsetType = UNSET
    production_volume: _positive(MAX_MAGNITUDE) | None | msgspec.UnsetType = UNSET  # type: ignore[valid-type]
    # electricity_instruments is not here on purpose: a product with instruments takes the
    # ordinary path (its allocation checks live in footprint.bom)


_PRODUCT_OPTIONAL = ("product_rule", "cn_code", "mass_kg", "national_catalogue", "site_electricity_mwh",
                     "production_volume")
_PRODUCT_KEYS = 7 + 2 + 2  # required keys + declared_unit's two + reference_period's two


class _DQR(_Strict):
    technological: _Rating
    temporal: _Rating
    geographical: _Rating


class _Line(_Strict):
    """Factor lines and assemblies. Supplier footprints and transport legs are unknown keys here:
    such BOMs take the ordinary path."""

    line_id: _NonEmpty
    name: _NonEmpty
    quantity: Annotated[float, msgspec.Meta(ge=-MAX_QUANTITY, le=MAX_QUANTITY)]
    unit: _NonEmpty
    stage: _Stage
    data_type: Literal["primary", "secondary"]
    parent_id: _Text | None | msgspec.UnsetType = UNSET
    factor_id: _Text | None | msgspec.UnsetType = UNSET
    credit: bool | msgspec.UnsetType = UNSET
    uncertainty_sigma: _positive(MAX_UNCERTAINTY_SIGMA) | None | msgspec.UnsetType = UNSET  # type: ignore[valid-type]
    dqr: _DQR | None | msgspec.UnsetType = UNSET
    cbam_role: Annotated[str, msgspec.Meta(pattern=CBAM_ROLE_PATTERN)] | None | msgspec.UnsetType = UNSET


_LINE_REQUIRED = 6
_MAX_SPELLINGS = 4096  # line unit spellings remembered across chunks
_LINE_OPTIONAL = ("parent_id", "factor_id", "credit", "uncertainty_sigma", "cbam_role")  # dqr: 1 or 4 keys


class _Exclusion(_Strict):
    name: _NonEmpty
    estimated_share: Annotated[float, msgspec.Meta(ge=0, le=1)]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


class _BOM(_Strict):
    product: _Product
    lines: Annotated[list[_Line], msgspec.Meta(min_length=1, max_length=MAX_LINES)]
    schema_version: Literal["1"] | msgspec.UnsetType = UNSET
    exclusions: list[_Exclusion] | msgspec.UnsetType = UNSET


_DECODER = msgspec.json.Decoder(_BOM)
# Raw text that sends a BOM to the ordinary path before decoding: any escape (an escaped quote
# would break the key count, an escaped control character hides from this scan), a control
# character (C0, DEL, C1), a byte-order mark, a bidirectional-formatting character (U+200E/F,
# U+202A-202E, U+2066-2069), and a string value that is empty or whitespace only (Unicode
# whitespace included: the text regex's \s).
_SUSPECT_TEXT = re.compile(
    "[\x00-\x1f\x7f-\x9f\ufeff\u200e\u200f\u202a-\u202e\u2066-\u2069]|\"\\s*\""
)
_BLANK_STRING = re.compile(rb'"[ \t]*"')
# a gap between a key and its colon: the pair count below would miss that key (a duplicate could
# then go unnoticed), so such a line is handed over
_KEY_GAP = re.compile(rb'"[ \t\r\n]+:')


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a chunk's millions of small objects are made (they
    hold no cycles; collections triggered by the allocations were half of the decoding time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class _Rolled:
    """The accepted BOMs of a chunk, rolled up: `kept` are their positions among the decoded ones."""

    sums: RollUp
    bookings: Bookings
    kept: list[int]
    line_ids: Sequence[str]
    product_ids: list[str]
    numbers: list[int]


@dataclass
class ChunkResult:
    """Records in input order: `records[k]` is for `numbers[k]`; `delegated` lists the positions
    (into the chunk's non-blank lines) the fast path handed to the ordinary one."""

    records: list[dict[str, Any] | None]
    delegated: list[int]


def _suspect(raw: bytes) -> bool:
    """The precise test, for the few lines the vectorised scan flags."""
    if b"\\" in raw or b"\x7f" in raw or _KEY_GAP.search(raw) is not None:
        return True
    if not raw.isascii():
        try:
            return _SUSPECT_TEXT.search(raw.decode("utf-8")) is not None
        except UnicodeDecodeError:
            return True
    return _BLANK_STRING.search(raw) is not None


@dataclass
class _Scan:
    """What the raw text of a chunk says before decoding: the lines to hand over, and the `":`
    pairs (keys) of the whole chunk; the per-line pairs are counted only if the totals differ."""

    suspect: set[int]
    pairs: int
    buf: np.ndarray
    starts: np.ndarray

    def pairs_per_line(self) -> np.ndarray:
        at = np.flatnonzero((self.buf[:-1] == 34) & (self.buf[1:] == 58))
        return np.bincount(np.searchsorted(self.starts, at, side="right") - 1, minlength=self.starts.size)


def _scan(raws: list[bytes]) -> _Scan:
    """A few vectorised passes over the chunk's bytes. Only lines with a backslash, DEL or a
    non-ASCII byte, or with a quote followed by a byte up to '"' (a space, a control character, a
    quote: a string that may be blank, or a gap between a key and its colon) get the per-line test;
    the test is on the whole chunk first, so a clean chunk costs no per-line Python at all."""
    n = len(raws)
    joined = b"\n".join(raws) + b"\n"
    buf = np.frombuffer(joined, dtype=np.uint8)
    lengths = np.fromiter(map(len, raws), dtype=np.int64, count=n)
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(lengths[:-1] + 1, out=starts[1:])
    quote, after = buf[:-1] == 34, buf[1:]
    pairs = int(np.count_nonzero(quote & (after == 58)))
    odd = np.flatnonzero(quote & (after <= 34))
    flagged = set((np.searchsorted(starts, odd, side="right") - 1).tolist()) if odd.size else set()
    if b"\\" in joined or b"\x7f" in joined or not joined.isascii():
        flagged.update(k for k, raw in enumerate(raws) if b"\\" in raw or b"\x7f" in raw or not raw.isascii())
    return _Scan({k for k in flagged if _suspect(raws[k])}, pairs, buf, starts)


def _decode_all(raws: list[bytes], suspect: set[int]) -> list[_BOM | None]:
    """The structs, None where a line is suspect or does not decode: C-level maps over the runs of
    lines between failures (list.extend keeps what was decoded before a failure)."""
    source = iter(raws if not suspect else [b"" if k in suspect else raw for k, raw in enumerate(raws)])
    out: list[_BOM | None] = []
    while True:
        try:
            out.extend(map(_DECODER.decode, source))
            return out
        except (msgspec.DecodeError, msgspec.ValidationError):
            out.append(None)


def _key_counts(boms: list[_BOM]) -> np.ndarray:
    """Per BOM, the keys of the raw object outside its lines that the structs received
    (duplicates collapse, so a duplicate key is missing here)."""
    n = len(boms)
    products = list(map(attrgetter("product"), boms))
    keys = np.full(n, 2 + _PRODUCT_KEYS, dtype=np.int64)
    keys += _present(list(map(attrgetter("schema_version"), boms)))
    for name in _PRODUCT_OPTIONAL:
        keys += _present(list(map(attrgetter(name), products)))
    exclusions = list(map(attrgetter("exclusions"), boms))
    if exclusions.count(UNSET) != n:
        keys += np.fromiter((0 if e is UNSET else 1 + 3 * len(e) for e in exclusions), dtype=np.int64, count=n)
    return keys


def _key_total(boms: list[_BOM]) -> int:
    """The keys outside the lines that the structs of all `boms` received (_key_counts, summed)."""
    n = len(boms)
    products = list(map(attrgetter("product"), boms))
    total = (2 + _PRODUCT_KEYS) * n + n - list(map(attrgetter("schema_version"), boms)).count(UNSET)
    for name in _PRODUCT_OPTIONAL:
        total += n - list(map(attrgetter(name), products)).count(UNSET)
    for exclusions in map(attrgetter("exclusions"), boms):
        if exclusions is not UNSET:
            total += 1 + 3 * len(exclusions)
    return total


def _line_key_counts(lines: list[_Line], present: dict[str, list[Any]]) -> np.ndarray:
    """Per line, the keys its struct received; `present` holds the columns already taken out."""
    n = len(lines)
    per_line = np.full(n, _LINE_REQUIRED, dtype=np.int64)
    for name in _LINE_OPTIONAL:
        values = present[name] if name in present else list(map(attrgetter(name), lines))
        if values.count(UNSET) != n:
            per_line += _present(values)
    dqr = present["dqr"] if "dqr" in present else list(map(attrgetter("dqr"), lines))
    if dqr.count(UNSET) != n:
        per_line += np.fromiter((0 if d is UNSET else 1 if d is None else 4 for d in dqr), dtype=np.int64, count=n)
    return per_line


def _present(values: list[Any] | tuple[Any, ...]) -> np.ndarray:
    return np.fromiter(map(is_not, values, repeat(UNSET)), dtype=bool, count=len(values))


class ColumnarBatch:
    """Per (engine, method): the vectors and link tables every chunk reuses."""

    def __init__(self, engine: SnapshotEngine, method: str):
        self.engine = engine
        self.snapshot = engine.snapshot
        self.vectors = engine.vectors(method)
        self.flows = list(self.snapshot.flows)
        self.index = self.snapshot.index
        # factor_id -> column: -1 no factor (absent or null), -2 (the default of .get) not in the snapshot
        self.column_of: dict[Any, int] = {**self.index, None: -1, UNSET: -1}
        self.conversion_cache: dict[tuple[str, str], float] = {}
        units = self.snapshot.activity_units
        self.activity_units = sorted(set(units))
        unit_index = {u: k for k, u in enumerate(self.activity_units)}
        self.activity_unit = np.fromiter(map(unit_index.__getitem__, units), dtype=np.int64, count=len(units))
        self._lock = threading.Lock()
        self._reset_units()

    def _reset_units(self) -> None:
        """The line unit spellings met so far (codes kept across chunks), whether lcidb.units knows
        them, and per (spelling, activity unit) the conversion (NaN: none) once asked."""
        self.unit_code: dict[str, int] = {}
        self.unit_spellings: list[str] = []
        self.unit_known = np.zeros(0, dtype=bool)
        self.pair_factor = np.zeros(0, dtype=np.float64)
        self.pair_asked = np.zeros(0, dtype=bool)

    def run(self, raws: list[bytes], numbers: list[int]) -> ChunkResult:
        """Summaries for the lines it accepts (None where it delegates); `numbers` are file lines."""
        records: list[dict[str, Any] | None] = [None] * len(raws)
        with gc_paused():
            scan = _scan(raws)
            decoded = _decode_all(raws, scan.suspect)
            ok = [k for k, bom in enumerate(decoded) if bom is not None]
            if ok:
                boms: list[_BOM] = decoded if len(ok) == len(raws) else [decoded[k] for k in ok]  # type: ignore[assignment,misc]
                # the pairs of the lines that take part: all but the suspect and undecodable ones
                pairs = scan.pairs - sum(raws[k].count(b'":') for k, bom in enumerate(decoded) if bom is None)
                rolled = self._fill(boms, scan, pairs, ok, [numbers[k] for k in ok])
                # the structs go before the records are made: the records reuse their memory
                # instead of touching fresh pages (page faults were a fifth of the CPU time)
                del decoded, boms
                done = summaries(rolled.sums, rolled.bookings, self.flows, rolled.line_ids, rolled.product_ids,
                                 numbers=rolled.numbers)
                for b, record in zip(rolled.kept, done):
                    records[ok[b]] = record
        delegated = [k for k, record in enumerate(records) if record is None]
        return ChunkResult(records, delegated)

    def _fill(self, boms: list[_BOM], scan: _Scan, raw_pairs: int, positions: list[int], numbers: list[int]) -> _Rolled:
        """`positions`: the BOMs' places among the chunk's lines (for the per-line pair counts)."""
        n_boms = len(boms)
        bad = np.zeros(n_boms, dtype=bool)
        lines_of = list(map(attrgetter("lines"), boms))
        sizes = np.fromiter(map(len, lines_of), dtype=np.int64, count=n_boms)
        starts = np.zeros(n_boms + 1, dtype=np.int64)
        np.cumsum(sizes, out=starts[1:])
        lines: list[_Line] = list(chain.from_iterable(lines_of))
        n = len(lines)
        bom_of = np.repeat(np.arange(n_boms), sizes)

        # the columns, one C-level pass each
        def take(name: str) -> list[Any]:
            return list(map(attrgetter(name), lines))

        ids, units, parents, factors = take("line_id"), take("unit"), take("parent_id"), take("factor_id")
        quantity = np.fromiter(map(attrgetter("quantity"), lines), dtype=np.float64, count=n)
        stage = np.fromiter(map(_STAGE_CODE.__getitem__, map(attrgetter("stage"), lines)), dtype=np.int64, count=n)

        # duplicate keys: the raw `":` pairs against the keys the structs received, over the whole
        # chunk first. No accepted line has a gap between a key and its colon (_suspect), so no BOM
        # has fewer pairs than keys: equal totals mean no duplicate anywhere, and as long as the
        # totals differ, the optional keys not yet counted (credit first, the only one the
        # arithmetic needs) are taken out; if they still differ, BOM by BOM.
        taken = {"parent_id": parents, "factor_id": factors}
        received = _key_total(boms) + _LINE_REQUIRED * n + 2 * n - parents.count(UNSET) - factors.count(UNSET)
        for name in ("credit", "uncertainty_sigma", "cbam_role", "dqr"):
            if received == raw_pairs:
                break
            values = taken[name] = take(name)
            unset = values.count(UNSET)
            if name != "dqr":
                received += n - unset
            else:
                null = values.count(None)
                received += null + 4 * (n - unset - null)
        if received != raw_pairs:
            keys = _key_counts(boms) + np.bincount(bom_of, weights=_line_key_counts(lines, taken),
                                                   minlength=n_boms).astype(np.int64)
            bad |= keys != scan.pairs_per_line()[positions]
        credit_raw = taken.get("credit")
        credit = np.zeros(n, dtype=bool) if credit_raw is None or credit_raw.count(True) == 0 else \
            np.fromiter(map(is_, credit_raw, repeat(True)), dtype=bool, count=n)

        # line ids as integer codes; unique per BOM; parents resolved to global line indices
        # (-1 top level, -2 not a line of the same BOM)
        codes: dict[Any, int] = {None: -1, UNSET: -1}
        id_code = np.fromiter(map(codes.setdefault, ids, count(1)), dtype=np.int64, count=n)
        width = np.int64(max(codes.values()) + 1)
        line_key = bom_of * width + id_code
        order = np.argsort(line_key, kind="stable")
        sorted_keys = line_key[order]
        repeated = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1])
        bad[bom_of[order[repeated]]] = True
        parent = np.full(n, -1, dtype=np.int64)
        if parents.count(None) + parents.count(UNSET) != n:
            parent_code = np.fromiter(map(codes.get, parents, repeat(-2)), dtype=np.int64, count=n)
            parent[parent_code != -1] = -2
            named = np.flatnonzero(parent_code >= 0)
            if named.size:
                wanted = bom_of[named] * width + parent_code[named]
                at = np.minimum(np.searchsorted(sorted_keys, wanted), n - 1)
                hit = sorted_keys[at] == wanted
                parent[named[hit]] = order[at[hit]]
        line_bad = parent == -2

        # depth by pointer jumping; a line still climbing after MAX_DEPTH steps is on a cycle (the
        # ordinary path says which)
        depth = np.ones(n, dtype=np.int64)
        climb = parent.copy()
        climb[line_bad] = -1
        for _ in range(MAX_DEPTH):
            active = np.flatnonzero(climb >= 0)
            if not active.size:
                break
            depth[active] += 1
            climb[active] = parent[climb[active]]
        line_bad |= (climb >= 0) | (depth > MAX_DEPTH)

        # the factor's column (-1 none, -2 not in the snapshot)
        found = np.fromiter(map(self.column_of.get, factors, repeat(-2)), dtype=np.int64, count=n)
        has_children = np.zeros(n, dtype=bool)
        has_children[parent[parent >= 0]] = True
        has_factor = found != -1
        line_bad |= has_factor == has_children  # exactly one of factor_id or child lines
        line_bad |= ~np.isfinite(quantity)
        line_bad |= (quantity < 0) & ~credit
        line_bad |= credit & ~(quantity < 0)

        # links: the line unit -> activity unit conversion by unit codes
        with self._lock:  # the tables grow as spellings and pairs are met (a Dask worker may run threads)
            unit_code = self._unit_codes(units)
            line_bad |= ~self.unit_known[unit_code]
            line_bad |= found == -2
            linked = np.flatnonzero(has_factor & ~line_bad)
            column = np.maximum(found, -1)
            per_unit = np.zeros(n, dtype=np.float64)
            if linked.size:
                per_unit[linked] = self._pair_factors(unit_code[linked] * len(self.activity_units)
                                                      + self.activity_unit[column[linked]])
        line_bad[linked[~np.isfinite(per_unit[linked])]] = True

        for b in range(n_boms):
            product = boms[b].product
            if product.reference_period.end < product.reference_period.start \
                    or unit_expression(product.declared_unit.unit) is None:
                bad[b] = True
        bad |= np.bincount(bom_of, weights=line_bad, minlength=n_boms) > 0
        keep_line = ~bad[bom_of]
        return self._book(n_boms, starts, bom_of, bad, keep_line, ids, parent, depth, has_factor, quantity, column,
                          per_unit, stage, credit, boms, numbers)

    def _unit_codes(self, units: list[str]) -> np.ndarray:
        """Codes of the line units (spellings met for the first time are looked up once)."""
        if len(self.unit_spellings) > _MAX_SPELLINGS:  # a file of ever new spellings: bounded tables
            self._reset_units()
        codes = np.fromiter(map(self.unit_code.get, units, repeat(-1)), dtype=np.int64, count=len(units))
        new = codes < 0
        if new.any():
            fresh = sorted(set(compress(units, new.tolist())))
            for spelling in fresh:
                self.unit_code[spelling] = len(self.unit_spellings)
                self.unit_spellings.append(spelling)
            self.unit_known = np.concatenate([self.unit_known, [unit_expression(u) is not None for u in fresh]])
            grow = len(fresh) * len(self.activity_units)
            self.pair_factor = np.concatenate([self.pair_factor, np.full(grow, np.nan)])
            self.pair_asked = np.concatenate([self.pair_asked, np.zeros(grow, dtype=bool)])
            codes[new] = [self.unit_code[u] for u in compress(units, new.tolist())]
        return codes

    def _pair_factors(self, pair: np.ndarray) -> np.ndarray:
        """Per (line unit code x activity unit) pair: activity units per line unit, NaN where
        they do not convert; each pair is decided once."""
        fresh = np.flatnonzero(np.bincount(pair[~self.pair_asked[pair]], minlength=self.pair_asked.size))
        width = len(self.activity_units)
        for p in fresh.tolist():
            self.pair_factor[p] = self._conversion(self.unit_spellings[p // width], self.activity_units[p % width])
            self.pair_asked[p] = True
        return self.pair_factor[pair]

    def _conversion(self, line_unit: str, activity_unit: str) -> float:
        """Activity units per line unit, NaN where they do not convert; asked only for the pairs
        that linked lines use. Decided by dimension first, so no exception is raised: a
        traceback would keep the chunk's frames alive while the garbage collector is paused."""
        key = (line_unit, activity_unit)
        found = self.conversion_cache.get(key)
        if found is None:
            found = np.nan
            source, target = unit_expression(line_unit), unit_expression(activity_unit)
            if source is not None and source == target:
                found = 1.0
            elif source is not None and target is not None:
                from footprint.bom import _unit_dimensionality  # pint, for the few unit pairs that differ
                from footprint.linking import _conversion

                if _unit_dimensionality(line_unit) == _unit_dimensionality(activity_unit):
                    found = _conversion(line_unit, activity_unit)
            self.conversion_cache[key] = found
        return found

    def _book(self, n_boms: int, starts: np.ndarray, bom_of: np.ndarray, bad: np.ndarray,
              keep_line: np.ndarray, ids: Sequence[str], parent: np.ndarray, depth: np.ndarray,
              has_factor: np.ndarray, quantity: np.ndarray, column: np.ndarray, per_unit: np.ndarray,
              stage: np.ndarray, credit: np.ndarray, boms: list[_BOM], numbers: list[int]) -> _Rolled:
        """The accepted BOMs' bookings (footprint.rollup.Bookings), rolled up."""
        # cumulative amounts per declared unit, level by level (parent x quantity, as compile_bom),
        # and whether the line or an assembly above it is a credit
        cumulative = np.where(parent < 0, quantity, 0.0)
        credit_chain = credit.copy()
        max_depth = int(depth[keep_line].max()) if keep_line.any() else 1
        by_level = [np.flatnonzero(keep_line & (depth == d)) for d in range(max_depth + 1)]
        for d in range(2, max_depth + 1):
            idx = by_level[d]
            cumulative[idx] = cumulative[parent[idx]] * quantity[idx]
            credit_chain[idx] |= credit_chain[parent[idx]]
        # the ordinary model refuses more than MAX_AMOUNT_PER_DECLARED_UNIT once the quantities are
        # multiplied down the tree (bom.too_large): hand such BOMs over
        over = keep_line & ~(np.abs(cumulative) <= MAX_AMOUNT_PER_DECLARED_UNIT)
        if over.any():
            bad[bom_of[over]] = True
            keep_line = ~bad[bom_of]

        booked = np.flatnonzero(keep_line & has_factor)
        # terms in pre-order of each BOM's lines (compile_bom's order), so the gases add up as
        # they do on the ordinary path
        booked = booked[_preorder(booked, parent, depth, max_depth)]
        # cut-off (footprint.engine): a BOM credit line and the lines below it book nothing; their
        # stage is still listed
        counted = ~credit_chain[booked] if self.engine.cutoff else np.ones(booked.size, dtype=bool)
        kept = np.flatnonzero(~bad)
        # the kept BOMs' lines, renumbered; parents stay inside their BOM
        line_map = np.full(len(parent), -1, dtype=np.int64)
        kept_lines = np.flatnonzero(keep_line)
        line_map[kept_lines] = np.arange(kept_lines.size)
        kept_parent = parent[kept_lines]
        sizes = np.diff(starts)[kept]
        bookings = Bookings(
            np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
            np.where(kept_parent >= 0, line_map[np.maximum(kept_parent, 0)], -1), depth[kept_lines],
            stage[kept_lines], line_map[booked], column[booked], cumulative[booked] * per_unit[booked], counted)
        kept_list = kept.tolist()
        return _Rolled(roll_up(bookings, self.vectors), bookings, kept_list,
                       ids if kept_lines.size == len(ids) else list(compress(ids, keep_line.tolist())),
                       [boms[b].product.id for b in kept_list], [numbers[b] for b in kept_list])


def _preorder(lines: np.ndarray, parent: np.ndarray, depth: np.ndarray, max_depth: int) -> np.ndarray:
    """Positions into `lines` sorting them in pre-order (a parent's subtree right after it, file
    order among siblings): the lexicographic order of each line's path of indices from its root."""
    if max_depth <= 1:
        return np.arange(lines.size)
    d = depth[lines]
    up = [lines]
    for _ in range(max_depth - 1):
        prev = up[-1]
        up.append(np.where(prev >= 0, parent[np.maximum(prev, 0)], -1))
    keys = []
    for j in range(max_depth):  # path[j] = the ancestor at depth j + 1, -1 past the line itself
        steps = d - 1 - j
        pick = np.full(lines.size, -1, dtype=np.int64)
        valid = steps >= 0
        for s in np.unique(steps[valid]).tolist():
            at = steps == s
            pick[at] = up[s][at]
        keys.append(pick)
    return np.lexsort(keys[::-1])


@lru_cache(maxsize=8)
def columnar_batch(engine: SnapshotEngine, method: str) -> ColumnarBatch:
    return ColumnarBatch(engine, method)
