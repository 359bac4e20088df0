"""Render benchmarks/results/engine.json as the Markdown table in docs/performance.md.

    .venv/bin/python -m benchmarks.report benchmarks/results/engine.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROWS = [
    ("Snapshot build through the template (validate, Brightway write, publish)", "build_s", "s", None, None),
    ("Cold start: score vectors from the adjoint results stored in the snapshot", "cold_start_s", "s", None, None),
    ("Cold start without them: factorize + adjoint solves in-process (done once by `db build`)",
     "cold_factorize_s", "s", None, None),
    ("(a) warm, one BOM, full result without hotspots, median", "a_single_total_ms", "ms",
     "ratio_a_fresh_over_single", "<= 1 ms"),
    ("(a) warm, one BOM with hotspots (one forward solve), median", "a_single_with_hotspots_ms", "ms", None,
     "<= 50 ms at 20k"),
    ("baseline: fresh `bw2calc.LCA` per product (scipy), median", "baseline_fresh_lca_ms", "ms", None, None),
    ("engine vs bw2calc, max relative difference", "max_rel_diff_vs_bw2calc", "", None, "<= 1e-6"),
    ("(b) 100,000 pre-parsed BOMs, totals, incl. factorization in-process", "b_total_s_incl_factorization", "s",
     "ratio_b", "<= 5 s at 20k"),
    ("(b) ... on a published snapshot (stored adjoint results, no factorization)", "b_total_s_stored_adjoint", "s",
     "ratio_b_stored", None),
    ("(c) CLI `footprint-batch`, 10,000 BOMs, wall time incl. start-up", "c_cli_wall_s", "s", None, None),
    ("(c) ... per footprint", "c_cli_ms_per_footprint", "ms", "ratio_c", ">= 100x at 2k"),
    ("(d) Monte Carlo, our iterations/s (one BOM)", "d_mc_ours_it_per_s", "it/s", "ratio_d",
     ">= 8x at 2k, >= 10x at 20k"),
    ("(d) bw2calc Monte Carlo iterations/s (`use_distributions`, `next`)", "d_mc_bw2calc_it_per_s", "it/s", None, None),
    ("peak RSS, engine alone (load, 1,000 footprints with hotspots, MC, 10,000 streamed BOMs)",
     "engine_peak_rss_mib", "MiB", None, "<= 1 GiB at 20k"),
    ("peak RSS, whole benchmark process (holds 100,000 parsed BOM objects + bw2calc)",
     "peak_rss_mib_incl_100k_parsed_boms_and_bw2calc", "MiB", None, None),
]


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    if value != 0 and (abs(value) < 0.01 or abs(value) >= 100000):
        return f"{value:.2e}"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def render(results: list[dict]) -> str:
    sizes = [r["n_activities"] for r in results]
    head = "| measure | " + " | ".join(f"N = {n:,} (value / ratio)" for n in sizes) + " | target |"
    lines = [head, "|" + "---|" * (len(sizes) + 2)]
    for label, key, unit, ratio_key, target in ROWS:
        cells = []
        for r in results:
            value = r.get(key)
            cell = "–" if value is None else f"{_fmt(value)} {unit}".strip()
            if ratio_key and r.get(ratio_key) is not None:
                cell += f" / **{_fmt(r[ratio_key])}×**"
            cells.append(cell)
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {target or ''} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(json.loads(Path(sys.argv[1]).read_text())))
