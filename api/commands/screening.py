"""`carbonlabel screen` and `carbonlabel sample`: findings for certifiers, and surveillance spot-check draws."""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, Iterator, Optional

import typer

from api.commands.labels import _fail, _on, _read_json

SEVERITY_MARK = {"info": "info  ", "low": "LOW   ", "medium": "MEDIUM", "high": "HIGH  "}


def _database_url() -> tuple[str, bool]:
    """The service database (as `carbonlabel serve` finds it) and whether it exists already."""
    from api.settings import DATABASE_URL_ENV, normalise_database_url
    from lcidb.home import carbonlabel_home

    url = normalise_database_url(os.environ.get(DATABASE_URL_ENV, "").strip())
    if url:
        return url, True
    path = carbonlabel_home() / "service.sqlite3"
    return f"sqlite:///{path}", path.is_file()


@contextmanager
def _service_session(why: str = "") -> Iterator[Any]:
    from api.db import make_engine, make_session_factory, upgrade_to_head

    url, exists = _database_url()
    if not exists:
        _fail(f"{why}no service database at {url} (set CARBONLABEL_DATABASE_URL or CARBONLABEL_HOME)")
    engine = make_engine(url, read_only=True)
    upgrade_to_head(engine)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _print_report(report: Any, where: str) -> None:
    typer.echo(f"screening {where} on {report.on}: risk {report.risk_score} ({report.risk_level})")
    for f in sorted(report.findings, key=lambda f: -{"info": 0, "low": 1, "medium": 2, "high": 3}[f.severity]):
        typer.echo(f"  {SEVERITY_MARK[f.severity]} {f.check:<22} {f.summary}")
        if f.severity != "info" and f.evidence:
            typer.echo("         " + "; ".join(f"{k} {v}" for k, v in f.evidence.items()))


def _from_file(path: Path, on: date, registry: Optional[Path], use_database: bool) -> Any:
    """A footprint JSON, or an application JSON {footprint, bom?, evidence?, stated_changes?, previous_certificate?,
    organisation_id?}; peers from --registry or the service database; other BOMs from the database."""
    from pydantic import ValidationError

    from labels import LabelsError, benchmark_key
    from labels.screening import PeerCertificate, PreviousCertificate, StatedChange, screen
    from lcidb.snapshot import first_available

    data = _read_json(path, "screening input")
    if not isinstance(data, dict):
        _fail(f"{path}: top level must be a footprint or an application object")
    application = data if "footprint" in data else {"footprint": data}
    unknown = set(application) - {"footprint", "bom", "evidence", "stated_changes", "previous_certificate", "organisation_id"}
    if unknown:
        _fail(f"{path}: unknown field(s) {sorted(unknown)} (docs/screening.md)")
    try:
        from labels.screening import footprint_from_json

        fp = footprint_from_json(application["footprint"])
        changes = [StatedChange.model_validate(c) for c in application.get("stated_changes", [])]
        previous = (PreviousCertificate.model_validate(application["previous_certificate"])
                    if application.get("previous_certificate") else None)
    except (LabelsError, ValidationError) as exc:
        _fail(f"{path}: {exc}")
        raise  # unreachable
    key = benchmark_key(fp.product_rule, fp.category, fp.declared_unit.amount, fp.declared_unit.unit)
    peers: list[PeerCertificate] = []
    others: list[Any] = []
    if registry is not None:
        members = _read_json(registry, "registry")
        if not isinstance(members, dict):
            _fail(f"registry {registry}: top level must map benchmark key -> list of members")
        try:
            peers = [PeerCertificate(certificate_number=str(m["certificate_id"]), total_kgco2e=float(m["total_kgco2e"]))
                     for m in members.get(key, [])]
        except (KeyError, TypeError, ValueError) as exc:
            _fail(f"registry {registry}: key {key!r}: each member needs certificate_id and total_kgco2e ({exc!r})")
    _, exists = _database_url()
    if use_database and exists:
        from api.services.screening import other_boms, peers_of

        with _service_session() as session:
            if registry is None:
                peers = peers_of(session, key, on, product_id=fp.product_id)
            others = other_boms(session, str(application.get("organisation_id") or ""))
    catalogue = first_available(fp.provenance.snapshot_hash, "default")
    from labels import CatalogueEditions

    return screen(fp, on=on, bom=application.get("bom"), evidence=application.get("evidence"), peers=peers,
                  previous=previous, stated_changes=changes, applicant=application.get("organisation_id"),
                  other_boms=others, editions=CatalogueEditions(catalogue.activities) if catalogue else None)


def screen_command(
    target: str = typer.Argument(..., metavar="APPLICATION_OR_FOOTPRINT",
                                 help="A footprint or application JSON file, or an application id in the service database."),
    on: Optional[str] = typer.Option(None, "--on", help="Screening date YYYY-MM-DD (default: today, UTC)."),
    registry: Optional[Path] = typer.Option(None, "--registry", help="Peer certificates (the `grade --registry` format)."),
    use_database: bool = typer.Option(True, "--database/--no-database",
                                      help="Compare with the service database's certificates and BOMs if it exists."),
    as_json: bool = typer.Option(False, "--json", help="Write the report as JSON."),
) -> None:
    """Findings a reviewer would miss (mass balance, peers, factor choices, history, copied BOMs) and a risk score."""
    from api.errors import ServiceError
    from labels import LabelsError

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


def _screen_target(target: str, path: Path, day: date, registry: Optional[Path], use_database: bool) -> tuple[Any, str]:
    """A file (footprint or application JSON), else an application id of the service database."""
    if path.is_file():
        return _from_file(path, day, registry, use_database), str(path)
    from api.engine_domain import EngineDomain
    from api.models import Application
    from api.services.screening import screen_application

    with _service_session(f"{target}: no such file, and ") as session:
        application = session.get(Application, target)
        if application is None:
            _fail(f"{target}: neither a file nor an application id in the service database")
        report = screen_application(session, application, key_of=EngineDomain().benchmark_key, on=day)
    return report, f"application {target}"


def sample_command(
    n: int = typer.Option(..., "--n", min=1, help="How many certificates to draw."),
    seed: int = typer.Option(..., "--seed", min=0, help="The draw is reproducible from it."),
    on: Optional[str] = typer.Option(None, "--on", help="Date YYYY-MM-DD (default: today, UTC)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Certificates for third-party spot checks, weighted by risk, with the reason for each pick."""
    from api.errors import ServiceError
    from api.services.screening import sample_for_surveillance

    day = _on(on)
    with _service_session() as session:
        try:
            picks, pool = sample_for_surveillance(session, n=n, seed=seed, on=day)
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
