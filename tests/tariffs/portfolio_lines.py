"""A deterministic hundred-line portfolio of twelve Guangdong exporters (tests and examples).

`python -m tests.tariffs.portfolio_lines OUT.csv` writes it as CSV (examples/cbam/portfolio.csv)."""

from __future__ import annotations

import csv
import sys

# CN code, a verified SEE an exporter with actual data might report (t CO2e/t; illustrative)
GOODS = [
    ("72083900", "2.00"), ("72142000", "1.90"), ("73181595", "3.10"), ("76011010", "2.40"),
    ("76069200", "3.00"), ("2523100090", "0.95"), ("31021019", "2.10"), ("72104900", "2.20"),
]
COLUMNS = ["exporter_id", "importer_id", "regime", "cn_code", "country_of_origin", "net_mass_t", "import_date",
           "data_basis", "actual_see_t_per_t", "customs_value_gbp"]


def portfolio_rows(count: int = 100) -> list[dict[str, str]]:
    rows = []
    for index in range(count):
        exporter = f"GD-EXPORTER-{index % 12 + 1:02d}"
        cn_code, actual = GOODS[index % len(GOODS)]
        regime = "UK" if index % 5 == 4 else "EU"
        year = 2026 + index % 3 if regime == "EU" else 2027 + index % 2
        month = index % 12 + 1
        mass = f"{10 + (index * 37) % 190}.{index % 10}"
        with_actual = index % 12 in (2, 7) and index % 4 != 0
        rows.append({
            "exporter_id": exporter,
            "importer_id": f"{'DE' if regime == 'EU' else 'GB'}-IMPORTER-LONGNAME-{index % 4 + 1}",
            "regime": regime,
            "cn_code": cn_code,
            "country_of_origin": "CN",
            "net_mass_t": mass,
            "import_date": f"{year}-{month:02d}-15",
            "data_basis": "ACTUAL" if with_actual else "DEFAULT",
            "actual_see_t_per_t": actual if with_actual else "",
            "customs_value_gbp": str(20000 + (index * 7919) % 90000) if regime == "UK" else "",
        })
    return rows


if __name__ == "__main__":
    with open(sys.argv[1], "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(portfolio_rows())
