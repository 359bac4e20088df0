"""Portfolio of many exporters: aggregates are Decimal sums of their lines; sensitivities by hand."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from tariffs import read_lines, read_lines_csv
from tariffs.errors import LineInputError
from tariffs.portfolio import portfolio_report
from tests.tariffs.portfolio_lines import COLUMNS, portfolio_rows

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cbam" / "portfolio.csv"
HRC = {"cn_code": "72083900", "country_of_origin": "CN", "import_date": "2026-02-15"}
SUMMED = ("net_mass_t", "embedded_emissions_t", "eu_embedded_emissions_t", "uk_embedded_emissions_t", "faa_t",
          "certificates", "cost_eur", "cost_gbp")


def _priced(line) -> bool:  # type: ignore[no-untyped-def]
    return line.scope_status not in ("OUT_OF_SCOPE", "NOT_IN_FORCE")


def test_every_aggregate_is_the_decimal_sum_of_its_lines() -> None:
    portfolio = portfolio_report(portfolio_rows())
    lines = portfolio.exposure.lines
    assert len(lines) == 100
    keys = {
        "by_exporter": lambda line: line.exporter_id,
        "by_destination": lambda line: line.regime,
        "by_sector": lambda line: line.sector,
        "by_cn_code": lambda line: line.cn_code,
        "by_year": lambda line: str(line.year),
        "by_exporter_destination_year": lambda line: f"{line.exporter_id} · {line.regime} · {line.year}",
    }
    for name, key in keys.items():
        rows = getattr(portfolio, name)
        expected: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for line in lines:
            if not _priced(line):
                continue
            bucket = expected[key(line)]
            for field in SUMMED:
                value = getattr(line, field.replace("eu_", "").replace("uk_", ""))
                if field.startswith(("eu_", "uk_")) and line.regime.lower() != field[:2]:
                    continue
                bucket[field] += value or Decimal(0)
        assert {row.key for row in rows} == set(expected), name
        for row in rows:
            for field in SUMMED:
                assert getattr(row, field) == expected[row.key][field], (name, row.key, field)
        # and the groups add up to the total, exactly
        for field in SUMMED:
            assert sum((getattr(row, field) for row in rows), Decimal(0)) == getattr(portfolio.total, field), (name, field)
    assert portfolio.total.eu_embedded_emissions_t + portfolio.total.uk_embedded_emissions_t == \
        portfolio.total.embedded_emissions_t


def test_price_sensitivity_and_china_carbon_price_by_hand() -> None:
    """Exporter X: 100 t HRC 2026 Q1 on defaults: 216.995 certificates (§9.4 A); at the scenario
    prices 60 / 75 / 100 / 130 EUR: 13,019.70 / 16,274.63 / 21,699.50 / 28,209.35. Embedded 350.57 t;
    if the CEA scenario price EUR 7.68 were deductible: 350.57 x 7.68 = 2,692.38 off (not deducted:
    the cost stays 16,352.74)."""
    portfolio = portfolio_report([{**HRC, "net_mass_t": "100", "exporter_id": "X", "importer_id": "I"}])
    (row, total) = portfolio.price_sensitivity
    assert row.key == "X" and total.key == "total"
    assert row.cost_eur == {"60": Decimal("13019.70"), "75": Decimal("16274.63"), "100": Decimal("21699.50"),
                            "130": Decimal("28209.35")}
    china = portfolio.china_carbon_price[0]
    assert portfolio.china_carbon_price_eur_per_tco2e == Decimal("7.68")
    assert (china.cost_eur, china.reduction_if_deductible_eur) == (Decimal("16352.74"), Decimal("2692.38"))
    assert portfolio.exposure.lines[0].cost_eur == Decimal("16352.74")  # never deducted by default


def test_exporters_ranked_by_saving_per_tonne_of_verified_data() -> None:
    """A: 100 t HRC ACTUAL 2.00 -> saving 11,346.95 (§9.4 A - C), 113.47 per t.
    B: 50 t HRC ACTUAL 0.30 on route E (SEFA 0.975 x 0.072 = 0.0702): 50 x (0.30 - 0.0702) = 11.49
    certificates x 75.36 = 865.89; on defaults 50 x (3.5057 - 1.33575) = 108.4975 x 75.36 =
    8,176.37; saving 7,310.48, i.e. 146.21 per t. C: defaults only. Ranking: B, A, C."""
    lines = [
        {**HRC, "exporter_id": "A", "importer_id": "I", "net_mass_t": "100", "data_basis": "ACTUAL", "actual_see_t_per_t": "2.00"},
        {**HRC, "exporter_id": "B", "importer_id": "I", "net_mass_t": "50", "data_basis": "ACTUAL", "actual_see_t_per_t": "0.30",
         "production_route": "E"},
        {**HRC, "exporter_id": "C", "importer_id": "I", "net_mass_t": "10"},
    ]
    rows = portfolio_report(lines).data_basis
    assert [r.exporter_id for r in rows] == ["B", "A", "C"]
    assert (rows[0].saving_verified_eur, rows[0].saving_eur_per_t) == (Decimal("7310.48"), Decimal("146.21"))
    assert (rows[1].saving_eur, rows[1].saving_eur_per_t, rows[1].basis) == (Decimal("11346.95"), Decimal("113.47"), "verified")
    assert (rows[2].saving_eur_per_t, rows[2].basis) == (None, "default only")


def test_xlsx_lines_read_like_csv(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    for row in portfolio_rows(20):
        sheet.append([float(row[c]) if c == "net_mass_t" else (int(row[c]) if c == "cn_code" else row[c] or None)
                      for c in COLUMNS])
    path = tmp_path / "p.xlsx"
    workbook.save(path)
    from_xlsx = read_lines(path)
    from_csv = read_lines_csv(EXAMPLE)[:20]
    assert [line.model_dump(exclude={"line_no"}) for line in from_xlsx] == \
        [line.model_dump(exclude={"line_no"}) for line in from_csv]
    sheet.append(["GD-X", "I", "EU", 72083900, "CN", -1, "2026-01-05"])
    workbook.save(path)
    with pytest.raises(LineInputError, match=r"p.xlsx \[Sheet\], line 22, field 'net_mass_t': must not be negative"):
        read_lines(path)
