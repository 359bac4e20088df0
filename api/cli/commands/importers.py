"""`carbonlabel db import ...`: convert an external source into a template folder + a report of
every row that was not imported. The `db` group itself lives in api.cli.commands.db."""

from __future__ import annotations

from pathlib import Path

import typer

import_app = typer.Typer(help="Convert external factor sources into template folders.", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def _print(report) -> None:  # type: ignore[no-untyped-def]
    for line in report.report_lines():
        typer.echo(line)


@import_app.command("desnz")
def import_desnz_command(
    file: Path = typer.Argument(..., help="DESNZ/Defra GHG conversion factors flat file (.xlsx)."),
    out: Path = typer.Option(..., "--out", help="Template folder to write (activities.csv, exchanges.csv)."),
) -> None:
    """UK DESNZ flat file -> template folder (gas parts as masses, totals as co2e_unsplit AR5)."""
    from api.usecases import catalogue
    from lcidb.errors import LcidbError

    try:
        report = catalogue.import_desnz(file, out)
    except LcidbError as exc:
        _fail(str(exc))
        return
    _print(report)


@import_app.command("bw")
def import_bw_command(
    fmt: str = typer.Argument(..., metavar="FORMAT", help="excel (Brightway Excel), simapro (SimaPro CSV export), "
                              "jsonld (openLCA JSON-LD folder or zip) or ecospold2 (.spold folder or file)."),
    path: Path = typer.Argument(..., help="File or folder in that format."),
    out: Path = typer.Option(..., "--out", help="Template folder to write."),
    year: int | None = typer.Option(None, "--year", help="Data year for activities without a 'year' field."),
    licence: str | None = typer.Option(None, "--licence", help="Licence for activities without a 'licence' field."),
) -> None:
    """A Brightway-readable inventory (via bw2io) -> template folder; unmapped flows are reported."""
    from api.usecases import catalogue
    from lcidb.errors import LcidbError

    try:
        report = catalogue.import_bw(fmt, path, out, year=year, licence=licence)
    except LcidbError as exc:
        _fail(str(exc))
        return
    _print(report)


@import_app.command("jsonld")
def import_jsonld_command(
    path: Path = typer.Argument(..., help="openLCA JSON-LD export: folder or zip (olca-schema)."),
    out: Path = typer.Option(..., "--out", help="Template folder to write."),
    year: int | None = typer.Option(None, "--year", help="Data year for processes without a validity date."),
    licence: str | None = typer.Option(None, "--licence", help="Licence of the datasets."),
) -> None:
    """openLCA JSON-LD -> template folder; everything not imported is reported with why."""
    import_bw_command("jsonld", path, out, year, licence)


@import_app.command("ecospold2")
def import_ecospold2_command(
    path: Path = typer.Argument(..., help="EcoSpold2 datasets: a folder of .spold files or one file."),
    out: Path = typer.Option(..., "--out", help="Template folder to write."),
    year: int | None = typer.Option(None, "--year", help="Data year for datasets without a time period."),
    licence: str | None = typer.Option(None, "--licence", help="Licence of the datasets."),
) -> None:
    """EcoSpold2 -> template folder; everything not imported is reported with why."""
    import_bw_command("ecospold2", path, out, year, licence)


def register(app: typer.Typer) -> None:
    from api.cli.commands.db import db_app

    db_app.add_typer(import_app, name="import")
