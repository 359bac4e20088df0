"""Factorize a snapshot once and solve the adjoint system for every gas.

A^T G = B^T gives G[a, f]: the cradle-to-gate mass of flow f per unit of activity a. Any GWP
method's cradle-to-gate score vector is then y = G @ cf (no further solve), and a footprint is a
sum of amount x y over BOM lines (DESIGN.md, reference/perf.md section 5).
"""

from __future__ import annotations

from functools import lru_cache

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
        try:
            # Factorize A^T: the faster orientation for LCI matrices (perf.md section 1).
            self.lu = spla.splu(self.technosphere.T.tocsc())
        except RuntimeError as exc:
            raise SingularTechnosphere(f"snapshot {snapshot.ref}: singular technosphere ({exc})") from None
        # one adjoint solve per flow that occurs at all; the others stay zero without a solve
        biosphere_t = self.biosphere.T.tocsc()
        present = np.flatnonzero(np.diff(biosphere_t.indptr))
        self.gas_intensity = np.zeros((snapshot.size, len(snapshot.flows)), dtype=np.float64)
        if present.size:
            rhs = np.asarray(biosphere_t[:, present].todense(), dtype=np.float64)
            self.gas_intensity[:, present] = self.lu.solve(rhs)
        self._scores: dict[str, np.ndarray] = {}

    def scores(self, method: str) -> np.ndarray:
        """y[a] = cradle-to-gate kg CO2e per unit of activity a under `method`."""
        if method not in self._scores:
            self._scores[method] = self.gas_intensity @ self.snapshot.method_cf(method)
        return self._scores[method]

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


def as_dense_column(matrix: sp.spmatrix) -> np.ndarray:
    return np.asarray(matrix.todense()).ravel()
