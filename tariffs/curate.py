"""Write the curated reference tables shipped in data/tariffs/ from the Commission's tables.

    python -m tariffs.curate DEFAULTS_2026_1740.csv BENCHMARKS_COLUMN_B.csv [--out data/tariffs]

Keeps China and the "Other countries and territories" table, and the headings of Guangdong's main
CBAM exports (steel 7208-7229, 7301-7318, 7326 + DRI 7203; aluminium 7601-7616; cement 2523;
fertilisers 2808, 2814, 2834 21 00, 3102, 3105; hydrogen 2804 10 00). Every row gets its source.
tests/tariffs check that every curated value equals the Commission table's value.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from tariffs.importers import read_benchmarks_column_b, read_defaults_2026_1740
from tariffs.reference import (
    BENCHMARK_COLUMNS,
    CURATED_BENCHMARKS_FILE,
    CURATED_DEFAULTS_FILE,
    DEFAULTS_COLUMNS,
    FALLBACK_TABLE,
)

CURATED_TABLES = {"CHN": "China", FALLBACK_TABLE: "Other countries and territories"}
CURATED_PREFIXES: tuple[str, ...] = (
    *(f"72{n:02d}" for n in range(8, 30)),
    *(f"73{n:02d}" for n in range(1, 19)),
    "7326",
    "7203",
    *(f"76{n:02d}" for n in range(1, 17)),
    "2523",
    "2808",
    "2814",
    "283421",
    "3102",
    "3105",
    "28041000",
)
DEFAULTS_SOURCE = "IR (EU) 2025/2621 Annex I as replaced by IR (EU) 2026/1740, table {table}, row {key}"
BENCHMARK_SOURCE = "IR (EU) 2025/2620 Annex point 5.3 Column B, CN {cn8}"


def is_curated(code: str) -> bool:
    return any(code.startswith(prefix) or prefix.startswith(code) for prefix in CURATED_PREFIXES)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def write_curated(defaults_path: Path, benchmarks_path: Path, out_dir: Path) -> tuple[int, int]:
    tables = read_defaults_2026_1740(defaults_path)
    default_rows = 0
    with (out_dir / CURATED_DEFAULTS_FILE).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(DEFAULTS_COLUMNS)
        for table, table_name in CURATED_TABLES.items():
            for key, row in tables[table].items():
                # headings shorter than a prefix (e.g. "3102") are kept: they say "see below"
                if not any(key.startswith(p) or p.startswith(key) for p in CURATED_PREFIXES):
                    continue
                writer.writerow(
                    (table, key, row.description, _text(row.direct), _text(row.indirect), _text(row.total),
                     row.route, DEFAULTS_SOURCE.format(table=table_name, key=key))
                )
                default_rows += 1
    benchmarks = read_benchmarks_column_b(benchmarks_path)
    benchmark_rows = 0
    with (out_dir / CURATED_BENCHMARKS_FILE).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(BENCHMARK_COLUMNS)
        for cn8, rows in benchmarks.items():
            if not any(cn8.startswith(p) for p in CURATED_PREFIXES):
                continue
            for benchmark in rows:
                writer.writerow(
                    (cn8, str(benchmark.value), benchmark.route or "", benchmark.period or "",
                     BENCHMARK_SOURCE.format(cn8=cn8))
                )
                benchmark_rows += 1
    return default_rows, benchmark_rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("defaults", type=Path)
    parser.add_argument("benchmarks", type=Path)
    parser.add_argument("--out", type=Path, default=Path("data/tariffs"))
    args = parser.parse_args(argv)
    counts = write_curated(args.defaults, args.benchmarks, args.out)
    print(f"wrote {counts[0]} default-value rows and {counts[1]} benchmark rows to {args.out}")


if __name__ == "__main__":
    main()
