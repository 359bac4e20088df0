"""Factorize a snapshot once and solve the adjoint system for every gas.

A^T G = B^T gives G[a, f]: the cradle-to-gate mass of flow f per unit of activity a. Any GWP
method's cradle-to-gate score vector is then y = G @ cf (no further solve), and a footprint is a
sum of amount x y over BOM lines (DESIGN.md, reference/perf.md section 5).

G (and U, the same for the emissions of unverified activities only) are computed when a snapshot
is published and stored beside it (derived.npz), so a new process computes footprints without
factorizing; the LU itself is made on first need (hotspots, Monte Carlo).
"""

from __future__ import annotations

from functools import cached_property, lru_cache

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from lcidb.errors import SingularTechnosphere
from lcidb.snapshot import Snapshot


class FactorizedSnapshot:
    def __init__(self, snapshot: Snapshot, scenario: str | None = None):
        self.snapshot = snapshot
        self.scenario = scenario
        self.technosphere, self.biosphere = snapshot.matrices(scenario)
        self.unverified_mask = np.array([a.status == "unverified" for a in snapshot.activities], dtype=bool)
        stored = snapshot.derived(scenario)
        if stored is not None:
            self.gas_intensity, self.unverified_intensity = stored
        else:
            self.gas_intensity = self._adjoint(self.biosphere)
            masked = self.biosphere @ sp.diags(self.unverified_mask.astype(np.float64))
            self.unverified_intensity = self._adjoint(sp.csr_matrix(masked))

    @cached_property
    def lu(self) -> spla.SuperLU:
        try:
            # Factorize A^T: the faster orientation for LCI matrices (perf.md section 1).
            return spla.splu(self.technosphere.T.tocsc())
        except RuntimeError as exc:
            raise SingularTechnosphere(f"snapshot {self.snapshot.ref}: singular technosphere ({exc})") from None

    def _adjoint(self, biosphere: sp.spmatrix) -> np.ndarray:
        """Solve A^T X = biosphere^T, one solve per flow that occurs at all (the others stay zero)."""
        biosphere_t = sp.csc_matrix(biosphere.T)
        present = np.flatnonzero(np.diff(biosphere_t.indptr))
        result = np.zeros((self.snapshot.size, len(self.snapshot.flows)), dtype=np.float64)
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
def factorized(snapshot: Snapshot, scenario: str | None = None) -> FactorizedSnapshot:
    """One factorization per (snapshot, scenario) per process."""
    return FactorizedSnapshot(snapshot, scenario)
