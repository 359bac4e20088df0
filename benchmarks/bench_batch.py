"""`carbonlabel footprint-batch` against bw2calc's best mode, measured in the same run.

    .venv/bin/python -m benchmarks.bench_batch --sizes 2000 20000 --boms 10000 100000 --reps 3 \
        --pardiso-site DIR --mkl-rt PATH --out benchmarks/results/batch.json
    .venv/bin/python -m benchmarks.bench_batch --dask --sizes 20000 --boms 1000000 --out ...
    .venv/bin/python -m benchmarks.bench_batch --report benchmarks/results/batch.json [dask.json]

Per background size N and BOM count, alternating, `--reps` times, each in a fresh process:
- ours: `carbonlabel footprint-batch FILE --out OUT --quiet` (all cores: --jobs defaults to
  them, as PARDISO uses them), wall time of the whole process
  (interpreter start, imports, snapshot load, reading and checking every BOM, the per-BOM
  breakdowns by gas, stage and line, writing the results) and its CPU time;
- bw2calc 3.1 `FastScoresOnlyMultiLCA(direction="adjoint")` on the Brightway export of the same
  snapshot (`db export-brightway`, written before the timings): a child process that imports
  bw2data/bw2calc, reads the same JSONL, and times construction (data objects, datapackages,
  demand matrix) to scores ("compute"); its whole process is timed from outside. It needs
  PARDISO or UMFPACK: `--pardiso-site` is a folder holding only the `pypardiso` package and
  `--mkl-rt` the MKL runtime it loads (kept out of the shared venv; pyproject's `pardiso` extra
  installs both);
- bw2calc as usually used: a fresh `bw2calc.LCA` per product (first rep only, 3 products,
  median), extrapolated to the BOM count.
Answers: every bw2calc adjoint score against our `total_kgco2e`, max relative difference.
The machine is shared: the load average is recorded beside each timing, and CPU seconds beside
wall seconds (ours: the whole process and its forked workers; bw2calc: its compute, all threads).

`--dask`: the same footprint-batch on `--boms` BOMs (100,000 generated BOMs repeated) with
`--scheduler local --workers 1` and `--workers 2` (and without Dask), results compared byte for byte.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
METHOD = ("carbonlabel", "GWP100", "AR6")


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall s, CPU s, stdout) of one child process."""
    cpu0, t0 = _cpu_children(), time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - t0, _cpu_children() - cpu0, done.stdout


def _prepare(work: Path, n: int, counts: list[int], env: dict[str, str]) -> dict:
    """The background built and exported to Brightway, and the BOM files; each step is skipped
    when its output is already in `work` (a cache folder given by --work)."""
    from benchmarks.synthetic import write_background, write_bom_jsonl

    out: dict = {"n_activities": n}
    built = work / "built.json"
    if built.exists():
        out.update(json.loads(built.read_text()))
    else:
        source = write_background(work / "synthetic", n)
        wall, _, _ = _run([sys.executable, "-m", "api.cli", "db", "build", "--source", str(source), "--name",
                           "synthetic"], env)
        out["db_build_s"] = wall
        wall, _, _ = _run([sys.executable, "-m", "api.cli", "db", "export-brightway", "--snapshot", "synthetic"],
                          env)
        out["export_brightway_s"] = wall
        built.write_text(json.dumps(out))
    for count in counts:
        if not (work / f"boms-{count}.jsonl").exists():
            write_bom_jsonl(work / f"boms-{count}.jsonl", n, count, seed=3)
    return out


def _our_totals(path: Path) -> list[float]:
    rows = path.read_bytes().splitlines()[1:]
    return [json.loads(row)["total_kgco2e"] for row in rows]


def run_size(n: int, counts: list[int], reps: int, bw_env: dict[str, str], cache: Path | None = None) -> dict:
    import numpy as np

    if cache is None:
        work = Path(tempfile.mkdtemp(prefix=f"bench-batch-{n}-"))
    else:
        work = cache / f"n{n}"
        work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CARBONLABEL_HOME": str(work / "home"), "CARBONLABEL_QUIET": "1"}
    result = _prepare(work, n, counts, env)
    bw_env = {**env, **bw_env}
    result["runs"] = []
    for count in counts:
        jsonl = work / f"boms-{count}.jsonl"
        rows: dict = {"boms": count, "ours_wall_s": [], "ours_cpu_s": [], "bw_adjoint_compute_s": [],
                      "bw_adjoint_compute_cpu_s": [], "bw_whole_process_cpu_s": [],
                      "bw_whole_process_s": [], "bw_read_s": [], "bw_import_s": [], "load_1min": []}
        for rep in range(reps):
            rows["load_1min"].append(os.getloadavg()[0])
            target = work / "ours.jsonl"
            wall, cpu, _ = _run([sys.executable, "-m", "api.cli", "footprint-batch", str(jsonl), "--out",
                                 str(target), "--snapshot", "synthetic", "--quiet"], env)
            rows["ours_wall_s"].append(wall)
            rows["ours_cpu_s"].append(cpu)
            scores_file = work / "bw_scores.npy"
            command = [sys.executable, "-m", "benchmarks.bench_batch", "--bw2calc-child", str(jsonl),
                       "--scores", str(scores_file)]
            if rep == 0:
                command.append("--fresh")
            wall, cpu, stdout = _run(command, bw_env)
            child = json.loads(stdout.strip().splitlines()[-1])
            rows["bw_whole_process_s"].append(wall)
            rows["bw_whole_process_cpu_s"].append(cpu)
            rows["bw_adjoint_compute_s"].append(child["compute_s"])
            rows["bw_adjoint_compute_cpu_s"].append(child["compute_cpu_s"])
            rows["bw_read_s"].append(child["read_s"])
            rows["bw_import_s"].append(child["import_s"])
            rows["bw_solver"] = child["solver"]
            if rep == 0:
                rows["bw_fresh_lca_ms"] = child["fresh_lca_ms"]
                rows["bw_fresh_lca_extrapolated_s"] = child["fresh_lca_ms"] / 1000.0 * count
                ours = np.array(_our_totals(target))
                theirs = np.load(scores_file)
                rows["max_rel_diff_vs_bw2calc_adjoint"] = float(np.max(np.abs(ours - theirs) / np.abs(theirs)))
            print(json.dumps({"n": n, "boms": count, "rep": rep, "ours_wall_s": rows["ours_wall_s"][-1],
                              "bw_compute_s": child["compute_s"], "bw_whole_s": wall}), file=sys.stderr, flush=True)
        for key in ("ours_wall_s", "ours_cpu_s", "bw_adjoint_compute_s", "bw_adjoint_compute_cpu_s",
                    "bw_whole_process_s", "bw_whole_process_cpu_s"):
            rows[key[:-2] + "_min_s"] = min(rows[key])
        rows["ratio_bw_compute_over_ours_wall_min"] = min(rows["bw_adjoint_compute_s"]) / min(rows["ours_wall_s"])
        rows["ratio_per_rep"] = [b / o for b, o in zip(rows["bw_adjoint_compute_s"], rows["ours_wall_s"])]
        rows["ratio_cpu_bw_compute_over_ours_min"] = min(rows["bw_adjoint_compute_cpu_s"]) / min(rows["ours_cpu_s"])
        result["runs"].append(rows)
    return result


def bw2calc_child(jsonl: Path, scores_file: Path, fresh: bool) -> dict:
    """Runs in its own process: imports, reading, then bw2calc's adjoint compute, timed apart."""
    import warnings

    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    os.environ["BRIGHTWAY2_DIR"] = str(Path(os.environ["CARBONLABEL_HOME"]) / "brightway")
    import bw2calc as bc
    import bw2data as bd
    import numpy as np
    from bw2data.backends import ActivityDataset

    bd.projects.set_current("carbonlabel")
    database = next(name for name in bd.databases if name.startswith("synthetic@"))
    import_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    ids = dict(ActivityDataset.select(ActivityDataset.code, ActivityDataset.id)
               .where(ActivityDataset.database == database).tuples())
    demands: dict[str, dict[int, float]] = {}
    with jsonl.open("rb") as handle:
        for raw in handle:
            bom = json.loads(raw)
            amounts: dict[str, float] = {}
            demand: dict[int, float] = {}
            for line in bom["lines"]:  # parents come before their children in these files
                parent = line.get("parent_id")
                amount = line["quantity"] * (1.0 if parent is None else amounts[parent])
                amounts[line["line_id"]] = amount
                if line.get("factor_id"):
                    node = ids[line["factor_id"]]
                    demand[node] = demand.get(node, 0.0) + amount  # kg lines on kg activities
            demands[bom["product"]["id"]] = demand
    read_s = time.perf_counter() - t0

    t0, cpu0 = time.perf_counter(), time.process_time()
    config = {"impact_categories": [METHOD]}
    # the data objects depend only on the databases the demands reach (one here): gathering them
    # from one demand instead of all 100,000 skips a get_node query per demanded activity
    first = next(iter(demands))
    data_objs = bd.get_multilca_data_objs(functional_units={first: demands[first]}, method_config=config)
    multi = bc.FastScoresOnlyMultiLCA(demands=demands, method_config=config, data_objs=data_objs,
                                      direction="adjoint")
    scores = multi.calculate()
    values = np.asarray(scores.sel(processes=list(demands)).values)[0]
    compute_s, compute_cpu_s = time.perf_counter() - t0, time.process_time() - cpu0
    np.save(scores_file, values)

    fresh_ms = None
    if fresh:
        times = []
        for demand in list(demands.values())[:3]:
            t0 = time.perf_counter()
            lca = bc.LCA(demand, METHOD)
            lca.lci()
            lca.lcia()
            times.append(time.perf_counter() - t0)
        fresh_ms = statistics.median(times) * 1000.0
    return {"import_s": import_s, "read_s": read_s, "compute_s": compute_s, "compute_cpu_s": compute_cpu_s,
            "fresh_lca_ms": fresh_ms,
            "solver": "PARDISO" if bc.PYPARDISO else ("UMFPACK" if bc.UMFPACK else "SuperLU")}


def run_dask(n: int, count: int) -> dict:
    from benchmarks.synthetic import write_background, write_bom_jsonl

    work = Path(tempfile.mkdtemp(prefix=f"bench-dask-{n}-"))
    env = {**os.environ, "CARBONLABEL_HOME": str(work / "home"), "CARBONLABEL_QUIET": "1"}
    source = write_background(work / "synthetic", n)
    _run([sys.executable, "-m", "api.cli", "db", "build", "--source", str(source), "--name", "synthetic"], env)
    # a million BOMs: 100,000 generated ones written over and over (the generator is slow in Python;
    # throughput does not depend on the BOMs being different)
    base = write_bom_jsonl(work / "base.jsonl", n, min(count, 100_000), seed=11).read_bytes()
    jsonl = work / "boms.jsonl"
    with jsonl.open("wb") as handle:
        for _ in range(-(-count // 100_000)):
            handle.write(base)
    out: dict = {"n_activities": n, "boms": count, "input_mb": jsonl.stat().st_size / 1e6}
    outputs = {}
    for label, extra in (("no_dask", []), ("dask_1_worker", ["--scheduler", "local", "--workers", "1"]),
                         ("dask_2_workers", ["--scheduler", "local", "--workers", "2"])):
        target = work / f"{label}.jsonl"
        load = os.getloadavg()[0]
        wall, cpu, _ = _run([sys.executable, "-m", "api.cli", "footprint-batch", str(jsonl), "--out", str(target),
                             "--snapshot", "synthetic", "--quiet", *extra], env)
        out[label] = {"wall_s": wall, "cpu_s_parent_and_children": cpu, "load_1min_before": load}
        outputs[label] = target
        print(json.dumps({label: out[label]}), file=sys.stderr, flush=True)
    # the header line carries the code version (package + git commit); the records must match
    reference = outputs["no_dask"].read_bytes().split(b"\n", 1)[1]
    out["identical_records"] = all(path.read_bytes().split(b"\n", 1)[1] == reference for path in outputs.values())
    return out


def markdown_report(batch: dict, dask: dict | None) -> str:
    """The Markdown tables of docs/performance.md from the result files."""
    out = [f"Measured {batch['started']} - {batch['finished']}, {batch['cores']} cores, Python {batch['python']}.", "",
           "| activities | BOMs | load (1 min) | ours: footprint-batch, whole process | bw2calc adjoint compute "
           "(construction to scores) | bw2calc whole process | bw2calc fresh LCA per product, extrapolated "
           "| bw2calc compute / ours | max rel. diff |",
           "|---:|---:|---|---|---|---|---|---:|---:|"]
    for size in batch["results"]:
        for row in size["runs"]:
            load = "-".join(f"{x:.1f}" for x in (min(row["load_1min"]), max(row["load_1min"])))
            out.append(
                f"| {size['n_activities']:,} | {row['boms']:,} | {load} "
                f"| {row['ours_wall_min_s']:.2f} s wall, {row['ours_cpu_min_s']:.2f} s CPU "
                f"| {row['bw_adjoint_compute_min_s']:.2f} s wall, {row['bw_adjoint_compute_cpu_min_s']:.2f} s CPU "
                f"({row['bw_solver']}) "
                f"| {row['bw_whole_process_min_s']:.2f} s wall "
                f"| {row['bw_fresh_lca_extrapolated_s']:,.0f} s ({row['bw_fresh_lca_ms']:.0f} ms each) "
                f"| {row['ratio_bw_compute_over_ours_wall_min']:.2f}x wall, "
                f"{row['ratio_cpu_bw_compute_over_ours_min']:.2f}x CPU | {row['max_rel_diff_vs_bw2calc_adjoint']:.1e} |")
    out += ["", "Each repetition (ours, then bw2calc, alternating):", "",
            "| activities | BOMs | rep | load (1 min) | ours: whole process | bw2calc adjoint compute "
            "| bw2calc whole process | bw2calc compute / ours |", "|---:|---:|---:|---:|---|---|---|---:|"]
    for size in batch["results"]:
        for row in size["runs"]:
            for k, ratio in enumerate(row["ratio_per_rep"]):
                out.append(
                    f"| {size['n_activities']:,} | {row['boms']:,} | {k + 1} | {row['load_1min'][k]:.1f} "
                    f"| {row['ours_wall_s'][k]:.2f} s wall, {row['ours_cpu_s'][k]:.2f} s CPU "
                    f"| {row['bw_adjoint_compute_s'][k]:.2f} s wall, {row['bw_adjoint_compute_cpu_s'][k]:.2f} s CPU "
                    f"| {row['bw_whole_process_s'][k]:.2f} s | {ratio:.2f}x |")
    if dask:
        out += ["", "| activities | BOMs | input | no Dask (forked processes) | Dask LocalCluster, 1 worker "
                "| Dask LocalCluster, 2 workers | records byte-identical |", "|---:|---:|---:|---|---|---|---|"]
        for row in dask["results"]:
            cells = [f"{row[k]['wall_s']:.1f} s (load {row[k]['load_1min_before']:.1f})"
                     for k in ("no_dask", "dask_1_worker", "dask_2_workers")]
            out.append(f"| {row['n_activities']:,} | {row['boms']:,} | {row['input_mb']:,.0f} MB | "
                       + " | ".join(cells) + f" | {row.get('identical_records', row.get('identical_bytes'))} |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--boms", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--pardiso-site", type=Path, help="a folder holding only the pypardiso package")
    parser.add_argument("--mkl-rt", type=Path, help="libmkl_rt.so for pypardiso")
    parser.add_argument("--dask", action="store_true")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--work", type=Path, help="cache folder: backgrounds and BOM files are reused from it")
    parser.add_argument("--prepare-only", action="store_true", help="build the cache (--work) and stop")
    parser.add_argument("--bw2calc-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--scores", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--fresh", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--report", type=Path, nargs="+", help="batch.json [dask.json]: print the tables")
    args = parser.parse_args()
    if args.report:
        loaded = [json.loads(path.read_text()) for path in args.report]
        print(markdown_report(loaded[0], loaded[1] if len(loaded) > 1 else None))
        return
    if args.bw2calc_child:
        print(json.dumps(bw2calc_child(args.bw2calc_child, args.scores, args.fresh)))
        return
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    if args.dask:
        results = [run_dask(n, count) for n in args.sizes for count in args.boms]
    else:
        bw_env: dict[str, str] = {}
        if args.pardiso_site:
            bw_env["PYTHONPATH"] = str(args.pardiso_site)
        if args.mkl_rt:
            bw_env["PYPARDISO_MKL_RT"] = str(args.mkl_rt)
            bw_env["LD_LIBRARY_PATH"] = str(args.mkl_rt.parent)
        if args.prepare_only:
            for n in args.sizes:
                work = args.work / f"n{n}"
                work.mkdir(parents=True, exist_ok=True)
                _prepare(work, n, args.boms, {**os.environ, "CARBONLABEL_HOME": str(work / "home"),
                                              "CARBONLABEL_QUIET": "1"})
            return
        results = [run_size(n, args.boms, args.reps, bw_env, args.work) for n in args.sizes]
    report = {"started": started, "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "cores": os.cpu_count(), "python": sys.version.split()[0], "results": results}
    print(json.dumps(report, indent=1))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
