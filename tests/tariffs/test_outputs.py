"""CLI `carbonlabel cbam`, the CSV export and the PDF (WeasyPrint) of the exposure report."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.documents.cbam_report import cost_chart_svg, render_cbam_pdf, scenario_costs
from tariffs import exposure_report
from tariffs.export import report_csv

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cbam" / "lines.csv"
HRC = {"cn_code": "72083900", "country_of_origin": "CN", "net_mass_t": "100", "import_date": "2026-02-15"}
runner = CliRunner()


def test_cli_json_has_lines_in_input_order_and_aggregates() -> None:
    result = runner.invoke(app, ["cbam", str(EXAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [line["line_no"] for line in data["lines"]] == list(range(2, 11))
    assert data["lines"][0]["cost_eur"] == 16352.74  # §9.4 case A
    assert set(data) >= {"lines", "aggregates"}


def test_cli_prior_mass_applies_to_the_importer_and_errors_when_ambiguous() -> None:
    # SMALL-TRADER: 20 t in 2026; +31 t prior = 51 t > 50 t -> liable
    result = runner.invoke(app, ["cbam", str(EXAMPLE), "--importer", "SMALL-TRADER", "--prior-mass-t", "31", "--json"])
    assert result.exit_code == 0, result.output
    small = [line for line in json.loads(result.stdout)["lines"] if line["importer_id"] == "SMALL-TRADER"]
    assert small[0]["scope_status"] == "IN_SCOPE"
    ambiguous = runner.invoke(app, ["cbam", str(EXAMPLE), "--prior-mass-t", "31"])
    assert ambiguous.exit_code == 2 and "needs --importer" in ambiguous.output


def test_cli_bad_line_exits_with_the_locator(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("cn_code,country_of_origin,net_mass_t,import_date\n72083900,CN,100,2026-02-30\n", encoding="utf-8")
    result = runner.invoke(app, ["cbam", str(bad)])
    assert result.exit_code == 2
    assert "bad.csv, line 2, field 'import_date'" in result.output


def test_csv_export_writes_missing_as_empty_cells_not_zero() -> None:
    report = exposure_report([HRC, {**HRC, "cn_code": "84181020"}], importer="IMP")
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert rows[0]["cost_eur"] == "16352.74" and rows[0]["sefa"] == "1.33575"
    assert rows[1]["scope_status"] == "OUT_OF_SCOPE" and rows[1]["see"] == "" and rows[1]["certificates"] == "0"


def test_scenario_chart_costs_and_svg() -> None:
    report = exposure_report([{**HRC, "certificate_price_eur": "75.36"}], importer="IMP", projection=True)
    rows = dict((year, (certs, costs)) for year, certs, costs in scenario_costs(report))
    # 2034: no free allocation, 414.31 certificates; at 130 EUR/t -> 53860.30
    assert rows[2034][0] == Decimal("414.31") and rows[2034][1][3] == Decimal("414.31") * 130
    svg = str(cost_chart_svg(report))
    assert svg.startswith("<svg") and svg.count("<rect") == 9 * 4 + 4  # bars + legend swatches
    assert "<script" not in svg


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_renders_tables_chart_and_versions(tmp_path: Path) -> None:
    report = exposure_report([HRC, {**HRC, "data_basis": "ACTUAL", "actual_see_t_per_t": "2.00"}], importer="IMP")
    pdf = render_cbam_pdf(report)
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("Carbon-tariff exposure", "16,352.74", "EU cost per year under certificate price scenarios",
                     "130 EUR/t CO2e", "SEFA_ESTIMATED", "eu-cbam-params-", "eu_default_values.csv#"):
        assert expected in text, expected
