"""`carbonlabel db ...` and `carbonlabel factors ...`: build, list and search the factor database."""

from __future__ import annotations

import json
from pathlib import Path

import typer

db_app = typer.Typer(help="Build and list emission-factor database snapshots.", no_args_is_help=True)
factors_app = typer.Typer(help="Search and show emission factors.", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


@db_app.command("build")
def build(
    source: list[Path] | None = typer.Option(None, "--source", help="Template folder(s) to build."),
    name: str | None = typer.Option(None, "--name", help="Snapshot name (required with --source)."),
    with_default: bool = typer.Option(False, "--with-default", help="Layer the sources on the shipped data."),
) -> None:
    """Validate template folders and publish an immutable snapshot (no Brightway: see export-brightway)."""
    from api.usecases import catalogue
    from lcidb.errors import LcidbError

    try:
        outcome = catalogue.build(source or [], name, with_default)
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
    from api.usecases import catalogue
    from lcidb.errors import LcidbError

    try:
        done = catalogue.export_brightway(snapshot)
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
    from api.usecases import catalogue

    rows = catalogue.published()
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


@db_app.command("diff")
def diff(
    old: str = typer.Argument(..., help="The old snapshot: " + SNAPSHOT_HELP),
    new: str = typer.Argument(..., help="The new snapshot."),
    method: str = typer.Option("AR6", "--method", help="AR6 | AR5"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Activities changed, added and removed between two snapshots, with the size of each change."""
    from api.usecases import catalogue
    from lcidb.errors import LcidbError

    try:
        result = catalogue.diff(old, new, method)
    except LcidbError as exc:
        _fail(str(exc))
        return
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
        return
    counts = result.counts()
    typer.echo(f"{result.old} -> {result.new} ({method}, cradle-to-gate per unit): {counts['changed']} changed, "
               f"{counts['added']} added, {counts['removed']} removed")
    for c in result.changes:
        if c.change == "changed":
            size = (f"{c.old_kgco2e:.6g} -> {c.new_kgco2e:.6g} kg CO2e/{c.unit}"
                    + (f" ({c.relative_change:+.2%})" if c.relative_change is not None else ""))
            notes = (["own exchanges"] if c.own_exchanges_changed else []) + sorted(c.fields_changed)
            typer.echo(f"  changed  {c.activity_id:<40} {size}" + (f"  [{', '.join(notes)}]" if notes else ""))
        else:
            value = c.new_kgco2e if c.change == "added" else c.old_kgco2e
            typer.echo(f"  {c.change:<8} {c.activity_id:<40} {value:.6g} kg CO2e/{c.unit}")


@db_app.command("impact")
def impact(
    old: str = typer.Argument(..., help="The old snapshot: " + SNAPSHOT_HELP),
    new: str = typer.Argument(..., help="The new snapshot."),
    threshold: float = typer.Option(0.01, "--threshold", help="Relative change that needs a re-check (0.01 = 1 %)."),
    include_retired: bool = typer.Option(False, "--include-retired", help="Also revoked, superseded, expired."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Issued certificates whose footprints move by more than --threshold from OLD to NEW (each
    certificate's stored BOM recomputed on both), reading the service database (CARBONLABEL_DATABASE_URL)."""
    from api.usecases import catalogue
    from footprint.errors import FootprintError
    from lcidb.errors import LcidbError

    try:
        old_snapshot, new_snapshot, moves = catalogue.certificate_impact(old, new, threshold, include_retired)
    except (LcidbError, FootprintError) as exc:
        _fail(str(exc))
        return
    flagged = [m for m in moves if m.exceeds]
    if as_json:
        typer.echo(json.dumps({"old": old_snapshot.ref, "new": new_snapshot.ref, "threshold": threshold,
                               "certificates": len(moves), "to_recheck": len(flagged),
                               "moves": catalogue.moves_as_dicts(moves)}, indent=2, ensure_ascii=False))
        return
    typer.echo(f"{old_snapshot.ref} -> {new_snapshot.ref}: {len(flagged)} of {len(moves)} certificates move by more "
               f"than {threshold:.2%} and need a re-check")
    for m in flagged:
        if m.error:
            typer.echo(f"  {m.key}  cannot be recomputed: {m.error}")
        else:
            change = f" ({m.relative_change:+.2%})" if m.relative_change is not None else ""
            typer.echo(f"  {m.key}  {m.old_kgco2e:.6g} -> {m.new_kgco2e:.6g} kg CO2e{change}"
                       f"  certified {m.certified_kgco2e:.6g}")


@factors_app.command("search")
def factors_search(
    text: str = typer.Argument(..., help="Words to find in the id or name."),
    geography: str | None = typer.Option(None, "--geography"),
    category: str | None = typer.Option(None, "--category"),
    snapshot: str = typer.Option("default", "--snapshot", help=SNAPSHOT_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Find factors by words in their id or name."""
    from api.usecases import catalogue
    from lcidb.errors import LcidbError

    try:
        hits = catalogue.search_factors(snapshot, text, geography, category)
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
    from api.usecases import catalogue
    from lcidb.errors import LcidbError

    try:
        record = catalogue.show_factor(snapshot, activity_id)
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
        for credit_type, value in values.get("credits_kgco2e", {}).items():
            typer.echo(f"    {credit_type:<22} {value:.6g}  (not in the cut-off total)")
    typer.echo("  own exchanges (lognormal sigma, given or pedigree):")
    for exchange in record.get("exchanges", []):
        sigma = exchange["uncertainty_sigma"]
        typer.echo(f"    {exchange['kind']:<12} {exchange['input']:<32} {exchange['amount']:.6g}"
                   f"  sigma {'-' if sigma is None else f'{sigma:.3f}'} ({exchange['sigma_source']})"
                   + (f"  {exchange['credit_type']}" if exchange.get("credit_type") else ""))
    typer.echo(f"  snapshot {record['snapshot']['name']}@{record['snapshot']['hash']}")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(factors_app, name="factors")
