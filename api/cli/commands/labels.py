"""`carbonlabel grade`, `carbonlabel recognise`, `carbonlabel schemes`: the label rules from the command line."""

from __future__ import annotations

import json
from datetime import date, datetime, UTC
from pathlib import Path
from typing import Any

import typer


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def _read_json(path: Path, what: str) -> Any:
    """Strict JSON (footprint.strict_json: no duplicate keys, NaN, 1e400, NUL or lone surrogates)."""
    from footprint.strict_json import InvalidJSON, loads_strict

    try:
        data = path.read_bytes()
    except OSError as exc:
        _fail(f"{what} {path}: cannot read ({exc.strerror})")
    try:
        return loads_strict(data, source=f"{what} {path}")
    except InvalidJSON as exc:
        where = f"line {exc.line}, column {exc.column}: " if exc.line is not None else ""
        _fail(f"{what} {path}: {where}{'at ' + exc.path + ': ' if exc.path else ''}{exc.reason} [{exc.code}]")


def _locate(message: str, files: dict[str, Path]) -> str:
    """"evidence: field ..." -> "evidence path/to/ev.json: field ..." so the message names the file."""
    for what, path in files.items():
        if message.startswith(f"{what}: "):
            return f"{what} {path}: {message[len(what) + 2:]}"
    return message


def _on(raw: str | None) -> date:
    if raw is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        _fail(f"--on {raw!r} is not a YYYY-MM-DD date")
        raise  # unreachable


def _registry(path: Path | None) -> Any:
    """`--registry FILE`: {"<benchmark key>": [{certificate_id, total_kgco2e, issued, valid_until}, ...]}."""
    if path is None:
        return None
    from pydantic import ValidationError

    from api.usecases.labelling import static_registry

    data = _read_json(path, "registry")
    if not isinstance(data, dict):
        _fail(f"registry {path}: top level must be an object mapping benchmark key -> list of members")
    try:
        return static_registry(data)
    except (ValidationError, TypeError) as exc:
        _fail(f"registry {path}: {exc}")


def _print_decision(d: Any) -> None:
    typer.echo(f"{d.scheme} {d.rule_set_version.version} (sha256 {d.rule_set_version.sha256[:12]}) on {d.on}: "
               f"{d.product_id}, {d.total_kgco2e} kg CO2e / {d.declared_unit}")
    for o in d.rules:
        mark = {"passed": "PASS", "failed": "FAIL", "not_applicable": " n/a"}[o.status]
        check = f"{o.value} {o.comparison}" if o.comparison else (o.value or "")
        typer.echo(f"  {mark}  {o.rule_id:<32} {check}")
        if o.status != "passed":
            typer.echo(f"        {o.detail}")
    if d.tier is None:
        typer.echo("no label: the common gate failed" if not d.gate_passed else "no label")
    else:
        typer.echo(f"tier {d.tier}" + (f", grade {d.grade}" if d.grade else "")
                   + f"; valid {d.granted[-1].valid_from} .. {d.granted[-1].valid_until}")
        if d.benchmark is not None:
            typer.echo(f"benchmark {d.benchmark.key}: {d.benchmark.value} ({d.benchmark.kind}, n={d.benchmark.n}, "
                       f"hash {d.benchmark.hash[:12]}){d.benchmark.spread_text()}")
        for lang in ("zh_Hans", "zh_Hant", "en"):
            typer.echo("  | " + getattr(d.label, lang).replace("\n", "\n  | "))
    for step in d.next_steps:
        extra = f" (reduce by {step.reduction_kgco2e} kg)" if step.reduction_kgco2e else ""
        typer.echo(f"next {step.tier}{' ' + step.grade if step.grade else ''}: {step.requirement}{extra}")


def grade(
    footprint_file: Path = typer.Argument(..., metavar="FOOTPRINT.json", help="Output of `carbonlabel footprint --json`."),
    scheme: str = typer.Option(..., "--scheme", help="Scheme id (see `carbonlabel schemes`), or ID@VERSION."),
    evidence_file: Path = typer.Option(..., "--evidence", metavar="EVIDENCE.json", help="Evidence dossier (docs/labels.md)."),
    on: str | None = typer.Option(None, "--on", help="Decision date YYYY-MM-DD (default: today, UTC)."),
    registry: Path | None = typer.Option(None, "--registry", help="Registry members for derived benchmarks (JSON)."),
    as_json: bool = typer.Option(False, "--json", help="Write the decision as JSON."),
    snapshot: str | None = typer.Option(
        None, "--snapshot",
        help="Factor catalogue for the 'latest edition of its dataset' rule (NAME, NAME@HEX or full hash); "
             "default: the footprint's own snapshot, else 'default'.",
    ),
) -> None:
    """Grade a footprint under a scheme's rule set in force on a date."""
    from api.usecases import labelling
    from labels.errors import LabelsError
    from lcidb.errors import LcidbError

    fp = _read_json(footprint_file, "footprint")
    ev = _read_json(evidence_file, "evidence")
    if snapshot is not None:
        try:
            editions = labelling.explicit_catalogue_editions(snapshot)
        except LcidbError as exc:
            _fail(f"--snapshot: {exc}")
            return
    else:
        editions = labelling.catalogue_editions(labelling.own_snapshot_hash(fp), "default")
    if editions is None:
        typer.echo("note: no factor catalogue published here; 'latest edition of its dataset' compares the "
                   "footprint's own factors only", err=True)
    try:
        decision = labelling.grade(fp, ev, scheme, _on(on), _registry(registry), editions=editions)
    except LabelsError as exc:
        _fail(_locate(str(exc), {"footprint": footprint_file, "evidence": evidence_file}))
        return
    if as_json:
        typer.echo(decision.model_dump_json(indent=2))
    else:
        _print_decision(decision)


def recognise(
    certificate_file: Path = typer.Argument(..., metavar="CERTIFICATE.json", help="Certificate of the source scheme."),
    target: str = typer.Option(..., "--target", help="Target scheme id, or ID@VERSION."),
    on: str | None = typer.Option(None, "--on", help="Recognition date YYYY-MM-DD (default: today, UTC)."),
    registry: Path | None = typer.Option(None, "--registry", help="Registry members for derived benchmarks (JSON)."),
    as_json: bool = typer.Option(False, "--json", help="Write the outcome as JSON."),
) -> None:
    """May the target scheme take over this certificate, and on what terms?"""
    from api.usecases import labelling
    from labels.errors import LabelsError

    cert = _read_json(certificate_file, "certificate")
    try:
        outcome = labelling.recognise(cert, target, _on(on), _registry(registry))
    except LabelsError as exc:
        _fail(_locate(str(exc), {"certificate": certificate_file}))
        return
    if as_json:
        typer.echo(outcome.model_dump_json(indent=2))
        return
    typer.echo(f"{outcome.source_scheme} -> {outcome.target} on {outcome.on}: {outcome.outcome}"
               + (" (new verification required)" if outcome.new_verification_required else ""))
    for gap in outcome.gaps:
        typer.echo(f"  gap [{gap.condition}] {gap.detail}")
    for item in outcome.unproven:
        typer.echo(f"  unproven [{item.condition}] {item.detail.removeprefix('unproven: ')}")
    for reason in outcome.reasons:
        typer.echo(f"  - {reason}")
    if outcome.target_tier:
        typer.echo(f"target tier {outcome.target_tier}" + (f", grade {outcome.target_grade}" if outcome.target_grade else ""))
    if outcome.valid_until and outcome.outcome != "not_recognised":
        typer.echo(f"valid {outcome.valid_from} .. {outcome.valid_until}")


def schemes(
    on: str | None = typer.Option(None, "--on", help="Date YYYY-MM-DD (default: today, UTC)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The schemes known to the service and the rule-set version in force."""
    from api.usecases import labelling
    from labels.errors import LabelsError

    try:
        rows = labelling.schemes(_on(on))
    except LabelsError as exc:
        _fail(str(exc))
        return
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2, ensure_ascii=False))
        return
    for r in rows:
        version = r.version or "(none in force)"
        status = " (proposal)" if r.status == "proposal" else ""
        typer.echo(f"{r.id:<22} {r.kind:<17} {version:<16} {r.names.get('en', '')} / {r.names.get('zh-Hans', '')}{status}")


def register(app: typer.Typer) -> None:
    app.command("grade")(grade)
    app.command("recognise")(recognise)
    app.command("schemes")(schemes)
