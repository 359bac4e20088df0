"""Synthetic LCI backgrounds and BOMs for benchmarks (reference/perf.md section 1, "used" variant).

N activities with one reference product each; 10-20 technosphere inputs per activity; ~2 % hubs
chosen with Zipf popularity; sectors of 100; an input comes from a hub (30 %), the same sector
(45 %) or one of the 3 upstream sectors (25 %); hubs take 80 % of their inputs from hubs and 20 %
from anywhere. Input amounts are lognormal, rescaled so each column's inputs sum to U(0.3, 0.7).
2-5 biosphere exchanges per activity, greenhouse-gas flows only, CO2 fossil in 90 % of activities.
Lognormal sigma U(0.05, 0.3) on every exchange. Seeded: the same arguments give the same files.
Written through the project's template format, so a build goes through the real reader.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from collections.abc import Iterator

import numpy as np

GHG_FLOWS = ("co2_fossil", "co2_biogenic", "ch4_fossil", "ch4_biogenic", "n2o", "sf6")
FLOW_SCALE = {"co2_fossil": 1.0, "co2_biogenic": 0.5, "ch4_fossil": 0.003, "ch4_biogenic": 0.002,
              "n2o": 0.0002, "sf6": 1e-6}


def write_background(folder: Path, n: int, seed: int = 42) -> Path:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    n_hubs = max(1, n // 50)
    hubs = rng.choice(n, size=n_hubs, replace=False)
    hub_weights = 1.0 / np.arange(1, n_hubs + 1)  # Zipf popularity
    hub_weights /= hub_weights.sum()
    is_hub = np.zeros(n, dtype=bool)
    is_hub[hubs] = True
    sector = np.arange(n) // 100
    n_sectors = int(sector.max()) + 1

    with (folder / "activities.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["activity_id", "name", "unit", "geography", "year", "category", "source", "licence",
                         "status", "published", "dqr_technological", "dqr_temporal", "dqr_geographical"])
        for a in range(n):
            writer.writerow([f"a{a:06d}", f"synthetic activity {a}", "kg", "GLO", 2024,
                             "hub" if is_hub[a] else f"sector{sector[a]}", "benchmarks/synthetic.py", "synthetic",
                             "verified", "2024-01-01", 2, 2, 2])

    with (folder / "exchanges.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["activity_id", "input", "amount", "unit", "kind", "uncertainty_sigma", "gwp_basis",
                         "credit_type"])
        for a in range(n):
            k = int(rng.integers(10, 21))
            inputs: set[int] = set()
            while len(inputs) < k:
                u = rng.random()
                if is_hub[a]:
                    pick = hubs[rng.choice(n_hubs, p=hub_weights)] if u < 0.8 else int(rng.integers(n))
                elif u < 0.30:
                    pick = hubs[rng.choice(n_hubs, p=hub_weights)]
                elif u < 0.75:
                    s = sector[a]
                    pick = int(rng.integers(s * 100, min(n, (s + 1) * 100)))
                else:
                    up = (sector[a] - int(rng.integers(1, 4))) % n_sectors
                    pick = int(rng.integers(up * 100, min(n, (up + 1) * 100)))
                if pick != a:
                    inputs.add(int(pick))
            raw = rng.lognormal(0.0, 1.0, size=k)
            amounts = raw / raw.sum() * rng.uniform(0.3, 0.7)
            for target, amount in zip(sorted(inputs), amounts):
                writer.writerow([f"a{a:06d}", f"a{target:06d}", repr(float(amount)), "kg", "technosphere",
                                 repr(float(rng.uniform(0.05, 0.3))), "", ""])
            n_bio = int(rng.integers(2, 6))
            flows = ["co2_fossil"] if rng.random() < 0.9 else []
            others = [f for f in GHG_FLOWS if f not in flows]
            flows += list(rng.choice(others, size=n_bio - len(flows), replace=False))
            for flow in flows:
                amount = FLOW_SCALE[flow] * rng.lognormal(0.0, 0.5)
                writer.writerow([f"a{a:06d}", flow, repr(float(amount)), "kg", "biosphere",
                                 repr(float(rng.uniform(0.05, 0.3))), "", ""])
    return folder


def bom_dicts(n_activities: int, count: int, seed: int = 7) -> list[dict]:
    """BOMs of 1-30 lines (mean ~15.5); one in five has a sub-assembly with 2-5 children."""
    return list(iter_bom_dicts(n_activities, count, seed))


def iter_bom_dicts(n_activities: int, count: int, seed: int = 7) -> Iterator[dict]:
    """bom_dicts one at a time (a million BOMs do not fit in memory as dicts)."""
    rng = np.random.default_rng(seed)
    product = {"id": "", "name": "synthetic product", "category": "synthetic",
               "declared_unit": {"unit": "piece", "amount": 1}, "boundary": "cradle-to-gate",
               "reference_period": {"start": "2025-01-01", "end": "2025-12-31"}, "site_region": "CN-GD"}
    for b in range(count):
        n_lines = int(rng.integers(1, 31))
        lines = []
        for i in range(n_lines):
            lines.append({"line_id": f"l{i}", "name": f"material {i}", "quantity": float(rng.uniform(0.01, 2.0)),
                          "unit": "kg", "stage": "raw_materials", "data_type": "secondary",
                          "factor_id": f"a{int(rng.integers(n_activities)):06d}"})
        if rng.random() < 0.2:
            lines.append({"line_id": "asm", "name": "sub-assembly", "quantity": float(rng.integers(1, 4)),
                          "unit": "piece", "stage": "manufacturing", "data_type": "primary"})
            for c in range(int(rng.integers(2, 6))):
                lines.append({"line_id": f"asm{c}", "parent_id": "asm", "name": f"part {c}",
                              "quantity": float(rng.uniform(0.01, 1.0)), "unit": "kg", "stage": "manufacturing",
                              "data_type": "primary", "factor_id": f"a{int(rng.integers(n_activities)):06d}"})
        yield {"product": {**product, "id": f"bom-{b}"}, "lines": lines}


def write_bom_jsonl(path: Path, n_activities: int, count: int, seed: int = 7) -> Path:
    with path.open("w") as handle:
        for bom in iter_bom_dicts(n_activities, count, seed):
            handle.write(json.dumps(bom) + "\n")
    return path
