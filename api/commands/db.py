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
    """Validate template folders and publish an immutable snapshot (no Brightway: see export-brightway)."""
    from lcidb.build import build_snapshot
    from lcidb.errors import LcidbError

    try:
        outcome = build_snapshot(sources=source or [], name=name, with_default=with_default)
    except LcidbError as exc:
        _fail(str(exc))
        return
    for line in outcome.report_lines():
        typer.echo(line)


@db_app.command("export-brightway")
def export_brightway(
    snapshot: str = typer.Option("default", "--snapshot", help="NAME (latest), NAME@HEX or the full hash."),
) -> None:
    """Write a snapshot as a Brightway (bw2data) database, for the Activity Browser or bw2calc."""
    from lcidb.brightway import export_snapshot
    from lcidb.errors import LcidbError
    from lcidb.snapshot import load_snapshot

    try:
        done = export_snapshot(load_snapshot(snapshot))
    except LcidbError as exc:
        _fail(str(exc))
        return
    typer.echo(f"exported {done.exchanges} exchanges to Brightway project {done.project!r}, "
               f"database {done.database!r}, with biosphere3 flows and the carbonlabel GWP100 methods")
    typer.echo(f"open it with BRIGHTWAY2_DIR={done.directory}")
    typer.echo(done.database)


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


SNAPSHOT_HELP = "NAME (latest), NAME@HEX (>= 8 hex digits) or the full hash."


@factors_app.command("search")
def factors_search(
    text: str = typer.Argument(..., help="Words to find in the id or name."),
    geography: Optional[str] = typer.Option(None, "--geography"),
    category: Optional[str] = typer.Option(None, "--category"),
    snapshot: str = typer.Option("default", "--snapshot", help=SNAPSHOT_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Find factors by words in their id or name."""
    from lcidb.errors import LcidbError
    from lcidb.search import search
    from lcidb.snapshot import load_snapshot

    try:
        hits = search(load_snapshot(snapshot), text, geography, category)
    except LcidbError as exc:
        _fail(str(exc))
        return
    if as_json:
        typer.echo(json.dumps(hits, indent=2, ensure_ascii=False))
        return
    for hit in hits:
        typer.echo(f"{hit['id']:<36} {hit['unit']:<6} {hit['geography']:<8} {hit['status']:<10} {hit['name']}")
    if not hits:
        typer.echo("no factor matches")


@factors_app.command("show")
def factors_show(
    activity_id: str = typer.Argument(..., metavar="ID"),
    snapshot: str = typer.Option("default", "--snapshot", help=SNAPSHOT_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Provenance and the cradle-to-gate kg CO2e per unit, per gas."""
    from lcidb.errors import LcidbError
    from lcidb.search import show
    from lcidb.snapshot import load_snapshot

    try:
        record = show(load_snapshot(snapshot), activity_id)
    except LcidbError as exc:
        _fail(str(exc))
        return
    if as_json:
        typer.echo(json.dumps(record, indent=2, ensure_ascii=False))
        return
    typer.echo(f"{record['id']}: {record['name']}")
    for key in ("unit", "geography", "year", "category", "source", "licence", "status", "published"):
        typer.echo(f"  {key:<10} {record[key]}")
    for method, values in record["cradle_to_gate"].items():
        typer.echo(f"  cradle-to-gate {method}: {values['total_kgco2e']:.6g} kg CO2e per {record['unit']}")
        for code, value in values["by_gas_kgco2e"].items():
            typer.echo(f"    {code:<22} {value:.6g}")
    typer.echo(f"  snapshot {record['snapshot']['name']}@{record['snapshot']['hash']}")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(factors_app, name="factors")
