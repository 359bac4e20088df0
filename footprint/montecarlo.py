"""Monte Carlo with seeded lognormal sampling, without refactorizing per iteration.

Every exchange with a sigma (at build time every exchange gets one: its own or the pedigree one,
lcidb.pedigree) is sampled as amount x exp(sigma z) (median = the stored amount, as stats_arrays'
lognormal with loc = ln|amount|). Each iteration solves the adjoint system of the sampled matrix,
A_i^T y_i = B_i^T cf, by GMRES preconditioned with the LU of the deterministic A^T (reference/perf.md
section 2.3): a handful of cheap solves instead of a factorization. BOM line sigmas multiply the line
and everything below it. Same seed, same numbers, whatever the number of Dask workers the draw
blocks run on (see SAMPLING_SCHEME).

Convergence is judged on the footprint, not on the residual relative to ||b||: with per-tonne rows
in b, ||b|| is dominated by them and a relative tolerance let draws come back unsolved. The error of
the BOM's score d.y is d.(y - y*) = -s*.r with r = b - A_i^T y and A_i s* = d, so
|error| <= ||s*|| ||r||. Each draw is solved until SAFETY x ||s0|| x ||r|| <= SCORE_RTOL x sum|d y0|,
where s0 = A_0^-1 d stands in for s*, with a safety factor for the difference (||s0|| is bounded by
sum_t |d_t| ||A_0^-1 e_t||, computed once per BOM); the true residual is checked at the end. A draw that does not
get there is solved directly (counted in `direct_solves`), never returned unsolved. Each draw first
refines the deterministic scores with the stored factor (y += A_0^-T r: one product and one
triangular solve per step), then GMRES if that stalls.
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

# relative error bound on each draw's footprint (of the sum of its |contributions|): five orders of
# magnitude below a 1 % spread; 1e-9 costs about twice the solves at 2,000 activities
SCORE_RTOL = 1e-7
SAFETY = 10.0  # margin for ||s*|| (sampled supply) differing from ||s0|| (deterministic supply)
REFINEMENT_STEPS = 60


class SampledAdjoint:
    """Rebuilds A^T and B^T with sampled values on a fixed sparsity pattern, then solves."""

    def __init__(self, engine: SnapshotEngine):
        snapshot = engine.snapshot
        tech, bio = engine.factorized.tech, engine.factorized.bio  # the engine's system (cut-off or netted)
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

    def sample(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        tech_values = self.tech.amounts.copy()
        z = rng.standard_normal(self.tech_uncertain.size)
        tech_values[self.tech_uncertain] *= np.exp(self.tech_sigma[self.tech_uncertain] * z)
        bio_values = self.bio.amounts.copy()
        z = rng.standard_normal(self.bio_uncertain.size)
        bio_values[self.bio_uncertain] *= np.exp(self.bio_sigma[self.bio_uncertain] * z)
        return tech_values, bio_values

    def system(self, tech_values: np.ndarray, bio_values: np.ndarray, cf: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
        """The sampled A^T and right-hand side B^T cf."""
        data = np.bincount(self.at_inverse, weights=np.concatenate([np.ones(self.n), tech_values]),
                           minlength=self.at_pattern.nnz)
        at = sp.csr_matrix((data, self.at_pattern.indices, self.at_pattern.indptr), shape=(self.n, self.n))
        rhs = np.bincount(self.bio.cols, weights=bio_values * cf[self.bio.rows], minlength=self.n)
        return at, rhs

    def solve(self, at: sp.csr_matrix, rhs: np.ndarray, guess: np.ndarray,
              residual_limit: float) -> tuple[np.ndarray, bool]:
        """y with ||rhs - at y|| <= residual_limit (the bound that keeps the footprint's error small),
        and whether it took a direct solve (returned, not counted here: a worker's sampler is shared
        by every block it runs)."""
        if not self.tech_uncertain.size:
            return self.lu.solve(rhs), False  # the technosphere is not sampled: the stored factor is exact
        # Iterative refinement with the deterministic factor (y += A_0^-T r) converges when the draw is
        # near the deterministic matrix and costs one product and one triangular solve per step;
        # GMRES with the same preconditioner takes over when it stalls.
        solution = guess.copy()
        previous = np.inf
        for _ in range(REFINEMENT_STEPS):
            residual = rhs - at @ solution
            size = float(np.linalg.norm(residual))
            if size <= residual_limit:
                return solution, False
            if size > 0.5 * previous:  # slow or diverging: leave it to GMRES
                break
            previous = size
            solution = solution + self.lu.solve(residual)
        solution, _ = spla.gmres(at, rhs, x0=solution, rtol=0.0, atol=residual_limit, M=self.preconditioner,
                                 restart=50, maxiter=20)
        if not np.linalg.norm(rhs - at @ solution) <= residual_limit:
            # not settled: solve this sample directly, never return a draw unsolved
            return factorize(at.tocsc()).solve(rhs), True
        return solution, False


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
    keep_samples: bool = False, *, scheduler: str | None = None, workers: int | None = None,
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

    # under cut-off, BOM credit lines are outside the total (footprint.engine.compute)
    booked = [t for t in compiled.terms if not (engine.cutoff and t.bom_credit)]
    columns = np.array([t.column for t in booked], dtype=np.int64)
    is_activity = columns >= 0
    safe_columns = np.where(is_activity, columns, 0)
    # ||A_0^-1 e_c|| per booked activity, once: by the triangle inequality sum_t |w_t| ||A_0^-1 e_c(t)||
    # bounds ||s0|| of any draw's demand without a solve per draw
    n = engine.snapshot.size
    unique_columns = np.unique(columns[is_activity])
    unit_supply_norm = np.zeros(n)
    if unique_columns.size:
        unit_demands = np.zeros((n, unique_columns.size))
        unit_demands[unique_columns, np.arange(unique_columns.size)] = 1.0
        unit_supply_norm[unique_columns] = np.linalg.norm(engine.factorized.lu.solve(unit_demands, trans="T"), axis=0)
    terms = _Terms(
        columns=columns,
        amounts=np.array([t.amount for t in booked], dtype=np.float64),
        supplier=np.array([t.supplier_kg for t in booked], dtype=np.float64),
        line_sigmas=np.array([bom.lines[i].uncertainty_sigma for i in sigma_lines], dtype=np.float64),
        ancestors=[[sigma_position[a] for a in ancestors[t.line_index] if a in sigma_position] for t in booked],
        supply_norm=np.where(is_activity, unit_supply_norm[safe_columns], 0.0),
    )
    from footprint.scale import ordered_map
    from lcidb.progress import progress

    blocks = [(k, min(DRAW_BLOCK, iterations - k * DRAW_BLOCK)) for k in range(-(-iterations // DRAW_BLOCK))]
    snapshot = engine.snapshot
    args = (seed, terms, str(snapshot.path), snapshot.hash, engine.scenario, engine.cutoff, method)
    parts: list[np.ndarray] = []
    direct_solves = 0
    with progress(iterations, desc="Monte Carlo", unit="draw") as bar:
        for (_, count), (drawn, direct) in ordered_map(draw_block, blocks, args, scheduler, workers):
            parts.append(drawn)
            direct_solves += direct
            bar.update(count)
    scores = np.concatenate(parts)  # the blocks in order: the draws 0 ... iterations-1
    return Uncertainty(
        iterations=iterations, seed=seed, mean=float(scores.mean()), median=float(np.median(scores)),
        std=float(scores.std(ddof=1)), p2_5=float(np.percentile(scores, 2.5)),
        p97_5=float(np.percentile(scores, 97.5)), sampling_scheme=SAMPLING_SCHEME, score_rtol=SCORE_RTOL,
        direct_solves=direct_solves, samples=scores.tolist() if keep_samples else None,
    )


@dataclass
class _Terms:
    """The BOM side of every draw: its bookings, the line sigmas above each booking and the bound
    on each booking's supply norm (for the score-based convergence test)."""

    columns: np.ndarray
    amounts: np.ndarray
    supplier: np.ndarray
    line_sigmas: np.ndarray
    ancestors: list[list[int]]
    supply_norm: np.ndarray


def draw_block(block: int, count: int, seed: int, terms: _Terms, snapshot_path: str, snapshot_hash: str,
               scenario: str | None, cutoff: bool, method: str) -> tuple[np.ndarray, int]:
    """Scores of draws block*DRAW_BLOCK ... + count and how many took a direct solve: a pure
    function of its arguments, run here or on a Dask worker (which loads the snapshot and
    factorizes once per process)."""
    from footprint.engine import engine_for
    from lcidb.snapshot import snapshot_at

    engine = engine_for(snapshot_at(snapshot_path, snapshot_hash), scenario, cutoff)
    vectors = engine.vectors(method)
    sampler = _sampler(engine)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
    is_activity = terms.columns >= 0
    safe_columns = np.where(is_activity, terms.columns, 0)
    y0 = vectors.scores
    scores = np.empty(count)
    direct_solves = 0
    for k in range(count):
        tech_values, bio_values = sampler.sample(rng)
        multipliers = np.ones(len(terms.columns))
        if terms.line_sigmas.size:
            log_factor = terms.line_sigmas * rng.standard_normal(terms.line_sigmas.size)
            multipliers = np.exp([log_factor[positions].sum() if positions else 0.0 for positions in terms.ancestors])
        weights = np.where(is_activity, terms.amounts * multipliers, 0.0)
        demand = np.bincount(safe_columns, weights=weights, minlength=sampler.n)
        if demand.any():
            at, rhs = sampler.system(tech_values, bio_values, vectors.cf)
            scale = float(np.abs(demand * y0).sum()) or float(np.abs(demand).sum())
            supply_norm = float(np.abs(weights) @ terms.supply_norm)
            limit = SCORE_RTOL * scale / (SAFETY * max(supply_norm, 1e-300))
            y, direct = sampler.solve(at, rhs, y0, limit)
            direct_solves += direct
        else:
            y = y0
        booked = np.where(is_activity, terms.amounts * y[safe_columns], terms.supplier)
        scores[k] = float(np.sum(booked * multipliers))
    return scores, direct_solves


@lru_cache(maxsize=4)
def _sampler(engine: SnapshotEngine) -> SampledAdjoint:
    return SampledAdjoint(engine)
