"""`carbonlabel cbam LINES.csv ...`: EU / UK CBAM exposure of import lines (JSON, CSV or PDF)."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

import typer


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def _summary(report) -> list[str]:  # type: ignore[no-untyped-def]
    out = []
    for line in report.lines:
        if line.regime == "UK":
            money = f"GBP {line.cost_gbp}" if line.cost_gbp is not None else "GBP missing"
        else:
            money = f"EUR {line.cost_eur}" if line.cost_eur is not None else "EUR missing"
        flags = f"  [{', '.join(line.flags)}]" if line.flags else ""
        out.append(
            f"line {line.line_no:>4}  {line.import_date}  {line.cn_code:<10} {line.scope_status:<19} "
            f"{line.data_basis:<8} certificates {str(line.certificates) if line.certificates is not None else '-':>12}  {money}{flags}"
        )
    total = report.aggregates.total
    out.append(f"total: {total.certificates} certificates, EUR {total.cost_eur}" + (f", GBP {total.cost_gbp}" if total.cost_gbp else ""))
    from api.usecases.cbam_reports import key_figures

    figures = key_figures(report)
    if figures["saving_verified_eur"] is not None:
        out.append(f"saving of verified actual over default data: EUR {figures['saving_verified_eur']}")
    if figures["saving_indicative_eur"] is not None:
        out.append(f"indicative saving of DERIVED values (not declarable): EUR {figures['saving_indicative_eur']}")
    if figures["exempt_potential_cost_eur"] is not None:
        out.append(f"potential cost of exempt lines (not owed): EUR {figures['exempt_potential_cost_eur']}")
    for status in report.aggregates.thresholds:
        out.append(f"threshold {status.regime} {status.importer_id or '(no importer)'} {status.year}: "
                   f"{status.counted} + {status.prior} {status.unit} vs {status.threshold} -> {status.status}")
    return out


def _read_purchase_plan(path: Path) -> dict[str | None, dict[str, int]]:
    """CSV with importer_id, month (YYYY-MM), certificates: what each importer plans to buy."""
    import csv

    plan: dict[str | None, dict[str, int]] = {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        _fail(f"{path.name}: cannot read file: {exc.strerror}")
        raise
    reader = csv.DictReader(text.splitlines())
    for needed in ("importer_id", "month", "certificates"):
        if needed not in (reader.fieldnames or []):
            _fail(f"{path.name}, line 1: missing column {needed!r} (columns: importer_id, month, certificates)")
    for record in reader:
        where = f"{path.name}, line {reader.line_num}"
        try:
            count = int(str(record["certificates"]).strip())
        except ValueError:
            _fail(f"{where}, field 'certificates': not a whole number (value: {record['certificates']!r})")
            raise
        importer = (record["importer_id"] or "").strip() or None
        month = str(record["month"]).strip()
        plan.setdefault(importer, {})
        plan[importer][month] = plan[importer].get(month, 0) + count
    return plan


def cbam(
    lines_csv: Path = typer.Argument(..., help="CSV or XLSX of import lines (reference note §9.1 columns + importer_id, exporter_id, regime, customs_value_gbp, bom_ref)."),
    importer: str | None = typer.Option(None, "--importer", help="Importer for lines without importer_id."),
    prior_mass_t: str | None = typer.Option(None, "--prior-mass-t", help="Net mass (t) of CBAM goods the importer already imported in the year of its lines."),
    projection: bool = typer.Option(False, "--projection", help="Repeat each line's volume every year 2026-2034."),
    obligations: bool = typer.Option(False, "--obligations", help="Add the EU importers' quarterly holding, purchases, surrenders and monthly cash flow."),
    purchases: Path | None = typer.Option(None, "--purchases", help="CSV (importer_id, month, certificates) of planned purchases: shortfalls are flagged (implies --obligations)."),
    portfolio: bool = typer.Option(False, "--portfolio", help="Trade-office portfolio: aggregates by exporter and destination, price / data / China carbon price sensitivities."),
    as_json: bool = typer.Option(False, "--json", help="Write the report as JSON to stdout."),
    out: Path | None = typer.Option(None, "--out", help="Write the report to a file: .pdf, .xlsx, .csv (lines) or .json."),
    snapshot: str = typer.Option("default", "--snapshot", help="Footprint snapshot for DERIVED lines (bom_ref)."),
    defaults_table: Path | None = typer.Option(None, "--defaults-table", help="Commission default-value table (2026/1740 CSV format) instead of the curated one."),
    benchmarks_table: Path | None = typer.Option(None, "--benchmarks-table", help="Commission Column B benchmark table instead of the curated one (with --defaults-table)."),
) -> None:
    """EU CBAM (definitive period) and UK CBAM exposure of import lines."""
    from api.usecases import cbam_reports
    from tariffs.errors import TariffsError

    prior: Decimal | None = None
    if prior_mass_t is not None:
        try:
            prior = Decimal(prior_mass_t)
        except InvalidOperation:
            _fail(f"--prior-mass-t: not a number (value: {prior_mass_t!r})")
            return
    if (defaults_table is None) != (benchmarks_table is None):
        _fail("--defaults-table and --benchmarks-table go together")
        return
    plan = _read_purchase_plan(purchases) if purchases is not None else None
    try:
        report = cbam_reports.exposure_from_file(
            lines_csv, importer=importer, prior_mass_t=prior, projection=projection, obligations=obligations,
            purchase_plan=plan, snapshot=snapshot, defaults_table=defaults_table, benchmarks_table=benchmarks_table,
        )
    except TariffsError as exc:
        _fail(str(exc))
        return
    book = cbam_reports.portfolio_of(report) if portfolio else None
    document = (book or report).model_dump(mode="json")
    if out is not None:
        if out.suffix.lower() not in cbam_reports.REPORT_SUFFIXES:
            _fail(f"--out: unknown report format {out.suffix!r} (use .pdf, .xlsx, .csv or .json)")
            return
        out.write_bytes(cbam_reports.report_file(report, book, out.suffix))
        typer.echo(f"wrote {out}", err=True)
    if as_json:
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
    elif out is None:
        for text in _summary(report):
            typer.echo(text)


def cbam_portfolio(
    lines_file: Path = typer.Argument(..., help="CSV or XLSX of many exporters' import lines (with exporter_id)."),
    obligations: bool = typer.Option(False, "--obligations", help="Add the EU importers' obligations over time."),
    projection: bool = typer.Option(False, "--projection", help="Repeat each line's volume every year 2026-2034."),
    as_json: bool = typer.Option(False, "--json", help="Write the portfolio as JSON to stdout."),
    out: Path | None = typer.Option(None, "--out", help="Write the portfolio to a file: .pdf, .xlsx, .csv (lines) or .json."),
    snapshot: str = typer.Option("default", "--snapshot", help="Footprint snapshot for DERIVED lines (bom_ref)."),
) -> None:
    """A trade office's portfolio: `carbonlabel cbam FILE --portfolio`."""
    cbam(lines_file, importer=None, prior_mass_t=None, projection=projection, obligations=obligations, purchases=None,
         portfolio=True, as_json=as_json, out=out, snapshot=snapshot, defaults_table=None, benchmarks_table=None)


def register(app: typer.Typer) -> None:
    app.command("cbam")(cbam)
    app.command("cbam-portfolio")(cbam_portfolio)
