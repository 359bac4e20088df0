"""EU / UK CBAM exposure of import-line files, and the report files (the use case behind
`carbonlabel cbam` and `carbonlabel cbam-portfolio`; the service's uploads go through the Domain).

Errors are the domain's: tariffs.errors.TariffsError, whose message names the file, line and field.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

REPORT_SUFFIXES = (".pdf", ".xlsx", ".csv", ".json")


def exposure_from_file(
    lines_file: Path,
    *,
    importer: str | None,
    prior_mass_t: Decimal | None,
    projection: bool,
    obligations: bool,
    purchase_plan: dict[str | None, dict[str, int]] | None,
    snapshot: str,
    defaults_table: Path | None = None,
    benchmarks_table: Path | None = None,
) -> Any:
    """The exposure report (tariffs.models.ExposureReport) of a CSV/XLSX of import lines.

    DERIVED lines (bom_ref) are computed on `snapshot`, their BOMs read beside the lines file; the
    Commission's default-value and benchmark tables replace the curated ones when both are given."""
    from tariffs import exposure_report, read_lines

    reference = None
    if defaults_table is not None and benchmarks_table is not None:
        from tariffs.importers import reference_from_commission

        reference = reference_from_commission(defaults_table, benchmarks_table)
    lines = read_lines(lines_file, importer=importer)
    derive = None
    if any(line.data_basis == "DERIVED" for line in lines):
        from tariffs.derived import footprint_deriver

        derive = footprint_deriver(snapshot=snapshot, base_dir=lines_file.resolve().parent, reference=reference)
    return exposure_report(
        lines, importer=importer, prior_mass_t=prior_mass_t, projection=projection, reference=reference,
        derive=derive, obligations=obligations, purchase_plan=purchase_plan,
    )


def portfolio_of(report: Any) -> Any:
    """A trade office's portfolio (aggregates by exporter and destination, sensitivities) of a report."""
    from tariffs.portfolio import portfolio_from_report

    return portfolio_from_report(report)


def key_figures(report: Any) -> dict[str, Any]:
    """Savings of verified over default data, indicative savings, potential cost of exempt lines."""
    from tariffs.report import key_figures as figures

    return figures(report.lines)


def report_file(report: Any, portfolio: Any, suffix: str) -> bytes:
    """The report (or the portfolio, when given) as a .pdf, .xlsx, .csv (lines) or .json file."""
    suffix = suffix.lower()
    if suffix == ".pdf":
        from api.documents.cbam_report import render_cbam_pdf, render_portfolio_pdf

        return render_portfolio_pdf(portfolio) if portfolio is not None else render_cbam_pdf(report)
    if suffix == ".xlsx":
        from tariffs.export import report_xlsx

        return report_xlsx(report, portfolio)
    if suffix == ".csv":
        from tariffs.export import report_csv

        return report_csv(report).encode("utf-8")
    if suffix == ".json":
        document = (portfolio or report).model_dump(mode="json")
        return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
    raise ValueError(f"unknown report format {suffix!r} (use {', '.join(REPORT_SUFFIXES)})")
