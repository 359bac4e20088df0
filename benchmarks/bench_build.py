"""Build time of the shipped default database in a fresh CARBONLABEL_HOME (what `db build` does
on a new machine), against plain bw2data writing the same data without validation or snapshot.

    .venv/bin/python -m benchmarks.bench_build [--reps 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import warnings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from lcidb.build import build_snapshot, default_source
    from lcidb.brightway import brightway_output_to_stderr, open_project, write_biosphere_and_methods, write_database
    from lcidb.template import read_template

    ours, plain, digests = [], [], set()
    for _ in range(args.reps):
        os.environ["CARBONLABEL_HOME"] = tempfile.mkdtemp(prefix="bench-build-")
        t0 = time.perf_counter()
        outcome = build_snapshot([], None)
        ours.append(time.perf_counter() - t0)
        digests.add(outcome.hash)
        os.environ["CARBONLABEL_HOME"] = tempfile.mkdtemp(prefix="bench-build-bw-")
        data = read_template(default_source())
        t0 = time.perf_counter()
        bd = open_project()
        with brightway_output_to_stderr():
            write_biosphere_and_methods(bd)
            write_database(bd, "plain", data.activities, data.exchanges)
        plain.append(time.perf_counter() - t0)
    print(f"default database: {outcome.counts['activities']} activities, {outcome.counts['exchanges']} exchanges")
    print(f"carbonlabel db build (validate + Brightway + snapshot), median of {args.reps}: {statistics.median(ours):.3f} s")
    print(f"plain bw2data write of the same data (no validation, no snapshot):  {statistics.median(plain):.3f} s")
    print(f"ratio build / plain write: {statistics.median(ours) / statistics.median(plain):.2f}")
    print(f"hashes over {args.reps} fresh homes: {len(digests)} distinct ({next(iter(digests))[:16]}...)")


if __name__ == "__main__":
    main()
