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
from lcidb.flows import UNSPLIT_FLOW
from lcidb.snapshot import Snapshot, biosphere_matrix, derived_key, technosphere_matrix


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
        self.technosphere = technosphere_matrix(snapshot.size, self.tech)
        self.biosphere = biosphere_matrix(len(snapshot.flows), snapshot.size, self.bio)
        self.unverified_mask = np.array([a.status == "unverified" for a in snapshot.activities], dtype=bool)
        self.credit_intensity: dict[str, np.ndarray] = {}
        stored = snapshot.derived(scenario, self.cutoff)
        if stored is not None:
            self.gas_intensity, self.unverified_intensity, self.basis_intensity = stored["g"], stored["u"], stored["w"]
            self.credit_intensity = {t: stored[f"k_{t}"] for t in snapshot.credit_types if f"k_{t}" in stored}
            return
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

    def _credit_parts(self, netted: FactorizedSnapshot) -> dict[str, np.ndarray]:
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
