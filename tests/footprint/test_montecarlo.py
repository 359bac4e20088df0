"""Monte Carlo that is right: analytic moments and percentiles, every draw actually solved.

The fixture (written by `_write_template` below) is a sum of two lognormals:
  p: consumes 2 units of q (sigma 0.3, given), q emits 1 kg fossil CO2 (sigma 0, given)
  r: emits 3 kg fossil CO2 (sigma 0.5, given)
  coal_kt: a per-kilotonne fuel row emitting 2.5e6 kg CO2 (sigma 0), which no BOM uses.
The BOM books 1 p and 1 r, so S = 2 X + 3 Y with X = exp(0.3 Z1), Y = exp(0.5 Z2) (median = amount,
as stats_arrays' lognormal):
  E[S]   = 2 e^(0.3²/2) + 3 e^(0.5²/2) = 2 e^0.045 + 3 e^0.125
  Var[S] = 4 e^0.09 (e^0.09 - 1) + 9 e^0.25 (e^0.25 - 1)
The percentiles of a sum of lognormals have no closed form; they come from the exact distribution
function by one-dimensional quadrature (an independent method):
  F(x) = integral phi(z) Phi( ln((x - 2 e^(0.3 z)) / 3) / 0.5 ) dz   over 2 e^(0.3 z) < x.
The coal row is the trap of the old solver: it makes ||b|| = 2.5e6, so a GMRES tolerance relative
to ||b|| (1e-6 x 2.5e6 = 2.5) accepted the deterministic answer for p (residual ~0.6) unchanged.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse.linalg as spla
from scipy import integrate, optimize, stats

from footprint.engine import compute, engine_for
from lcidb.build import build_snapshot
from lcidb.snapshot import Snapshot, biosphere_matrix, load_snapshot, technosphere_matrix
from tests.footprint.helpers import factor_line, product_bom

S_T, S_B = 0.3, 0.5
N = 20_000

ACTIVITIES = """activity_id,name,unit,geography,year,category,source,licence,status
p,product made from q,kg,CN,2024,material,test fixture,test,verified
q,intermediate,kg,CN,2024,material,test fixture,test,verified
r,second input,kg,CN,2024,material,test fixture,test,verified
coal_kt,coal burnt per kilotonne,t,CN,2024,fuel,test fixture,test,verified
"""
EXCHANGES = f"""activity_id,input,amount,unit,kind,uncertainty_sigma,gwp_basis,credit_type
p,q,2,kg,technosphere,{S_T},,
q,co2_fossil,1,kg,biosphere,0,,
r,co2_fossil,3,kg,biosphere,{S_B},,
coal_kt,co2_fossil,2.5e6,kg,biosphere,0,,
"""


def _write_template(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "activities.csv").write_text(ACTIVITIES, encoding="utf-8")
    (folder / "exchanges.csv").write_text(EXCHANGES, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def lognormal_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    root = tmp_path_factory.mktemp("lognormal")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CARBONLABEL_HOME", str(root / "home"))
        build_snapshot([_write_template(root / "template")], name="lognormal")
        return load_snapshot("lognormal")


def _bom(lines: list[tuple[str, float]]):
    return product_bom([factor_line(f, f, q) for f, q in lines], "sum-of-lognormals")


def _cdf(x: float) -> float:
    upper = math.log(x / 2) / S_T  # beyond it 2 e^(0.3 z) >= x and the integrand is 0
    if upper <= -12:
        return 0.0
    value, _ = integrate.quad(
        lambda z: stats.norm.pdf(z) * stats.norm.cdf(math.log(max(x - 2 * math.exp(S_T * z), 1e-300) / 3) / S_B),
        -12, upper, limit=200, epsabs=1e-13)
    return value


def _quantile(p: float) -> float:
    return optimize.brentq(lambda x: _cdf(x) - p, 0.5, 100, xtol=1e-12)


def test_sum_of_lognormals_mean_and_percentiles(lognormal_snapshot: Snapshot) -> None:
    """Mean within 4 standard errors (sd/sqrt(N)); each percentile within 4 of its standard errors,
    sqrt(p(1-p)/N) / f(x_p), with the density f from the quadrature CDF."""
    result = compute(_bom([("p", 1), ("r", 1)]), lognormal_snapshot, monte_carlo=N, seed=11)
    u = result.uncertainty
    assert result.total_kgco2e == pytest.approx(5.0, rel=1e-12)  # the medians: 2 x 1 + 3
    mean = 2 * math.exp(S_T**2 / 2) + 3 * math.exp(S_B**2 / 2)
    variance = 4 * math.exp(S_T**2) * (math.exp(S_T**2) - 1) + 9 * math.exp(S_B**2) * (math.exp(S_B**2) - 1)
    assert abs(u.mean - mean) < 4 * math.sqrt(variance / N)
    assert u.std == pytest.approx(math.sqrt(variance), rel=0.05)
    for p, got in ((0.025, u.p2_5), (0.975, u.p97_5)):
        x = _quantile(p)
        density = (_cdf(x * 1.001) - _cdf(x * 0.999)) / (0.002 * x)
        standard_error = math.sqrt(p * (1 - p) / N) / density
        assert abs(got - x) < 4 * standard_error, (p, got, x, standard_error)
    assert u.direct_solves == 0


def test_every_draw_equals_a_direct_solve_of_its_sampled_matrix(
    lognormal_snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sampled values of each draw are recorded and solved independently (SuperLU on the
    sampled A, then B cf): each draw's footprint agrees within the solver's stated bound,
    SCORE_RTOL (1e-7) of the sum of its contributions (all positive here, so of the footprint)."""
    import footprint.montecarlo as mc

    recorded: list[tuple[np.ndarray, np.ndarray]] = []
    original = mc.SampledAdjoint.sample

    def recording(self, rng):  # type: ignore[no-untyped-def]
        values = original(self, rng)
        recorded.append((values[0].copy(), values[1].copy()))
        return values

    monkeypatch.setattr(mc.SampledAdjoint, "sample", recording)
    bom = _bom([("p", 1), ("r", 0.5)])
    result = compute(bom, lognormal_snapshot, monte_carlo=300, seed=5, samples=True)
    draws = result.uncertainty.samples
    assert draws is not None and len(draws) == len(recorded) == 300
    snapshot = lognormal_snapshot
    tech, bio = engine_for(snapshot).factorized.tech, engine_for(snapshot).factorized.bio
    cf = snapshot.method_cf("AR6")
    demand = np.zeros(snapshot.size)
    demand[snapshot.index["p"]], demand[snapshot.index["r"]] = 1.0, 0.5
    deterministic = compute(bom, snapshot).total_kgco2e
    moved = 0
    for (tech_values, bio_values), draw in zip(recorded, draws):
        a = technosphere_matrix(snapshot.size, tech, tech_values)
        b = biosphere_matrix(len(snapshot.flows), snapshot.size, bio, bio_values)
        supply = spla.spsolve(a.tocsc(), demand)
        direct = float(cf @ (b @ supply))
        assert draw == pytest.approx(direct, rel=mc.SCORE_RTOL)
        moved += abs(draw - deterministic) > 1e-6
    assert moved == 300  # no draw came back as the deterministic value


def test_median_is_the_sample_median_and_samples_only_on_request(lognormal_snapshot: Snapshot) -> None:
    bom = _bom([("p", 1)])
    with_samples = compute(bom, lognormal_snapshot, monte_carlo=501, seed=3, samples=True).uncertainty
    draws = np.array(with_samples.samples)
    assert with_samples.median == float(np.median(draws))
    assert with_samples.median != pytest.approx(2.0, abs=1e-9)  # not the deterministic total
    assert with_samples.p2_5 == float(np.percentile(draws, 2.5))
    # p alone is 2 X: exactly lognormal, median 2, 95 % interval 2 e^(±1.96 x 0.3)
    assert draws.min() > 0 and abs(np.median(draws) - 2) < 4 * 1.2533 * 2 * S_T / math.sqrt(501)
    without = compute(bom, lognormal_snapshot, monte_carlo=501, seed=3).uncertainty
    assert without.samples is None and without.mean == with_samples.mean
