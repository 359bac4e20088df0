"""`carbonlabel db ...` and `carbonlabel factors ...`: build, list and search the factor database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

db_app = typer.Typer(help="Build and list emission-factor database snapshots.", no_args_is_help=True)
factors_app = typer.Typer(help="Search and show emission factors.", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


@db_app.command("build")
def build(
    source: Optional[list[Path]] = typer.Option(None, "--source", help="Template folder(s) to build."),
    name: Optional[str] = typer.Option(None, "--name", help="Snapshot name (required with --source)."),
    with_default: bool = typer.Option(False, "--with-default", help="Layer the sources on the shipped data."),
) -> None:
    """Build a Brightway database and publish an immutable snapshot."""
    from lcidb.build import build_snapshot
    from lcidb.errors import LcidbError

    try:
        outcome = build_snapshot(sources=source or [], name=name, with_default=with_default)
    except LcidbError as exc:
        _fail(str(exc))
        return
    for line in outcome.report_lines():
        typer.echo(line)


@db_app.command("list")
def list_snapshots(as_json: bool = typer.Option(False, "--json")) -> None:
    """Published snapshots: name, full hash, created, counts, latest."""
    from lcidb.snapshot import list_published

    rows = list_published()
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        mark = "*" if row["latest"] else " "
        counts = row["counts"]
        typer.echo(
            f"{mark} {row['name']:<20} {row['hash']}  {row['created']}  "
            f"{counts['activities']} activities, {counts['exchanges']} exchanges"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(factors_app, name="factors")
