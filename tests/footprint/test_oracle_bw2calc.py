"""Plain bw2calc is the oracle: a fresh LCA on the Brightway export of the snapshot
(`carbonlabel db export-brightway`), with the same demand, must agree with the engine within 1e-6
(Brightway stores float32)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from footprint.bom import validate_bom
from footprint.bom_io import read_bom
from footprint.engine import compile_bom, compute
from lcidb.snapshot import Snapshot

EXAMPLES = sorted(p for p in (Path(__file__).resolve().parents[2] / "examples").glob("*.json")
                  if not p.name.endswith(".product.json"))


def _bw2calc_score(snapshot: Snapshot, home: Path, bom, method: str = "AR6", electricity: str = "location") -> float:
    warnings.simplefilter("ignore")
    import bw2calc as bc

    from lcidb.brightway import method_key, open_project

    compiled = compile_bom(bom, snapshot, electricity)  # type: ignore[arg-type]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CARBONLABEL_HOME", str(home))
        database = _exported(snapshot)
        bd = open_project()
        demand: dict[int, float] = {}
        supplier = 0.0
        for term in compiled.terms:
            if term.column < 0:
                supplier += term.supplier_kg
                continue
            node = bd.get_node(database=database, code=snapshot.activities[term.column].id)
            demand[node.id] = demand.get(node.id, 0.0) + term.amount
        lca = bc.LCA(demand, method_key(method))
        lca.lci()
        lca.lcia()
        return float(lca.score) + supplier


def _exported(snapshot: Snapshot) -> str:
    """The snapshot's Brightway database under the current CARBONLABEL_HOME (written once)."""
    from lcidb.brightway import database_name, export_snapshot, open_project

    name = database_name(snapshot)
    if name not in open_project().databases:
        export_snapshot(snapshot)
    return name


# bw2calc computes the database as written, credits netted; the engine's default (cut-off) total
# plus its reported credits must give the same number
NETTED = "oracle: credits netted as in the database"


def test_mini_fixture_agrees_with_bw2calc(mini_snapshot_and_home, mini_bom) -> None:
    snapshot, home = mini_snapshot_and_home
    for method in ("AR6", "AR5"):
        for electricity in ("location", "market"):
            netted = compute(mini_bom, snapshot, method=method, electricity=electricity,  # type: ignore[arg-type]
                             net_credits_rule=NETTED)
            cutoff = compute(mini_bom, snapshot, method=method, electricity=electricity)  # type: ignore[arg-type]
            theirs = _bw2calc_score(snapshot, home, mini_bom, method, electricity)
            assert netted.total_kgco2e == pytest.approx(theirs, rel=1e-6)
            assert cutoff.credits.total_with_credits_kgco2e == pytest.approx(theirs, rel=1e-6)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_bom_agrees_with_bw2calc(default_snapshot_and_home, path: Path) -> None:
    snapshot, home = default_snapshot_and_home
    bom = read_bom(path)
    ours = compute(bom, snapshot, net_credits_rule=NETTED).total_kgco2e
    assert ours == pytest.approx(_bw2calc_score(snapshot, home, bom), rel=1e-6)
    assert compute(bom, snapshot).credits.total_with_credits_kgco2e == pytest.approx(ours, rel=1e-12)
    assert ours > 0


def test_monte_carlo_agrees_with_bw2calc_sampling(mini_snapshot_and_home) -> None:
    """Same distributions (lognormal, median = amount): the means of 2,000 draws each agree
    within 4 standard errors, and our spread matches theirs within 15 %."""
    warnings.simplefilter("ignore")
    import bw2calc as bc

    from lcidb.brightway import method_key, open_project

    snapshot, home = mini_snapshot_and_home
    bom = validate_bom({
        "product": {"id": "p", "name": "steel", "category": "c", "declared_unit": {"unit": "kg", "amount": 1},
                    "boundary": "cradle-to-gate", "reference_period": {"start": "2025-01-01", "end": "2025-12-31"},
                    "site_region": "CN-GD"},
        "lines": [{"line_id": "s", "name": "steel", "quantity": 1, "unit": "kg", "stage": "raw_materials",
                   "data_type": "secondary", "factor_id": "steel"}],
    })
    ours = compute(bom, snapshot, monte_carlo=2000, seed=7).uncertainty
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CARBONLABEL_HOME", str(home))
        database = _exported(snapshot)
        bd = open_project()
        node = bd.get_node(database=database, code="steel")
        lca = bc.LCA({node.id: 1}, method_key("AR6"), use_distributions=True, seed_override=11)
        lca.lci()
        lca.lcia()
        draws = []
        for _ in range(2000):
            next(lca)
            draws.append(lca.score)
    theirs = np.array(draws)
    standard_error = np.hypot(ours.std, theirs.std()) / np.sqrt(2000)
    assert abs(ours.mean - theirs.mean()) < 4 * standard_error
    assert ours.std == pytest.approx(theirs.std(), rel=0.15)


def test_monte_carlo_never_refactorizes(mini_snapshot, mini_bom, monkeypatch: pytest.MonkeyPatch) -> None:
    compute(mini_bom, mini_snapshot)  # warm: the one factorization happens here

    def refuse(*args, **kwargs):
        raise AssertionError("Monte Carlo refactorized the technosphere matrix")

    import footprint.montecarlo as mc

    monkeypatch.setattr(mc.spla, "splu", refuse)
    result = compute(mini_bom, mini_snapshot, monte_carlo=100, seed=1)
    assert result.uncertainty.p2_5 < result.total_kgco2e < result.uncertainty.p97_5


def test_line_sigma_widens_the_interval(mini_snapshot, mini_bom) -> None:
    narrow = compute(mini_bom, mini_snapshot, monte_carlo=400, seed=2).uncertainty
    data = json.loads(mini_bom.model_dump_json())
    for line in data["lines"]:
        if line["line_id"] == "frame":
            line["uncertainty_sigma"] = 0.3
    wide = compute(validate_bom(data), mini_snapshot, monte_carlo=400, seed=2).uncertainty
    assert wide.p97_5 - wide.p2_5 > 1.5 * (narrow.p97_5 - narrow.p2_5)


def test_the_five_sample_exports_are_all_checked() -> None:
    # the parametrized oracle test above must never silently run on nothing
    assert len(EXAMPLES) >= 5
