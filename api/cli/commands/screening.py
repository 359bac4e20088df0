"""`carbonlabel screen` and `carbonlabel sample`: findings for certifiers, and surveillance spot-check draws."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer

from api.cli.commands.labels import _fail, _on, _read_json

SEVERITY_MARK = {"info": "info  ", "low": "LOW   ", "medium": "MEDIUM", "high": "HIGH  "}


def _print_report(report: Any, where: str) -> None:
    typer.echo(f"screening {where} on {report.on}: risk {report.risk_score} ({report.risk_level})")
    for f in sorted(report.findings, key=lambda f: -{"info": 0, "low": 1, "medium": 2, "high": 3}[f.severity]):
        typer.echo(f"  {SEVERITY_MARK[f.severity]} {f.check:<22} {f.summary}")
        if f.severity != "info" and f.evidence:
            typer.echo("         " + "; ".join(f"{k} {v}" for k, v in f.evidence.items()))


def _from_file(path: Path, on: date, registry: Path | None, use_database: bool) -> Any:
    """A footprint or application JSON file, screened (docs/screening.md)."""
    from pydantic import ValidationError

    from api.errors import ServiceError
    from api.usecases.screening import screen_document
    from labels.errors import LabelsError

    data = _read_json(path, "screening input")
    members = _read_json(registry, "registry") if registry is not None else None
    try:
        return screen_document(data, on=on, registry=members, registry_source=f"registry {registry}",
                               use_database=use_database)
    except (LabelsError, ValidationError) as exc:
        _fail(f"{path}: {exc}")
    except ServiceError as exc:
        _fail(exc.message if exc.message.startswith("registry ") else f"{path}: {exc.message}")
    raise AssertionError("unreachable")


def screen_command(
    target: str = typer.Argument(..., metavar="APPLICATION_OR_FOOTPRINT",
                                 help="A footprint or application JSON file, or an application id in the service database."),
    on: str | None = typer.Option(None, "--on", help="Screening date YYYY-MM-DD (default: today, UTC)."),
    registry: Path | None = typer.Option(None, "--registry", help="Peer certificates (the `grade --registry` format)."),
    use_database: bool = typer.Option(True, "--database/--no-database",
                                      help="Compare with the service database's certificates and BOMs if it exists."),
    as_json: bool = typer.Option(False, "--json", help="Write the report as JSON."),
) -> None:
    """Findings a reviewer would miss (mass balance, peers, factor choices, history, copied BOMs) and a risk score."""
    from api.errors import ServiceError
    from labels.errors import LabelsError

    day = _on(on)
    path = Path(target)
    try:
        report, where = _screen_target(target, path, day, registry, use_database)
    except (LabelsError, ServiceError) as exc:
        _fail(f"{target}: {getattr(exc, 'message', None) or exc}")
        return
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        _print_report(report, where)


def _screen_target(target: str, path: Path, day: date, registry: Path | None, use_database: bool) -> tuple[Any, str]:
    """A file (footprint or application JSON), else an application id of the service database."""
    if path.is_file():
        return _from_file(path, day, registry, use_database), str(path)
    from api.usecases.screening import screen_stored_application

    return screen_stored_application(target, on=day), f"application {target}"


def sample_command(
    n: int = typer.Option(..., "--n", min=1, help="How many certificates to draw."),
    seed: int = typer.Option(..., "--seed", min=0, help="The draw is reproducible from it."),
    on: str | None = typer.Option(None, "--on", help="Date YYYY-MM-DD (default: today, UTC)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Certificates for third-party spot checks, weighted by risk, with the reason for each pick."""
    from api.errors import ServiceError
    from api.usecases.screening import sample_stored

    day = _on(on)
    try:
        picks, pool = sample_stored(n=n, seed=seed, on=day)
    except ServiceError as exc:
        _fail(exc.message)
        return
    if as_json:
        typer.echo(json.dumps({"on": day.isoformat(), "seed": seed, "pool": pool,
                               "picks": [p.model_dump(mode="json") for p in picks]}, indent=2, ensure_ascii=False))
        return
    typer.echo(f"{len(picks)} of {pool} certificates valid on {day}, seed {seed}:")
    for p in picks:
        typer.echo(f"  {p.rank:>3}. {p.certificate_number}  {p.reason}")


def register(app: typer.Typer) -> None:
    app.command("screen")(screen_command)
    app.command("sample")(sample_command)
