"""Published snapshots: immutable float64 matrices + manifest, addressed by name and content hash.

Layout under CARBONLABEL_HOME/snapshots/:
  index.json                         every publication: name, hash, created, seq
  <name>/<hash>/manifest.json        name, hash, created, sources, counts, methods, scenarios
  <name>/<hash>/activities.json      activity metadata in matrix order
  <name>/<hash>/arrays.npz           technosphere / biosphere triplets with their sigmas (float64)
  <name>/<hash>/scenarios.json       scenario overlays keyed on (activity_id, input)
  <name>/<hash>/derived.npz          adjoint results per scenario (G, U), so no process has to factorize
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Iterator

import numpy as np

from lcidb.errors import ActivityNotFound, AmbiguousSnapshot, LcidbError, SnapshotNotFound
from lcidb.flows import UNSPLIT_FLOW, flow_codes, method_vector
from lcidb.home import carbonlabel_home
from lcidb.template import Activity

if TYPE_CHECKING:  # imported where a matrix is built: a batch that reads derived.npz builds none
    import scipy.sparse as sp

HEX64 = re.compile(r"^[0-9a-f]{64}$")
# snapshots of format 1 did not keep each credit's type: their credits are counted under this name
UNCLASSIFIED_CREDIT = "credit_type_not_recorded"
UNRECORDED_BASIS = "not recorded (format-1 snapshot)"
DERIVED_FILE = "derived.npz"  # adjoint results computed at publication; derived data, not hashed


def derived_key(scenario: str | None, cutoff: bool = False) -> str:
    """Key of the stored adjoint results of a scenario; `cutoff`: the system without credit exchanges."""
    return ("base" if scenario is None else f"scenario_{scenario}") + ("__cutoff" if cutoff else "")

NAME_AT_HEX = re.compile(r"^(?P<name>[^@]+)@(?P<hex>[0-9a-f]{8,64})$")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def snapshots_dir() -> Path:
    path = carbonlabel_home() / "snapshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def publish_lock() -> Iterator[None]:
    """Serialise publications (two builds at once must not interleave index writes)."""
    with open(snapshots_dir() / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_index() -> list[dict[str, Any]]:
    path = snapshots_dir() / "index.json"
    if not path.exists():
        return []
    return json.loads(path.read_text(encoding="utf-8"))


def write_index(entries: list[dict[str, Any]]) -> None:
    path = snapshots_dir() / "index.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(entries, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def _latest_by_name(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for entry in entries:
        current = latest.get(entry["name"])
        if current is None or entry["seq"] > current["seq"]:
            latest[entry["name"]] = entry
    return latest


def resolve(ref: str) -> dict[str, Any]:
    """The index entry for NAME (latest), NAME@HEX (>= 8 hex digits) or a full 64-hex hash."""
    entries = read_index()
    ref = ref.strip()
    if HEX64.match(ref):
        matches = [e for e in entries if e["hash"] == ref]
        if not matches:
            raise SnapshotNotFound(f"no snapshot with hash {ref}")
        return max(matches, key=lambda e: e["seq"])
    at = NAME_AT_HEX.match(ref)
    if at:
        matches = [e for e in entries if e["name"] == at["name"] and e["hash"].startswith(at["hex"])]
        if not matches:
            raise SnapshotNotFound(f"no snapshot {at['name']!r} with a hash starting {at['hex']}")
        if len({e["hash"] for e in matches}) > 1:
            raise AmbiguousSnapshot(f"{ref!r} matches {len(matches)} snapshots; give more hex digits")
        return matches[0]
    if "@" in ref:
        raise SnapshotNotFound(f"{ref!r}: use NAME, NAME@HEX (at least 8 lowercase hex digits) or a full hash")
    latest = _latest_by_name(entries).get(ref)
    if latest is None:
        known = ", ".join(sorted(_latest_by_name(entries))) or "none (run `carbonlabel db build`)"
        raise SnapshotNotFound(f"no snapshot named {ref!r}; published: {known}")
    return latest


def list_published() -> list[dict[str, Any]]:
    entries = read_index()
    latest = {e["hash"] + e["name"] for e in _latest_by_name(entries).values()}
    rows = []
    for entry in sorted(entries, key=lambda e: (e["name"], -e["seq"])):
        manifest = json.loads((snapshot_path(entry["name"], entry["hash"]) / "manifest.json").read_text())
        rows.append({
            "name": entry["name"], "hash": entry["hash"], "created": entry["created"],
            "counts": manifest["counts"], "latest": entry["hash"] + entry["name"] in latest,
        })
    return rows


def snapshot_path(name: str, digest: str) -> Path:
    return snapshots_dir() / name / digest


@dataclass(frozen=True)
class Triplets:
    """Off-diagonal matrix entries as stored: rows, cols, signed amounts, lognormal sigmas (NaN = none),
    credit codes (0 = none, 1 + index in the manifest's credit_types), GWP-basis indices of aggregated
    rows (-1 = split gas; index in the manifest's gwp_bases) and whether the sigma was given by the row
    (else derived by the pedigree approach)."""

    rows: np.ndarray
    cols: np.ndarray
    amounts: np.ndarray
    sigmas: np.ndarray
    credit: np.ndarray
    basis: np.ndarray
    sigma_given: np.ndarray

    @classmethod
    def filled(cls, rows: np.ndarray, cols: np.ndarray, amounts: np.ndarray, sigmas: np.ndarray,
               credit: np.ndarray | None = None, basis: np.ndarray | None = None,
               sigma_given: np.ndarray | None = None) -> Triplets:
        """Entries whose optional arrays default as snapshots written before those arrays existed:
        no credits, no GWP basis, a sigma counts as given where one is stored."""
        size = len(rows)
        return cls(rows, cols, amounts, sigmas,
                   np.zeros(size, dtype=np.int8) if credit is None else credit,
                   np.full(size, -1, dtype=np.int16) if basis is None else basis,
                   ~np.isnan(sigmas) if sigma_given is None else sigma_given)

    def without_credits(self) -> Triplets:
        keep = self.credit == 0
        return Triplets(self.rows[keep], self.cols[keep], self.amounts[keep], self.sigmas[keep],
                        self.credit[keep], self.basis[keep], self.sigma_given[keep])


class Snapshot:
    """An immutable published database: float64 matrices, activity metadata, methods, scenarios.

    Technosphere: A = I + T where T holds minus each input amount (A[input, owner] = -amount).
    Biosphere: B[flow, owner] = amount (kg). Amounts are per one unit of the owner's product.
    """

    def __init__(self, path: Path):
        self.path = path
        self.manifest: dict[str, Any] = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        self.name: str = self.manifest["name"]
        self.hash: str = self.manifest["hash"]
        # the rows as read; the Activity objects are made on first use (`activities`): a batch
        # needs only the ids and the units, and 20,000 frozen dataclasses took 0.1 s per process
        self._rows: list[dict[str, Any]] = json.loads((path / "activities.json").read_text(encoding="utf-8"))
        self.index: dict[str, int] = {row["id"]: i for i, row in enumerate(self._rows)}
        self.flows: tuple[str, ...] = tuple(self.manifest["flows"])
        self.flow_index: dict[str, int] = {code: i for i, code in enumerate(self.flows)}
        with np.load(path / "arrays.npz") as arrays:
            optional = lambda key: arrays[key] if key in arrays.files else None  # noqa: E731
            tech_credit, bio_credit = optional("tech_credit"), optional("bio_credit")
            if tech_credit is None:  # format 1 kept no credit types; negative amounts are credits only
                tech_credit = (arrays["tech_amounts"] > 0).astype(np.int8)  # A = -amount
                bio_credit = (arrays["bio_amounts"] < 0).astype(np.int8)
            self.tech = Triplets.filled(arrays["tech_rows"], arrays["tech_cols"], arrays["tech_amounts"], arrays["tech_sigmas"],
                                 tech_credit, None, optional("tech_sigma_given"))
            bio_basis, bases = optional("bio_basis"), tuple(self.manifest.get("gwp_bases", ()))
            if bio_basis is None:  # format 1 kept no GWP basis per row: say so rather than claim the method
                unsplit = self.flow_index.get(UNSPLIT_FLOW, -1)
                bio_basis = np.where(arrays["bio_rows"] == unsplit, 0, -1).astype(np.int16)
                bases = (UNRECORDED_BASIS,)
            self.bio = Triplets.filled(arrays["bio_rows"], arrays["bio_cols"], arrays["bio_amounts"], arrays["bio_sigmas"],
                                bio_credit, bio_basis, optional("bio_sigma_given"))
        # the GWP sets the sources used for their aggregated rows (Triplets.basis indexes this)
        self.gwp_bases: tuple[str, ...] = bases
        self.credit_types: tuple[str, ...] = tuple(self.manifest.get("credit_types", (UNCLASSIFIED_CREDIT,)))
        self.scenarios: dict[str, list[dict[str, Any]]] = json.loads(
            (path / "scenarios.json").read_text(encoding="utf-8")
        )

    @cached_property
    def activities(self) -> tuple[Activity, ...]:
        return tuple(
            Activity(**{**row, "published": date.fromisoformat(row["published"]) if row["published"] else None})
            for row in self._rows
        )

    @cached_property
    def activity_units(self) -> tuple[str, ...]:
        """Each activity's unit, in matrix order (the same as activities[k].unit)."""
        return tuple(row["unit"] for row in self._rows)

    @property
    def size(self) -> int:
        return len(self._rows)

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.hash[:12]}"

    def activity(self, activity_id: str) -> Activity:
        try:
            return self.activities[self.index[activity_id]]
        except KeyError:
            raise ActivityNotFound(f"no activity {activity_id!r} in snapshot {self.ref}") from None

    def method_cf(self, method: str) -> np.ndarray:
        by_code = dict(zip(flow_codes(), method_vector(method)))
        return np.array([by_code[code] for code in self.flows], dtype=np.float64)

    def derived(self, scenario: str | None = None, cutoff: bool = False) -> dict[str, np.ndarray] | None:
        """The adjoint results stored at publication (lcidb.solve), or None if this snapshot has none.
        Keys: g (gas intensity), u (unverified), w (aggregated rows per GWP basis) and, for the
        cut-off system, k_<credit type> (what each credit type adds to g)."""
        path = self.path / DERIVED_FILE
        if not path.exists():
            return None
        key = derived_key(scenario, cutoff)
        with np.load(path) as arrays:
            found = {name.split("__", 1)[0]: arrays[name] for name in arrays.files if name.split("__", 1)[1] == key}
        return found if "g" in found and "u" in found and "w" in found else None

    def has_credits(self, scenario: str | None = None) -> bool:
        tech, bio = self.triplets(scenario)
        return bool(tech.credit.any() or bio.credit.any())

    def triplets(self, scenario: str | None = None, credits: bool = True) -> tuple[Triplets, Triplets]:
        """The matrices' entries; `credits=False` drops every credit exchange (the cut-off system)."""
        if scenario is None:
            tech, bio = self.tech, self.bio
        elif scenario not in self.scenarios:
            raise SnapshotNotFound(
                f"no scenario {scenario!r} in snapshot {self.ref}; known: {', '.join(self.scenarios) or 'none'}"
            )
        else:
            tech, bio = self._apply_overlay(self.scenarios[scenario])
        return (tech, bio) if credits else (tech.without_credits(), bio.without_credits())

    def _apply_overlay(self, overlay: list[dict[str, Any]]) -> tuple[Triplets, Triplets]:
        def entries(t: Triplets) -> dict[tuple[int, int], list[Any]]:
            return {(int(r), int(c)): [a, s, k, b, g] for r, c, a, s, k, b, g in zip(*(x.tolist() for x in (
                t.rows, t.cols, t.amounts, t.sigmas, t.credit, t.basis, t.sigma_given)))}

        tech, bio = entries(self.tech), entries(self.bio)
        basis_index = {basis: i for i, basis in enumerate(self.gwp_bases)}
        for row in overlay:
            owner = self.index[row["activity_id"]]
            sigma = np.nan if row["uncertainty_sigma"] is None else row["uncertainty_sigma"]
            credit_type = row["credit_type"]
            credit = 0 if credit_type is None else 1 + (
                self.credit_types.index(credit_type) if credit_type in self.credit_types else 0)
            given = row.get("sigma_source", "given" if row["uncertainty_sigma"] is not None else None) == "given"
            if row["kind"] == "technosphere":
                tech[(self.index[row["input"]], owner)] = [-row["amount"], sigma, credit, -1, given]
            else:
                basis = basis_index.get(row["gwp_basis"], -1) if row["input"] == UNSPLIT_FLOW else -1
                bio[(self.flow_index[row["input"]], owner)] = [row["amount"], sigma, credit, basis, given]
        return _to_triplets(tech), _to_triplets(bio)

    def matrices(self, scenario: str | None = None, credits: bool = True) -> tuple[sp.csc_matrix, sp.csc_matrix]:
        tech, bio = self.triplets(scenario, credits)
        return technosphere_matrix(self.size, tech), biosphere_matrix(len(self.flows), self.size, bio)


def _to_triplets(entries: dict[tuple[int, int], list[Any]]) -> Triplets:
    keys = sorted(entries)
    column = lambda j, dtype: np.array([entries[k][j] for k in keys], dtype=dtype)  # noqa: E731
    return Triplets(
        np.array([k[0] for k in keys], dtype=np.int64), np.array([k[1] for k in keys], dtype=np.int64),
        column(0, np.float64), column(1, np.float64), column(2, np.int8), column(3, np.int16), column(4, bool),
    )


def technosphere_matrix(n: int, tech: Triplets, amounts: np.ndarray | None = None) -> sp.csc_matrix:
    import scipy.sparse as sp

    values = tech.amounts if amounts is None else amounts
    rows = np.concatenate([np.arange(n), tech.rows])
    cols = np.concatenate([np.arange(n), tech.cols])
    data = np.concatenate([np.ones(n), values])
    return sp.csc_matrix((data, (rows, cols)), shape=(n, n))  # duplicates (self-inputs) are summed


def biosphere_matrix(n_flows: int, n: int, bio: Triplets, amounts: np.ndarray | None = None) -> sp.csc_matrix:
    import scipy.sparse as sp

    values = bio.amounts if amounts is None else amounts
    return sp.csc_matrix((values, (bio.rows, bio.cols)), shape=(n_flows, n))


@lru_cache(maxsize=8)
def _load_cached(path: str, digest: str) -> Snapshot:
    return Snapshot(Path(path))


def snapshot_at(path: str, digest: str) -> Snapshot:
    """A snapshot by its folder, as a Dask worker or a forked process is given it; refuses a
    folder whose content hash is not `digest` (another version behind the same path)."""
    snapshot = _load_cached(path, digest)
    if snapshot.hash != digest:
        raise SnapshotNotFound(f"{path}: holds snapshot {snapshot.hash[:12]}, expected {digest[:12]}")
    return snapshot


def first_available(*refs: str | None) -> Snapshot | None:
    """The first of `refs` that resolves to a published snapshot here, or None."""
    for ref in refs:
        if ref:
            try:
                return load_snapshot(ref)
            except LcidbError:
                continue
    return None


def load_snapshot(ref: str = "default") -> Snapshot:
    """Load a published snapshot by NAME, NAME@HEX or full hash (cached per process)."""
    entry = resolve(ref)
    path = snapshot_path(entry["name"], entry["hash"])
    return _load_cached(str(path), entry["hash"])
