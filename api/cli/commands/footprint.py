"""`carbonlabel footprint` and `carbonlabel footprint-batch`."""

from __future__ import annotations

from pathlib import Path

import typer

from api.cli.commands.db import SNAPSHOT_HELP, _fail

ELECTRICITY_CHOICES = ("location", "market")


def footprint(
    file: Path = typer.Argument(..., help="BOM: .json, .csv (with --product) or .xlsx"),
    product: Path | None = typer.Option(None, "--product", help="Product JSON for a CSV BOM."),
    snapshot: str = typer.Option("default", "--snapshot", help=SNAPSHOT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Write the full result as JSON (the input of `grade`)."),
    monte_carlo: int | None = typer.Option(None, "--monte-carlo", help="Monte Carlo iterations."),
    seed: int = typer.Option(0, "--seed", help="Seed of the Monte Carlo sampling."),
    electricity: str = typer.Option("location", "--electricity", help="location | market"),
    scenario: str | None = typer.Option(None, "--scenario", help="A scenario overlay of the snapshot."),
    method: str = typer.Option("AR6", "--method", help="AR6 | AR5"),
    linking_report: Path | None = typer.Option(
        None, "--linking-report", help="Where to write the linking report (.json, .csv or .xlsx) if lines do not link."
    ),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Monte Carlo on Dask: 'local' (a LocalCluster on 127.0.0.1) or a scheduler ADDRESS."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Workers of --scheduler local."),
    net_credits: str | None = typer.Option(
        None, "--net-credits", help="Net recycling credits and avoided burdens into the total, citing the product "
        "rule that requires it (default: cut-off, credits reported beside the total).",
    ),
    samples: bool = typer.Option(False, "--samples", help="Include every Monte Carlo draw in the JSON result."),
) -> None:
    """The product carbon footprint per declared unit (ISO 14067 / GB/T 24067-2024)."""
    from api.usecases import footprints
    from api.usecases.footprints import SchedulerError
    from footprint.errors import FootprintError, UnlinkedLines
    from lcidb.errors import LcidbError

    if electricity not in ELECTRICITY_CHOICES:
        _fail(f"--electricity {electricity!r}: use location or market")
    try:
        result = footprints.compute_file(
            file, product, snapshot, method=method, electricity=electricity,
            scenario=scenario, monte_carlo=monte_carlo, seed=seed, net_credits_rule=net_credits, samples=samples,
            scheduler=scheduler, workers=workers,
        )
    except UnlinkedLines as exc:
        if linking_report is not None:
            footprints.write_linking_report(exc.report, linking_report)
            typer.echo(f"linking report written to {linking_report}", err=True)
        elif as_json:
            typer.echo(footprints.linking_report_json(exc.report))
        typer.echo(f"error: {exc}", err=True)
        typer.echo("the footprint is not complete: fill in factor_id in the linking report and re-submit", err=True)
        raise typer.Exit(code=3) from None
    except (FootprintError, LcidbError, OSError, SchedulerError) as exc:
        _fail(str(exc))
        return
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    _print_summary(result)


def _print_summary(result: object) -> None:
    from footprint.result import FootprintResult

    assert isinstance(result, FootprintResult)
    unit = f"{result.declared_unit.amount:g} {result.declared_unit.unit}"
    typer.echo(f"{result.product_name} ({result.product_id}), {result.boundary}, per {unit}")
    typer.echo(f"  total            {result.total_kgco2e:.6g} kg CO2e  [{result.standard}]")
    if result.headline and ": " in result.headline:  # the GWP set named only for the part it covers
        typer.echo(f"  GWP100           {result.headline.split(': ', 1)[1].replace('GWP100 ', '')}")
    else:
        typer.echo(f"  GWP100           {result.method}")
    typer.echo(f"  fossil           {result.fossil_kgco2e:.6g}")
    typer.echo(f"  biogenic         {result.biogenic_kgco2e:.6g}   uptake {result.biogenic_uptake_kgco2e:.6g}")
    luc = result.land_use_change_kgco2e
    typer.echo(f"  land-use change  {'not assessed' if luc is None else f'{luc:.6g}'}")
    typer.echo(f"  aggregated CO2e  {result.co2e_unsplit_kgco2e:.6g}  ({result.co2e_unsplit_share:.1%} of total)")
    if result.credits is not None and result.credits.total_kgco2e:
        c = result.credits
        where = "netted in the total" if c.in_total else "not in the total"
        typer.echo(f"  credits          {c.total_kgco2e:.6g} ({c.approach}, {where}; with credits"
                   f" {c.total_with_credits_kgco2e:.6g})")
    if result.uncertainty:
        u = result.uncertainty
        typer.echo(f"  Monte Carlo      mean {u.mean:.6g}, median {u.median:.6g}, 95 % [{u.p2_5:.6g}, {u.p97_5:.6g}]"
                   f" ({u.iterations} iterations, seed {u.seed})")
    typer.echo("  by stage:")
    for stage, value in sorted(result.by_stage.items(), key=lambda kv: -abs(kv[1])):
        typer.echo(f"    {stage:<16} {value:.6g}")
    typer.echo("  by line:")
    for line in sorted(result.lines, key=lambda c: -abs(c.kgco2e)):
        typer.echo(f"    {line.line_id:<16} {line.kgco2e:.6g}  {line.share:6.1%}  {line.name}")
    if result.hotspots:
        typer.echo("  hotspots (emissions occurring in background processes):")
        for hot in result.hotspots[:5]:
            typer.echo(f"    {hot.activity_id:<32} {hot.kgco2e:.6g}  {hot.share:6.1%}")
    dqr = result.dqr
    if dqr:
        typer.echo(f"  DQR (emission-weighted): technological {dqr.technological:.2f}, temporal {dqr.temporal:.2f},"
                   f" geographical {dqr.geographical:.2f}")
    typer.echo(f"  primary data share {result.primary_data_share:.1%}, unverified share {result.unverified_share:.2%},"
               f" exclusions {result.exclusions_total_share:.1%}")
    typer.echo(f"  electricity: {result.electricity.method}-based, {result.electricity.kgco2e:.6g} kg CO2e")
    p = result.provenance
    typer.echo(f"  snapshot {p.snapshot_name}@{p.snapshot_hash}, code {p.code_version}, input {p.input_hash[:16]}")


def footprint_batch(
    boms: Path = typer.Argument(..., help="One JSON BOM per line (JSONL)."),
    out: Path = typer.Option(..., "--out", help="Results, one JSON object per line."),
    snapshot: str = typer.Option("default", "--snapshot", help=SNAPSHOT_HELP),
    hotspots: bool = typer.Option(False, "--hotspots", help="Add background hotspots (one forward solve per BOM)."),
    method: str = typer.Option("AR6", "--method", help="AR6 | AR5"),
    electricity: str = typer.Option("location", "--electricity", help="location | market"),
    scenario: str | None = typer.Option(None, "--scenario", help="A scenario overlay of the snapshot."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask: 'local' starts a LocalCluster on 127.0.0.1, or a scheduler ADDRESS."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Workers of --scheduler local."),
    jobs: int | None = typer.Option(None, "--jobs", min=1, help="Processes without --scheduler (default: all cores)."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Footprints of many BOMs; exits non-zero if any line failed."""
    from api.usecases import footprints
    from api.usecases.footprints import SchedulerError
    from footprint.errors import FootprintError
    from lcidb.errors import LcidbError

    if electricity not in ELECTRICITY_CHOICES:
        _fail(f"--electricity {electricity!r}: use location or market")
    try:
        outcome = footprints.run_batch(boms, out, snapshot, method, hotspots, electricity=electricity,
                                       scenario=scenario, scheduler=scheduler, workers=workers, jobs=jobs, quiet=quiet)
    except (FootprintError, LcidbError, OSError, SchedulerError) as exc:
        _fail(str(exc))
        return
    typer.echo(f"{outcome.total - outcome.failed} of {outcome.total} BOMs computed; results in {out}")
    if outcome.failed:
        typer.echo(f"error: {outcome.failed} BOM line(s) failed; see the 'error' records in {out}", err=True)
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    app.command("footprint")(footprint)
    app.command("footprint-batch")(footprint_batch)
