"""What people see: the PDF (its text layer, read with pdftotext) and the XLSX of reports and portfolios.

Covers the eight findings of issue 15 ("What was found in the report") and the compact layout."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from api.cli import app
from api.cli.commands.tariffs import _summary as cli_summary
from api.documents.cbam_report import render_cbam_pdf, render_portfolio_pdf
from footprint.bom import validate_bom
from tariffs import exposure_report
from tariffs.derived import LineFootprint, derive_see
from tariffs.export import report_xlsx
from tariffs.params import shipped_parameters
from tariffs.portfolio import portfolio_report
from tariffs.reference import shipped_reference
from tests.tariffs.portfolio_lines import portfolio_rows
from tests.tariffs.test_derived import LINE as DERIVED_LINE
from tests.tariffs.test_derived import _fake_deriver

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
HRC = {"cn_code": "72083900", "country_of_origin": "CN", "import_date": "2026-02-15"}
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cbam"


def _text(pdf: bytes, tmp_path: Path, first: int | None = None, last: int | None = None) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    return subprocess.run(["pdftotext", "-layout", *pages, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _pages(pdf: bytes, tmp_path: Path) -> list[str]:
    return _text(pdf, tmp_path).split("\f")[:-1]


def test_threshold_masses_show_every_decimal_and_exempt_lines_their_potential_cost(tmp_path: Path) -> None:
    """Findings 1 and 2. Importer LIABLE-CO: 50.001 t (> 50 t: liable); EXEMPT-CO: 49.999 t (exempt).
    EXEMPT-CO's potential: 49.999 x (3.5057 - 1.33575) = 108.49533005 certificates x 75.36 = 8,176.21."""
    lines = [{**HRC, "importer_id": "LIABLE-CO", "net_mass_t": "50.001"},
             {**HRC, "importer_id": "EXEMPT-CO", "net_mass_t": "49.999"}]
    report = exposure_report(lines)
    assert [t.status for t in report.aggregates.thresholds] == ["EXEMPT", "LIABLE"]
    text = _text(render_cbam_pdf(report), tmp_path)
    assert "50.001 t" in text and "49.999 t" in text and "50.00 t" not in text
    assert report.lines[1].potential_cost_eur == Decimal("8176.21")
    assert "€8,176.21" in text  # the potential column of the exempt line
    assert "EUR 8,176.21 potential on exempt lines (not owed)" in text


def test_header_names_the_lines_importers_not_the_unused_argument(tmp_path: Path) -> None:
    """Finding 3: --importer only fills lines without importer_id; here every line has its own."""
    lines = [{**HRC, "importer_id": "IMP-A", "net_mass_t": "60"}, {**HRC, "importer_id": "IMP-B", "net_mass_t": "60"}]
    report = exposure_report(lines, importer="UNUSED-ARG")
    assert report.generated_for is None
    first_page = _text(render_cbam_pdf(report), tmp_path, 1, 1)
    assert "2 importers: IMP-A, IMP-B" in first_page and "UNUSED-ARG" not in first_page
    used = exposure_report([{**HRC, "net_mass_t": "60"}], importer="USED-ARG")
    assert used.generated_for == "USED-ARG"
    assert "Importer: USED-ARG" in _text(render_cbam_pdf(used), tmp_path, 1, 1)


def test_eu_and_uk_embedded_emissions_are_not_added(tmp_path: Path) -> None:
    """Finding 4: 100 t HRC to the EU in 2027 = 100 x 3.187 x 1.2 = 382.44 t (with mark-up); to the UK
    100 x 3.187 = 318.7 t (no EU mark-up). The headline shows both apart, never 701.14."""
    lines = [{**HRC, "importer_id": "EU1", "net_mass_t": "100", "import_date": "2027-03-15"},
             {**HRC, "importer_id": "UK1", "regime": "UK", "net_mass_t": "100", "import_date": "2027-03-15",
              "customs_value_gbp": "60000"}]
    report = exposure_report(lines)
    total = report.aggregates.total
    assert (total.eu_embedded_emissions_t, total.uk_embedded_emissions_t) == (Decimal("382.44"), Decimal("318.7"))
    first_page = _text(render_cbam_pdf(report), tmp_path, 1, 1)
    assert "382.440" in first_page and "318.700" in first_page and "701.140" not in first_page


def test_derived_only_file_shows_no_actual_data_saving(tmp_path: Path) -> None:
    """Finding 5: every line DERIVED (indicative) -> no "saving of actual over default data"; the
    indicative saving (16,188.95, tests/tariffs/test_derived.py) is marked not declarable."""
    report = exposure_report([DERIVED_LINE], importer="IMP", derive=_fake_deriver())
    text = _text(render_cbam_pdf(report), tmp_path)
    assert "actual over default" not in text and "Saving of verified" not in text
    assert "Indicative saving of DERIVED values" in text and "EUR 16,188.95" in text
    assert "not declarable" in text
    summary = "\n".join(cli_summary(report))  # the CLI's plain summary says the same
    assert "actual over default" not in summary
    assert "indicative saving of DERIVED values (not declarable): EUR 16188.95" in summary


def test_ten_line_projection_is_compact_and_importer_ids_stay_whole(tmp_path: Path) -> None:
    """Finding 6: the example's nine lines plus one, projected 2026-2034 (90 rows): was 12 pages;
    now at most 7, each importer id on one text line (never wrapped mid-word)."""
    rows = (EXAMPLES / "lines.csv").read_text(encoding="utf-8").splitlines()
    rows.append("GZ-IMPORTER-1,EU,72083900,CN,40,2026-11-15,DEFAULT,,,,,,,")
    (tmp_path / "ten.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    from tariffs import read_lines_csv

    report = exposure_report(read_lines_csv(tmp_path / "ten.csv"), projection=True)
    assert len(report.lines) == 90
    pages = _pages(render_cbam_pdf(report), tmp_path)
    assert len(pages) <= 7
    text = "\n".join(pages)
    line_rows = [row for row in text.splitlines() if re.match(r"\s*\d+ ", row) and ("€" in row or "£" in row)]
    assert len(line_rows) == 90  # one text line per row: nothing wrapped
    assert sum(row.count("GZ-IMPORTER-1") for row in line_rows) == 72
    assert "GZ-IMPORTER-\n" not in text


def test_uk_exemption_has_its_own_flag(tmp_path: Path) -> None:
    """Finding 7: the UK threshold is by customs value; DE_MINIMIS_EXEMPT is the EU 50 t term."""
    line = {**HRC, "net_mass_t": "100", "import_date": "2027-03-15", "regime": "UK", "customs_value_gbp": "49999.99"}
    report = exposure_report([line], importer="IMP")
    assert "UK_THRESHOLD_EXEMPT" in report.lines[0].flags and "DE_MINIMIS_EXEMPT" not in report.lines[0].flags
    text = _text(render_cbam_pdf(report), tmp_path)
    assert "UK_THRESHOLD_EXEMPT" in text and "DE_MINIMIS_EXEMPT" not in text
    assert "£14,660.20" in text  # the potential liability beside the 0 owed


def test_derived_embedded_emissions_use_the_unrounded_intensity() -> None:
    """Finding 8: a process line of 1000/3 kg CO2e per t: SEE 0.3333333333333333 t/t, shown as
    0.333333; 60 t -> 20 t CO2e (from the rounded value it would be 19.99998, 2e-5 t off)."""
    bom = validate_bom({
        "schema_version": "1",
        "product": {"id": "h", "name": "Hydrogen", "category": "gas", "declared_unit": {"unit": "t", "amount": 1},
                    "cn_code": "28041000", "boundary": "cradle-to-gate",
                    "reference_period": {"start": "2025-01-01", "end": "2025-12-31"}, "site_region": "CN-GD"},
        "lines": [{"line_id": "smr", "name": "reformer", "quantity": 1, "unit": "kg", "stage": "manufacturing",
                   "data_type": "primary", "supplier_pcf": {"kgco2e_per_unit": 1}, "cbam_role": "process"}],
    })
    footprint = {"smr": LineFootprint(1000 / 3, 1, "kg")}

    def derive(line, entry):  # type: ignore[no-untyped-def]
        return derive_see(bom, footprint, "h.json", line, entry, shipped_reference(), shipped_parameters("EU"))

    line = {**DERIVED_LINE, "cn_code": "28041000", "bom_ref": "h.json"}
    result = exposure_report([line], importer="IMP", derive=derive).lines[0]
    assert result.see == Decimal("0.333333")
    assert result.embedded_emissions_t == Decimal("20")
    assert "see_exact_t_per_t" not in json.dumps(result.model_dump(mode="json"))


def test_hundred_line_portfolio_pdf_summary_on_two_pages_then_detail(tmp_path: Path) -> None:
    """The first two pages carry the summary (key figures, scenarios, destinations, exporters with
    their sensitivities); the detail starts on page 3; the lines table repeats its header on every
    page and no row is split (each row is one text line with its currency sign)."""
    portfolio = portfolio_report(portfolio_rows(), obligations=True)
    pdf = render_portfolio_pdf(portfolio)
    pages = _pages(pdf, tmp_path)
    assert len(pages) >= 3
    summary = pages[0] + pages[1]
    for expected in ("Carbon-tariff exposure portfolio", "12 exporters", "EU cost per year under certificate price scenarios",
                     "By destination", "Exporters: cost, price sensitivity, data basis, China carbon price",
                     "Who gains most from verified actual data", "Obligations over time (EU)",
                     f"{portfolio.total.cost_eur:,.2f}", "GD-EXPORTER-12", "not deducted"):
        assert expected in summary, expected
    assert pages[2].lstrip().startswith("Detail — thresholds")
    line_pages = [page for page in pages if "Lines (input order)" in page or ("Potential" in page and "SEE t/t" in page)]
    lines_seen = 0
    for page in pages[pages.index(line_pages[0]):]:
        rows = [row for row in page.splitlines() if " GD-EXPORTER-" in row and ("€" in row or "£" in row)]
        if rows:
            assert "SEE t/t" in page  # header repeated
        lines_seen += len(rows)
    assert lines_seen == 100
    rendered = tmp_path / "pages"
    rendered.mkdir()
    (rendered / "p.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "2", str(rendered / "p.pdf"), str(rendered / "p")], check=True)
    assert len(list(rendered.glob("p-*.png"))) == 2


def test_xlsx_carries_the_same_numbers(tmp_path: Path) -> None:
    portfolio = portfolio_report(portfolio_rows(), obligations=True)
    workbook = load_workbook(io.BytesIO(report_xlsx(portfolio.exposure, portfolio)))
    sheet = workbook["by_exporter"]
    header = [cell.value for cell in sheet[1]]
    cost = {row[0]: row[header.index("cost_eur")] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert cost == {row.key: float(row.cost_eur) for row in portfolio.by_exporter}
    sensitivity = workbook["price_sensitivity"]
    header = [cell.value for cell in sensitivity[1]]
    total = [row for row in sensitivity.iter_rows(min_row=2, values_only=True) if row[0] == "total"][0]
    assert total[header.index("cost_eur_at_130")] == float(portfolio.price_sensitivity[-1].cost_eur["130"])
    lines = workbook["lines"]
    header = [cell.value for cell in lines[1]]
    assert [row[header.index("cost_eur")] for row in lines.iter_rows(min_row=2, values_only=True)] == \
        [float(line.cost_eur) if line.cost_eur is not None else None for line in portfolio.exposure.lines]
    monthly = workbook["monthly_cash"]
    last = list(monthly.iter_rows(min_row=2, values_only=True))[-1]
    assert last[[c.value for c in monthly[1]].index("cumulative_eur_at_75")] == \
        float(portfolio.exposure.obligations.monthly[-1].cumulative_eur["75"])


def test_cli_portfolio_xlsx_and_pdf(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "p.xlsx"
    result = runner.invoke(app, ["cbam-portfolio", str(EXAMPLES / "portfolio.csv"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "by_exporter" in load_workbook(out).sheetnames
    result = runner.invoke(app, ["cbam", str(EXAMPLES / "portfolio.csv"), "--portfolio", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["by_exporter"]) == 12 and len(data["exposure"]["lines"]) == 100
    plan = tmp_path / "plan.csv"
    plan.write_text("importer_id,month,certificates\nGZ-IMPORTER-1,2027-03,10\n", encoding="utf-8")
    result = runner.invoke(app, ["cbam", str(EXAMPLES / "lines.csv"), "--purchases", str(plan), "--json"])
    assert result.exit_code == 0, result.output
    obligations = json.loads(result.stdout)["obligations"]
    assert obligations["importers"][0]["purchases"][0]["certificates"] >= 1
