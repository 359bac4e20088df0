"""Monte Carlo with seeded lognormal sampling, without refactorizing per iteration.

Every exchange with a sigma is sampled as amount x exp(sigma z) (median = the stored amount, as
stats_arrays' lognormal with loc = ln|amount|). Each iteration solves the adjoint system of the
sampled matrix, A_i^T y_i = B_i^T cf, by GMRES preconditioned with the LU of the deterministic
A^T (reference/perf.md section 2.3): a handful of cheap solves instead of a factorization. BOM line
sigmas multiply the line and everything below it. Same seed, same numbers, whatever the number
of Dask workers the draw blocks run on (see SAMPLING_SCHEME).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from footprint.result import Uncertainty
from lcidb.solve import factorize

if TYPE_CHECKING:
    from footprint.bom import BOM
    from footprint.engine import Compiled, SnapshotEngine

# Each draw is solved to a relative residual of 1e-6: its numerical error (measured < 1e-5 relative
# at 20,000 activities) is three orders of magnitude below the spread Monte Carlo estimates, and it
# takes 4 preconditioned steps instead of 7 at 1e-10 (docs/performance.md).
GMRES_RTOL = 1e-6


class SampledAdjoint:
    """Rebuilds A^T and B^T with sampled values on a fixed sparsity pattern, then solves."""

    def __init__(self, engine: SnapshotEngine):
        snapshot = engine.snapshot
        tech, bio = snapshot.triplets(engine.scenario)
        n = snapshot.size
        self.n = n
        self.tech, self.bio = tech, bio
        self.lu = engine.factorized.lu
        # A^T entries: the unit diagonal followed by the technosphere triplets (transposed)
        rows = np.concatenate([np.arange(n), tech.cols])
        cols = np.concatenate([np.arange(n), tech.rows])
        self.at_pattern, self.at_inverse = _pattern(rows, cols, n, n)
        self.tech_sigma = np.nan_to_num(tech.sigmas, nan=0.0)
        self.bio_sigma = np.nan_to_num(bio.sigmas, nan=0.0)
        self.tech_uncertain = np.flatnonzero(self.tech_sigma)
        self.bio_uncertain = np.flatnonzero(self.bio_sigma)
        self.preconditioner = spla.LinearOperator((n, n), matvec=self.lu.solve, dtype=np.float64)
        self.fallbacks = 0

    def sample(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        tech_values = self.tech.amounts.copy()
        z = rng.standard_normal(self.tech_uncertain.size)
        tech_values[self.tech_uncertain] *= np.exp(self.tech_sigma[self.tech_uncertain] * z)
        bio_values = self.bio.amounts.copy()
        z = rng.standard_normal(self.bio_uncertain.size)
        bio_values[self.bio_uncertain] *= np.exp(self.bio_sigma[self.bio_uncertain] * z)
        return tech_values, bio_values

    def solve(self, tech_values: np.ndarray, bio_values: np.ndarray, cf: np.ndarray, guess: np.ndarray) -> np.ndarray:
        data = np.bincount(self.at_inverse, weights=np.concatenate([np.ones(self.n), tech_values]),
                           minlength=self.at_pattern.nnz)
        at = sp.csr_matrix((data, self.at_pattern.indices, self.at_pattern.indptr), shape=(self.n, self.n))
        rhs = np.bincount(self.bio.cols, weights=bio_values * cf[self.bio.rows], minlength=self.n)
        if not self.tech_uncertain.size:
            return self.lu.solve(rhs)
        solution, info = spla.gmres(at, rhs, x0=guess, rtol=GMRES_RTOL, atol=0.0, M=self.preconditioner,
                                    restart=50, maxiter=20)
        if info != 0:  # not converged: fall back to a direct solve of this sample, never a wrong number
            self.fallbacks += 1
            solution = factorize(at.tocsc()).solve(rhs)
        return solution


def _pattern(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """CSR pattern of the summed matrix and, per entry, its position in the data array."""
    keys = rows.astype(np.int64) * n_cols + cols
    unique, inverse = np.unique(keys, return_inverse=True)
    u_rows = unique // n_cols
    u_cols = unique % n_cols
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.add.at(indptr, u_rows + 1, 1)
    pattern = sp.csr_matrix((np.zeros(unique.size), u_cols, np.cumsum(indptr)), shape=(n_rows, n_cols))
    return pattern, inverse


# Draws are made in fixed blocks; block k draws from SeedSequence(seed, spawn_key=(k,)) (what
# SeedSequence(seed).spawn(n)[k] gives for any n), so the draws, and the result, do not depend
# on how many workers run the blocks. Scheme 1 drew all iterations from one default_rng(seed)
# stream: results seeded before this change differ once (same distribution, other draws).
SAMPLING_SCHEME = "seedsequence-blocks-64/2"
DRAW_BLOCK = 64


def run_monte_carlo(
    bom: BOM, compiled: Compiled, engine: SnapshotEngine, method: str, iterations: int, seed: int,
    *, scheduler: str | None = None, workers: int | None = None,
) -> Uncertainty:
    if iterations < 2:
        raise ValueError("Monte Carlo needs at least 2 iterations")

    # BOM line sigmas: a line's multiplier applies to it and to every line below it
    sigma_lines = [i for i, line in enumerate(bom.lines) if line.uncertainty_sigma]
    index_of = {line.line_id: i for i, line in enumerate(bom.lines)}
    ancestors: list[list[int]] = []
    for line in bom.lines:
        chain, current = [], line
        while True:
            chain.append(index_of[current.line_id])
            if current.parent_id is None:
                break
            current = bom.lines[index_of[current.parent_id]]
        ancestors.append(chain)
    sigma_position = {line_index: k for k, line_index in enumerate(sigma_lines)}
    terms = _Terms(
        columns=np.array([t.column for t in compiled.terms], dtype=np.int64),
        amounts=np.array([t.amount for t in compiled.terms], dtype=np.float64),
        supplier=np.array([t.supplier_kg for t in compiled.terms], dtype=np.float64),
        line_sigmas=np.array([bom.lines[i].uncertainty_sigma for i in sigma_lines], dtype=np.float64),
        ancestors=[[sigma_position[a] for a in ancestors[t.line_index] if a in sigma_position]
                   for t in compiled.terms],
    )
    from footprint.scale import ordered_map

    blocks = [(k, min(DRAW_BLOCK, iterations - k * DRAW_BLOCK)) for k in range(-(-iterations // DRAW_BLOCK))]
    snapshot = engine.snapshot
    args = (seed, terms, str(snapshot.path), snapshot.hash, engine.scenario, method)
    from lcidb.progress import progress

    parts = []
    with progress(iterations, desc="Monte Carlo", unit="draw") as bar:
        for (_, count), drawn in ordered_map(draw_block, blocks, args, scheduler, workers):
            parts.append(drawn)
            bar.update(count)
    scores = np.concatenate(parts)
    return Uncertainty(
        iterations=iterations, seed=seed, mean=float(scores.mean()), median=float(np.median(scores)),
        std=float(scores.std(ddof=1)), p2_5=float(np.percentile(scores, 2.5)),
        p97_5=float(np.percentile(scores, 97.5)), sampling_scheme=SAMPLING_SCHEME,
    )


@dataclass
class _Terms:
    """The BOM side of every draw: its bookings and the line sigmas above each booking."""

    columns: np.ndarray
    amounts: np.ndarray
    supplier: np.ndarray
    line_sigmas: np.ndarray
    ancestors: list[list[int]]


def draw_block(block: int, count: int, seed: int, terms: _Terms, snapshot_path: str, snapshot_hash: str,
               scenario: str | None, method: str) -> np.ndarray:
    """Scores of draws block*DRAW_BLOCK ... + count: a pure function of its arguments, run here or
    on a Dask worker (which loads the snapshot and factorizes once per process)."""
    from footprint.engine import engine_for
    from lcidb.snapshot import snapshot_at

    engine = engine_for(snapshot_at(snapshot_path, snapshot_hash), scenario)
    vectors = engine.vectors(method)
    sampler = _sampler(engine)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
    is_activity = terms.columns >= 0
    safe_columns = np.where(is_activity, terms.columns, 0)
    scores = np.empty(count)
    for k in range(count):
        tech_values, bio_values = sampler.sample(rng)
        y = sampler.solve(tech_values, bio_values, vectors.cf, vectors.scores.copy())
        multipliers = np.ones(len(terms.columns))
        if terms.line_sigmas.size:
            log_factor = terms.line_sigmas * rng.standard_normal(terms.line_sigmas.size)
            multipliers = np.exp([log_factor[positions].sum() if positions else 0.0 for positions in terms.ancestors])
        booked = np.where(is_activity, terms.amounts * y[safe_columns], terms.supplier)
        scores[k] = float(np.sum(booked * multipliers))
    return scores


@lru_cache(maxsize=4)
def _sampler(engine: SnapshotEngine) -> SampledAdjoint:
    return SampledAdjoint(engine)
