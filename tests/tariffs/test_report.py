"""Report-level behaviour: prior mass, projection, aggregates, UK CBAM, JSON shape, CSV input."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tariffs import exposure_report, read_lines_csv
from tariffs.params import shipped_parameters

HRC = {"cn_code": "72083900", "country_of_origin": "CN", "import_date": "2026-02-15"}
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cbam" / "lines.csv"


def test_prior_mass_pushes_the_importer_over_the_threshold() -> None:
    lines = [{**HRC, "net_mass_t": "40"}]
    assert exposure_report(lines, importer="IMP").lines[0].scope_status == "EXEMPT_DE_MINIMIS"
    # 40 t + 10.5 t already imported this year = 50.5 t > 50 t
    report = exposure_report(lines, importer="IMP", prior_mass_t=Decimal("10.5"))
    assert report.lines[0].scope_status == "IN_SCOPE"
    assert report.lines[0].certificates == Decimal("86.798")  # 40 x (3.5057 - 1.33575)
    threshold = report.aggregates.thresholds[0]
    assert (threshold.counted, threshold.prior, threshold.status) == (Decimal(40), Decimal("10.5"), "LIABLE")
    # prior mass of exactly 10 t: 50 t, still exempt
    assert exposure_report(lines, importer="IMP", prior_mass_t=Decimal(10)).lines[0].scope_status == "EXEMPT_DE_MINIMIS"


def test_de_minimis_is_per_importer() -> None:
    lines = [{**HRC, "net_mass_t": "40", "importer_id": "A"}, {**HRC, "net_mass_t": "40", "importer_id": "B"}]
    assert [r.scope_status for r in exposure_report(lines).lines] == ["EXEMPT_DE_MINIMIS"] * 2


def test_projection_repeats_volume_2026_to_2034_at_constant_price() -> None:
    """Reference note §9.4 default-path trajectory at a constant 75.36 EUR/t (EUR per t HRC):
    2026 163.53 · 2027 190.13 · 2028 219.31 · 2029 232.21 · 2030 259.05 · 2031 271.96 ·
    2032 284.86 · 2033 297.77 · 2034 312.22. E.g. 2027: 3.187 x 1.2 - 0.95 x 1.370 = 2.5229 t/t
    x 75.36 = 190.13; 2034: 3.187 x 1.3 = 4.1431 x 75.36 = 312.22."""
    line = {**HRC, "net_mass_t": "100", "certificate_price_eur": "75.36"}
    report = exposure_report([line], importer="IMP", projection=True)
    assert [r.year for r in report.lines] == list(range(2026, 2035))
    per_t = [r.cost_eur_per_t_good for r in report.lines]
    expected = ["163.53", "190.13", "219.31", "232.21", "259.05", "271.96", "284.86", "297.77", "312.22"]
    assert per_t == [Decimal(v) for v in expected]
    assert [a.key for a in report.aggregates.by_year] == [str(y) for y in range(2026, 2035)]


def test_projection_of_actual_data_shows_the_saving_every_year() -> None:
    line = {**HRC, "net_mass_t": "100", "data_basis": "ACTUAL", "actual_see_t_per_t": "2.00", "certificate_price_eur": "75.36"}
    report = exposure_report([line], importer="IMP", projection=True)
    savings = {r.year: r.saving_eur for r in report.lines}
    # §9.4: saving about 113.5 EUR/t in 2026 (A - C = 11346.95) and 161.5 EUR/t in 2030 (B - D)
    assert savings[2026] == Decimal("11346.95")
    assert savings[2030] == Decimal("25905.38") - Decimal("9754.98")
    assert report.aggregates.total.saving_eur == sum(savings.values())


def test_aggregates_by_sector_and_cn_do_not_net_across_goods() -> None:
    # an EAF line with a tiny SEE would be negative before the floor: it must not offset the other line
    lines = [
        {**HRC, "net_mass_t": "100"},
        {**HRC, "net_mass_t": "100", "data_basis": "ACTUAL", "actual_see_t_per_t": "0.01", "actual_sefa_t_per_t": "1.0"},
    ]
    report = exposure_report(lines, importer="IMP")
    assert report.lines[1].certificates == 0
    assert report.aggregates.total.certificates == Decimal("216.995")
    sectors = {row.key: row for row in report.aggregates.by_sector}
    assert sectors["iron_steel"].lines == 2 and sectors["iron_steel"].cost_eur == Decimal("16352.74")


def test_uk_vector_by_hand() -> None:
    """UK CBAM, 100 t HRC from China imported 15 Mar 2027, no verified data:
    EU default 3.187 t/t without EU mark-up (UK defaults unpublished) -> 318.7 t CO2e;
    scenario rate GBP 46/t -> 318.7 x 46 = GBP 14,660.20 (146.60 per t). Customs value
    GBP 60,000 >= GBP 50,000 -> liable."""
    assert shipped_parameters("UK").parameters["sector_rate_gbp_per_tco2e"].values[0].value["iron_steel"] == 46
    line = {**HRC, "net_mass_t": "100", "import_date": "2027-03-15", "regime": "UK", "customs_value_gbp": "60000"}
    result = exposure_report([line], importer="IMP").lines[0]
    assert result.embedded_emissions_t == Decimal("318.7")
    assert result.cost_gbp == Decimal("14660.20") and result.cost_gbp_per_t_good == Decimal("146.60")
    assert result.cost_eur is None and result.certificates is None
    assert set(result.flags) == {"UK_DEFAULTS_UNAVAILABLE", "PRICE_SCENARIO"}


def test_uk_threshold_and_start_date() -> None:
    small = {**HRC, "net_mass_t": "100", "import_date": "2027-03-15", "regime": "UK", "customs_value_gbp": "49999.99"}
    result = exposure_report([small], importer="IMP").lines[0]
    assert result.scope_status == "EXEMPT_UK_THRESHOLD" and result.cost_gbp == 0
    assert result.potential_cost_gbp == Decimal("14660.20")
    unknown = exposure_report([{**small, "customs_value_gbp": None}], importer="IMP")
    assert unknown.aggregates.thresholds[0].status == "UNKNOWN"
    assert unknown.lines[0].cost_gbp == Decimal("14660.20")
    before = exposure_report([{**small, "import_date": "2026-12-31"}], importer="IMP").lines[0]
    assert before.scope_status == "NOT_IN_FORCE"


def test_uk_actual_data_saving() -> None:
    # verified 2.0 t/t: 200 x 46 = 9200; default 14660.20; saving 5460.20
    line = {**HRC, "net_mass_t": "100", "import_date": "2027-03-15", "regime": "UK", "customs_value_gbp": "60000",
            "data_basis": "ACTUAL", "actual_see_t_per_t": "2.0"}
    result = exposure_report([line], importer="IMP").lines[0]
    assert (result.cost_gbp, result.saving_gbp) == (Decimal("9200.00"), Decimal("5460.20"))
    assert "UK_DEFAULTS_UNAVAILABLE" not in result.flags


def test_json_shape_keeps_input_order_and_reference_field_names() -> None:
    lines = [{**HRC, "net_mass_t": "60"}, {**HRC, "cn_code": "84181020", "net_mass_t": "5"}, {**HRC, "cn_code": "76011010", "net_mass_t": "1"}]
    data = exposure_report(lines, importer="IMP").model_dump(mode="json")
    assert [line["line_no"] for line in data["lines"]] == [1, 2, 3]
    for name in ("scope_status", "data_basis", "default_source_table", "markup", "see", "embedded_emissions_t",
                 "benchmark_column", "benchmark_value", "route", "cbam_factor", "cscf", "sefa", "faa_t",
                 "carbon_price_reduction_t", "certificates", "price_eur", "cost_eur", "cost_eur_per_t_good", "flags"):
        assert name in data["lines"][0]
    assert isinstance(data["lines"][0]["cost_eur"], float)
    assert set(data["aggregates"]) == {"by_importer", "by_year", "by_cn_code", "by_sector", "thresholds", "total"}
    assert data["data_versions"]["eu_parameters"].startswith("eu-cbam-params-")


def test_example_csv_reads() -> None:
    lines = read_lines_csv(EXAMPLE)
    assert lines and lines[0].line_no == 2
    report = exposure_report(lines, importer="GZ-IMPORTER-1")
    assert len(report.lines) == len(lines)
