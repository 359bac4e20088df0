"""Factorize a snapshot once and solve the adjoint system for every gas.

A^T G = B^T gives G[a, f]: the cradle-to-gate mass of flow f per unit of activity a. Any GWP
method's cradle-to-gate score vector is then y = G @ cf (no further solve), and a footprint is a
sum of amount x y over BOM lines (DESIGN.md, reference/perf.md section 5).

G (and U, the same for the emissions of unverified activities only) are computed when a snapshot
is published and stored beside it (derived.npz), so a new process computes footprints without
factorizing; the LU itself is made on first need (hotspots, Monte Carlo).
"""

from __future__ import annotations

import os
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from lcidb.errors import SingularTechnosphere
from lcidb.flows import UNSPLIT_FLOW
from lcidb.snapshot import Snapshot, biosphere_matrix, derived_key, technosphere_matrix

if TYPE_CHECKING:  # imported where a matrix is built or factorized, not by a process that reads derived.npz
    import scipy.sparse as sp

SOLVER_ENV = "CARBONLABEL_SOLVER"  # "superlu" forces SciPy's SuperLU even where PARDISO installs


class Factorization(Protocol):
    """A factorized square matrix M: solve(b) solves M x = b, solve(b, trans="T") M^T x = b."""

    def solve(self, rhs: np.ndarray, trans: str = "N") -> np.ndarray: ...


def solver_name() -> str:
    """"pardiso" when pypardiso (the `pardiso` extra) imports and is not switched off, else "superlu"."""
    if os.environ.get(SOLVER_ENV, "").lower() == "superlu":
        return "superlu"
    try:
        import pypardiso  # noqa: F401
    except (ImportError, OSError):  # OSError: the package is there but MKL's runtime is not
        return "superlu"
    return "pardiso"


def factorize(matrix: sp.spmatrix) -> Factorization:
    """The one place a solver is chosen (bw2calc's funnel, reference/perf.md): PARDISO where it
    installs (about 1.5x faster factorizations at 20,000 activities), SuperLU otherwise. Raises
    RuntimeError for a singular matrix with either."""
    if solver_name() == "pardiso":
        return _Pardiso(matrix)
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla  # on first factorization: most processes read derived.npz

    return spla.splu(sp.csc_matrix(matrix))


class _Pardiso:
    """pypardiso behind SuperLU's solve(b, trans) signature; M^T is factorized on first need."""

    def __init__(self, matrix: sp.spmatrix):
        import scipy.sparse as sp

        self._matrices: dict[str, sp.csr_matrix] = {"N": sp.csr_matrix(matrix)}
        self._solvers: dict[str, Any] = {}
        self._solver("N")

    def _solver(self, trans: str) -> Any:
        solver = self._solvers.get(trans)
        if solver is None:
            import scipy.sparse as sp
            from pypardiso import PyPardisoSolver

            if trans not in self._matrices:
                self._matrices[trans] = sp.csr_matrix(self._matrices["N"].T)
            solver = PyPardisoSolver()
            try:
                solver.factorize(self._matrices[trans])
            except Exception as exc:  # pypardiso raises its own error type for a singular matrix  # noqa: BLE001
                raise RuntimeError(f"PARDISO factorization failed: {exc}") from None
            self._solvers[trans] = solver
        return solver

    def solve(self, rhs: np.ndarray, trans: str = "N") -> np.ndarray:
        key = "N" if trans == "N" else "T"
        rhs = np.asarray(rhs, dtype=np.float64)
        solution = self._solver(key).solve(self._matrices[key], rhs)
        return np.asarray(solution).reshape(rhs.shape)


class FactorizedSnapshot:
    """One system of a snapshot: a scenario (or the base), with its credit exchanges (netted, the
    database as written) or without them (`cutoff`: ISO 14067's default cut-off system).

    gas_intensity G (n x F), unverified_intensity U (n x F), basis_intensity W (n x K: the
    aggregated co2e_unsplit kg of each GWP basis, summing to G's co2e_unsplit column) and, for the
    cut-off system, credit_intensity {type: n x F}, exact parts with G_net = G_cutoff + sum of them:
    from A_net = A_c + D and B_net = B_c + E follows G_net - G_c = A_c^-T (E^T - D^T G_net),
    linear in the credit entries, so each credit type's share is A_c^-T (E_k^T - D_k^T G_net).
    """

    def __init__(self, snapshot: Snapshot, scenario: str | None = None, cutoff: bool = False,
                 netted: FactorizedSnapshot | None = None):
        self.snapshot = snapshot
        self.scenario = scenario
        self.cutoff = cutoff and snapshot.has_credits(scenario)
        self.tech, self.bio = snapshot.triplets(scenario, credits=not self.cutoff)
        self.credit_intensity: dict[str, np.ndarray] = {}
        stored = snapshot.derived(scenario, self.cutoff)
        if stored is not None:
            self.gas_intensity, self.unverified_intensity, self.basis_intensity = stored["g"], stored["u"], stored["w"]
            self.credit_intensity = {t: stored[f"k_{t}"] for t in snapshot.credit_types if f"k_{t}" in stored}
            return
        import scipy.sparse as sp

        self.gas_intensity = self._adjoint(self.biosphere)
        masked = self.biosphere @ sp.diags(self.unverified_mask.astype(np.float64))
        self.unverified_intensity = self._adjoint(sp.csr_matrix(masked))
        bases = len(snapshot.gwp_bases)
        unsplit = self.bio.rows == snapshot.flow_index.get(UNSPLIT_FLOW, -1)
        by_basis = sp.csc_matrix((self.bio.amounts[unsplit], (self.bio.basis[unsplit], self.bio.cols[unsplit])),
                                 shape=(max(bases, 1), snapshot.size)) if bases else None
        self.basis_intensity = self._adjoint(by_basis)[:, :bases] if by_basis is not None else np.zeros((snapshot.size, 0))
        if self.cutoff:
            self.credit_intensity = self._credit_parts(netted or FactorizedSnapshot(snapshot, scenario))

    # the matrices and the mask are built on first use: a process that reads derived.npz and
    # computes no hotspot or Monte Carlo draw needs neither (nor SciPy)
    @cached_property
    def technosphere(self) -> sp.csc_matrix:
        return technosphere_matrix(self.snapshot.size, self.tech)

    @cached_property
    def biosphere(self) -> sp.csc_matrix:
        return biosphere_matrix(len(self.snapshot.flows), self.snapshot.size, self.bio)

    @cached_property
    def unverified_mask(self) -> np.ndarray:
        return np.array([a.status == "unverified" for a in self.snapshot.activities], dtype=bool)

    def _credit_parts(self, netted: FactorizedSnapshot) -> dict[str, np.ndarray]:
        import scipy.sparse as sp

        tech, bio = self.snapshot.triplets(self.scenario, credits=True)
        parts: dict[str, np.ndarray] = {}
        n, flows = self.snapshot.size, len(self.snapshot.flows)
        for code, credit_type in enumerate(self.snapshot.credit_types, start=1):
            t, b = tech.credit == code, bio.credit == code
            if not (t.any() or b.any()):
                continue
            d = sp.csc_matrix((tech.amounts[t], (tech.rows[t], tech.cols[t])), shape=(n, n))
            e = sp.csc_matrix((bio.amounts[b], (bio.rows[b], bio.cols[b])), shape=(flows, n))
            rhs = np.asarray(e.T.todense()) - d.T @ netted.gas_intensity
            parts[credit_type] = self.lu.solve(np.ascontiguousarray(rhs, dtype=np.float64))
        return parts

    def derived_arrays(self) -> dict[str, np.ndarray]:
        """What the build stores in derived.npz for this system."""
        key = derived_key(self.scenario, self.cutoff)
        arrays = {f"g__{key}": self.gas_intensity, f"u__{key}": self.unverified_intensity,
                  f"w__{key}": self.basis_intensity}
        arrays.update({f"k_{t}__{key}": part for t, part in self.credit_intensity.items()})
        return arrays

    @cached_property
    def lu(self) -> Factorization:
        try:
            # Factorize A^T: the faster orientation for LCI matrices (perf.md section 1).
            return factorize(self.technosphere.T.tocsc())
        except RuntimeError as exc:
            raise SingularTechnosphere(f"snapshot {self.snapshot.ref}: singular technosphere ({exc})") from None

    def _adjoint(self, biosphere: sp.spmatrix) -> np.ndarray:
        """Solve A^T X = biosphere^T, one solve per flow that occurs at all (the others stay zero)."""
        import scipy.sparse as sp

        biosphere_t = sp.csc_matrix(biosphere.T)
        present = np.flatnonzero(np.diff(biosphere_t.indptr))
        result = np.zeros((self.snapshot.size, biosphere_t.shape[1]), dtype=np.float64)
        if present.size:
            result[:, present] = self.lu.solve(np.asarray(biosphere_t[:, present].todense(), dtype=np.float64))
        return result

    def scores(self, method: str) -> np.ndarray:
        """y[a] = cradle-to-gate kg CO2e per unit of activity a under `method`."""
        return self.gas_intensity @ self.snapshot.method_cf(method)

    def supply(self, demand: np.ndarray) -> np.ndarray:
        """Scaling vector s solving A s = demand (one forward solve with the stored factor)."""
        return self.lu.solve(demand, trans="T")

    def direct_emissions(self, method: str) -> np.ndarray:
        """h[a] = kg CO2e emitted by one unit of activity a itself (its own biosphere exchanges)."""
        return np.asarray(self.biosphere.T @ self.snapshot.method_cf(method)).ravel()


@lru_cache(maxsize=16)
def factorized(snapshot: Snapshot, scenario: str | None = None, cutoff: bool = False) -> FactorizedSnapshot:
    """One factorization per (snapshot, scenario, system) per process."""
    if cutoff and not snapshot.has_credits(scenario):
        return factorized(snapshot, scenario, False)  # no credits: the cut-off system is the same one
    return FactorizedSnapshot(snapshot, scenario, cutoff, factorized(snapshot, scenario, False) if cutoff else None)
