"""The curated tables shipped in data/tariffs/ against the Commission's tables (read from the shared
reference folder, never copied), and the importers of the Commission formats."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tariffs import exposure_report
from tariffs.curate import CURATED_PREFIXES
from tariffs.errors import ReferenceDataError, UnknownCNCode
from tariffs.importers import (
    read_benchmarks_column_b,
    read_defaults_2026_1740,
    read_defaults_all_countries,
    reference_from_commission,
)
from tariffs.reference import FALLBACK_TABLE, load_curated

CBAM_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "cbam"
DEFAULTS_2026_1740 = CBAM_DIR / "cbam_default_values_CHN_and_OTHER_2026-1740.csv"
DEFAULTS_ALL = CBAM_DIR / "cbam_defaults_all_countries_v20260204.csv"
BENCHMARKS = CBAM_DIR / "cbam_benchmarks_columnB_IR2025-2620.csv"

pytestmark = pytest.mark.skipif(not CBAM_DIR.is_dir(), reason="shared CBAM reference folder not present")


@pytest.fixture(scope="module")
def curated():
    return load_curated()


@pytest.fixture(scope="module")
def commission_defaults():
    return read_defaults_2026_1740(DEFAULTS_2026_1740)


@pytest.fixture(scope="module")
def commission_benchmarks():
    return read_benchmarks_column_b(BENCHMARKS)


def test_every_curated_default_value_equals_the_commission_table(curated, commission_defaults) -> None:
    compared = 0
    for table, rows in curated.defaults.items():
        for key, row in rows.items():
            official = commission_defaults[table][key]
            assert (row.direct, row.indirect, row.total, row.route) == (
                official.direct, official.indirect, official.total, official.route
            ), f"{row.locator}: {table} {key}"
            assert row.source, f"{row.locator}: no source"
            compared += 1
    # both tables, and every Commission row of the curated headings is shipped
    assert set(curated.defaults) == {"CHN", FALLBACK_TABLE}
    expected = sum(
        1 for table in ("CHN", FALLBACK_TABLE) for key in commission_defaults[table]
        if any(key.startswith(p) or p.startswith(key) for p in CURATED_PREFIXES)
    )
    assert compared == expected and compared > 400


def test_every_curated_benchmark_equals_the_commission_table(curated, commission_benchmarks) -> None:
    for cn8, rows in curated.benchmarks.items():
        ours = sorted((r.value, r.route or "", r.period or "") for r in rows)
        official = sorted((r.value, r.route or "", r.period or "") for r in commission_benchmarks[cn8])
        assert ours == official, cn8
        assert all(r.source for r in rows)
    covered = [cn8 for cn8 in commission_benchmarks if any(cn8.startswith(p) for p in CURATED_PREFIXES)]
    assert sorted(curated.benchmarks) == sorted(covered)


def test_published_spot_values_of_the_reference_note(curated) -> None:
    # reference note §3 and §4.1, read from the annexes: China 7208 3.187 (C); 7601 3.0 (K);
    # Column B 7208 1.370 (C) / 0.481 (D) / 0.072 (E); 7601 1.423 (K) / 0.091 (L); clinker 0.666 (A)
    assert curated.defaults["CHN"]["7208"].total == Decimal("3.187")
    assert curated.defaults["CHN"]["7208"].route == "C"
    assert curated.defaults["CHN"]["7601"].total == Decimal("3.0")
    assert curated.defaults[FALLBACK_TABLE]["7208"].total == Decimal("4.049")
    assert {(r.route, r.value) for r in curated.benchmarks["72083900"]} == {
        ("C", Decimal("1.370")), ("D", Decimal("0.481")), ("E", Decimal("0.072"))
    }
    assert {(r.route, r.value) for r in curated.benchmarks["76011010"]} == {("K", Decimal("1.423")), ("L", Decimal("0.091"))}
    assert {(r.route, r.value) for r in curated.benchmarks["25231000"]} == {("A", Decimal("0.666")), ("B", Decimal("0.859"))}


def test_all_country_workbook_importer_agrees_for_china(commission_defaults) -> None:
    """SOURCES.md: 0 numeric differences for China between the Feb-2026 workbook and 2026/1740
    (the workbook keeps more decimals, e.g. 3.186893 for 7208)."""
    tables = read_defaults_all_countries(DEFAULTS_ALL)
    assert len(tables) == 120  # 119 countries + the fallback table
    china = tables["China"]
    assert china["7208"].total == Decimal("3.186893") and china["7208"].route == "C"
    assert china["2523100090"].total == Decimal("1.39")  # grey clinker told apart by description
    for key, row in commission_defaults["CHN"].items():
        old = china[key]
        if row.total is None:
            assert old.total is None, key
        else:
            assert old.total is not None and round(old.total, 3) == round(row.total, 3), key


def test_importer_rejects_a_malformed_benchmark_line(tmp_path: Path) -> None:
    bad = tmp_path / "bm.csv"
    bad.write_text("CN code;Column B\nIron & Steel;\n72083900;1.370 C\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"bm.csv, line 3"):
        read_benchmarks_column_b(bad)


def test_calculator_runs_on_the_full_commission_tables() -> None:
    reference = reference_from_commission(DEFAULTS_2026_1740, BENCHMARKS)
    line = {"cn_code": "72083900", "country_of_origin": "CN", "net_mass_t": "100", "import_date": "2026-02-15"}
    assert exposure_report([line], reference=reference).lines[0].cost_eur == Decimal("16352.74")
    # pig iron 7201 is outside the curated headings but in the Commission table:
    # China 7201 1.66 x 1.1 = 1.826; SEFA 0.975 x 1.210 = 1.17975; 100 t -> 64.625 certificates
    pig = {**line, "cn_code": "72011011"}
    assert exposure_report([pig], reference=reference).lines[0].certificates == Decimal("64.625")
    with pytest.raises(UnknownCNCode, match="line 1, field 'cn_code'"):
        exposure_report([pig])


def test_cli_reads_the_commission_tables_from_a_path(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from api.cli import app

    lines = tmp_path / "lines.csv"
    lines.write_text("cn_code,country_of_origin,net_mass_t,import_date\n72011011,CN,100,2026-02-15\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["cbam", str(lines), "--json", "--defaults-table", str(DEFAULTS_2026_1740),
                                      "--benchmarks-table", str(BENCHMARKS)])
    assert result.exit_code == 0, result.output
    assert '"certificates": 64.625' in result.stdout  # pig iron, as in the test above
    curated = CliRunner().invoke(app, ["cbam", str(lines)])
    assert curated.exit_code == 2 and "line 2, field 'cn_code'" in curated.output
