"""Engine benchmarks against plain bw2calc (scipy solver), measured in the same run.

    .venv/bin/python -m benchmarks.bench_engine --sizes 2000 20000 [--out benchmarks/results/engine.json]

Targets (issue "Footprint engine"): (a) warm single BOM total <= 1 ms median, with hotspots
<= 50 ms at 20k; (b) 100,000 pre-parsed BOMs incl. factorization <= 5 s at 20k; (c) CLI
footprint-batch of 10,000 BOMs at 2k >= 100x faster per footprint than a fresh bw2calc LCA;
(d) Monte Carlo >= 8x bw2calc iterations/s at 2k, >= 10x at 20k; peak memory <= 1 GiB at 20k.
Each size runs in its own process so peak memory is per size.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _peak_rss_mib() -> float:
    """This process's peak resident set (VmHWM). Not ru_maxrss: Linux carries that across fork and
    exec, so a child started by a large parent would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000.0


def _without_stored_adjoint(snapshot):  # type: ignore[no-untyped-def]
    """A copy of the snapshot object that reports no stored adjoint results, so the engine
    factorizes and solves in this process (the cost `db build` pays once per snapshot)."""
    import copy

    bare = copy.copy(snapshot)
    bare.derived = lambda scenario=None: None
    return bare


def run_size(n: int, n_boms: int, cli_boms: int) -> dict:
    warnings.simplefilter("ignore")
    work = Path(tempfile.mkdtemp(prefix=f"bench{n}-"))
    os.environ["CARBONLABEL_HOME"] = str(work / "home")
    from benchmarks.synthetic import bom_dicts, write_background, write_bom_jsonl
    from footprint.batch import totals
    from footprint.bom import validate_bom
    from footprint.engine import compile_bom, compute, engine_for
    from lcidb.build import build_snapshot
    from lcidb.snapshot import load_snapshot
    from lcidb.solve import FactorizedSnapshot

    out: dict = {"n_activities": n}
    source = write_background(work / "synthetic", n)
    t0 = time.perf_counter()
    build_snapshot([source], name="synthetic")
    out["build_s"] = time.perf_counter() - t0
    snapshot = load_snapshot("synthetic")
    out["exchanges"] = snapshot.manifest["counts"]["exchanges"]

    t0 = time.perf_counter()
    engine = engine_for(snapshot)
    engine.vectors("AR6")
    out["cold_start_s"] = time.perf_counter() - t0  # adjoint results read from the snapshot
    t0 = time.perf_counter()
    FactorizedSnapshot(_without_stored_adjoint(snapshot)).scores("AR6")
    out["cold_factorize_s"] = time.perf_counter() - t0  # what a snapshot without them would cost

    single = [validate_bom(b) for b in bom_dicts(n, 300, seed=1)]
    compute(single[0], snapshot, hotspots=False)
    samples = []
    for bom in single:
        t0 = time.perf_counter()
        compute(bom, snapshot, hotspots=False)
        samples.append(time.perf_counter() - t0)
    out["a_single_total_ms"] = _median_ms(samples)
    samples = []
    for bom in single[:60]:
        t0 = time.perf_counter()
        compute(bom, snapshot, hotspots=True)
        samples.append(time.perf_counter() - t0)
    out["a_single_with_hotspots_ms"] = _median_ms(samples)

    import bw2calc as bc

    from lcidb.brightway import export_snapshot, method_key, open_project

    database = export_snapshot(snapshot).database  # `db build` writes no Brightway project any more
    bd = open_project()
    node_ids = {a.id: bd.get_node(database=database, code=a.id).id for a in snapshot.activities}

    def demand_of(bom: Any) -> dict[int, float]:
        demand: dict[int, float] = {}
        for term in compile_bom(bom, snapshot).terms:
            key = node_ids[snapshot.activities[term.column].id]
            demand[key] = demand.get(key, 0.0) + term.amount
        return demand

    reps = 20 if n <= 5000 else 3
    fresh, agree = [], []
    for bom in single[:reps]:
        t0 = time.perf_counter()
        lca = bc.LCA(demand_of(bom), method_key("AR6"))
        lca.lci()
        lca.lcia()
        fresh.append(time.perf_counter() - t0)
        ours = compute(bom, snapshot, hotspots=False).total_kgco2e
        agree.append(abs(lca.score - ours) / abs(ours))
    out["baseline_fresh_lca_ms"] = _median_ms(fresh)
    out["max_rel_diff_vs_bw2calc"] = max(agree)
    out["ratio_a_fresh_over_single"] = out["baseline_fresh_lca_ms"] / out["a_single_total_ms"]

    parsed = [validate_bom(b) for b in bom_dicts(n, n_boms, seed=2)]
    from lcidb import solve

    out["b_boms"] = n_boms
    out["b_baseline_fresh_lca_extrapolated_s"] = out["baseline_fresh_lca_ms"] / 1000.0 * n_boms
    for key, target in (("b_total_s_stored_adjoint", snapshot),
                        ("b_total_s_incl_factorization", _without_stored_adjoint(snapshot))):
        engine_for.cache_clear()
        solve.factorized.cache_clear()
        t0 = time.perf_counter()
        values = totals(parsed, target)
        out[key] = time.perf_counter() - t0
    out["ratio_b"] = out["b_baseline_fresh_lca_extrapolated_s"] / out["b_total_s_incl_factorization"]
    out["ratio_b_stored"] = out["b_baseline_fresh_lca_extrapolated_s"] / out["b_total_s_stored_adjoint"]
    assert abs(values[0] - compute(parsed[0], snapshot, hotspots=False).total_kgco2e) <= 1e-9 * abs(values[0])

    if cli_boms:
        jsonl = write_bom_jsonl(work / "boms.jsonl", n, cli_boms, seed=3)
        t0 = time.perf_counter()
        subprocess.run([str(ROOT / ".venv/bin/carbonlabel"), "footprint-batch", str(jsonl), "--out",
                        str(work / "results.jsonl"), "--snapshot", "synthetic"], check=True,
                       env=dict(os.environ), capture_output=True)
        wall = time.perf_counter() - t0
        out["c_cli_boms"] = cli_boms
        out["c_cli_wall_s"] = wall
        out["c_cli_ms_per_footprint"] = wall / cli_boms * 1000.0
        out["ratio_c"] = out["baseline_fresh_lca_ms"] / out["c_cli_ms_per_footprint"]

    mc_iterations = 200 if n <= 5000 else 20
    bom = single[0]
    compute(bom, snapshot, monte_carlo=2, seed=0)
    t0 = time.perf_counter()
    compute(bom, snapshot, monte_carlo=mc_iterations, seed=1, hotspots=False)
    ours_per_s = mc_iterations / (time.perf_counter() - t0)
    bw_iterations = 30 if n <= 5000 else 5
    lca = bc.LCA(demand_of(bom), method_key("AR6"), use_distributions=True, seed_override=1)
    lca.lci()
    lca.lcia()
    t0 = time.perf_counter()
    for _ in range(bw_iterations):
        next(lca)
    bw_per_s = bw_iterations / (time.perf_counter() - t0)
    out["d_mc_ours_it_per_s"] = ours_per_s
    out["d_mc_bw2calc_it_per_s"] = bw_per_s
    out["ratio_d"] = ours_per_s / bw_per_s
    out["peak_rss_mib_incl_100k_parsed_boms_and_bw2calc"] = _peak_rss_mib()
    done = subprocess.run([sys.executable, "-m", "benchmarks.bench_engine", "--memory", str(n)],
                          cwd=ROOT, check=True, capture_output=True, text=True, env=dict(os.environ))
    out["engine_peak_rss_mib"] = json.loads(done.stdout.strip().splitlines()[-1])["engine_peak_rss_mib"]
    return out


def engine_memory(n: int) -> dict:
    """Peak RSS of the engine alone: load the snapshot, factorize, 1,000 footprints with hotspots,
    Monte Carlo, and 10,000 BOMs streamed through the batch path (as the CLI and the service do)."""
    warnings.simplefilter("ignore")
    from benchmarks.synthetic import bom_dicts
    from footprint.batch import summarize
    from footprint.bom import validate_bom
    from footprint.engine import compute, engine_for
    from lcidb.snapshot import load_snapshot

    snapshot = load_snapshot("synthetic")
    engine = engine_for(snapshot)
    boms = bom_dicts(n, 1000, seed=4)
    for data in boms:
        compute(validate_bom(data), snapshot, hotspots=True)
    compute(validate_bom(boms[0]), snapshot, monte_carlo=10, seed=1)
    for data in bom_dicts(n, 10_000, seed=5):
        summarize(validate_bom(data), engine)
    return {"engine_peak_rss_mib": _peak_rss_mib()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--boms", type=int, default=100_000)
    parser.add_argument("--cli-boms", type=int, default=10_000)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--memory", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.memory:
        print(json.dumps(engine_memory(args.memory)))
        return
    if args.one:
        cli = args.cli_boms if args.one <= 5000 else 0
        print(json.dumps(run_size(args.one, args.boms, cli)))
        return
    results = []
    for n in args.sizes:
        done = subprocess.run([sys.executable, "-m", "benchmarks.bench_engine", "--one", str(n), "--boms",
                               str(args.boms), "--cli-boms", str(args.cli_boms)],
                              cwd=ROOT, check=True, capture_output=True, text=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        results.append(result)
        print(json.dumps(result, indent=1))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
