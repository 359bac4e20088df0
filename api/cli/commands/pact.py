"""`carbonlabel pact export | import | use`: PACT v3 footprint files (docs/pact.md)."""

from __future__ import annotations

import json
from datetime import date, datetime, UTC
from pathlib import Path
from typing import Any
from uuid import UUID

import typer

from api.cli.commands.db import _fail
from api.cli.commands.labels import _read_json

pact_app = typer.Typer(help="PACT v3 footprint files: export ours, read a partner's, use one in a BOM.",
                       no_args_is_help=True)


def _write(document: Any, out: Path | None) -> None:
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)  # never a half-written file under the requested name
    typer.echo(f"written to {out}", err=True)


def _uuid(text: str, option: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        _fail(f"{option} {text!r}: not a UUID")
        raise


@pact_app.command("export")
def export(
    footprint: list[Path] = typer.Option(..., "--footprint", help="Footprint result JSON (`carbonlabel footprint --json`); repeat for a list."),
    bom: list[Path] = typer.Option(..., "--bom", help="The BOM each footprint was computed from (its product), in the same order."),
    company_name: str = typer.Option(..., "--company-name", help="The data owner's name."),
    company_id: list[str] = typer.Option(..., "--company-id", help="The data owner's id as a URN; repeatable."),
    id_domain: str = typer.Option(..., "--id-domain", help="Your domain, for product URNs urn:pact:DOMAIN:product-id:ID."),
    pf_id: list[str] | None = typer.Option(None, "--id", help="Footprint id (UUID) per footprint; default: derived from the computation."),
    preceding: list[str] | None = typer.Option(None, "--preceding", help="Id of a footprint this one replaces (single export only); repeatable."),
    created: str | None = typer.Option(None, "--created", help="Creation time (ISO 8601 with offset); default now."),
    as_list: bool = typer.Option(False, "--list", help="Write {\"data\": [...]} even for one footprint."),
    out: Path | None = typer.Option(None, "--out", help="Output file (default: standard output)."),
) -> None:
    """Write footprints as PACT v3 ProductFootprints; refused, naming the field, when a mandatory one is unknown."""
    from pydantic import ValidationError

    from api.usecases.pact_files import export_file_footprint
    from footprint.errors import FootprintError
    from footprint.result import FootprintResult

    if len(footprint) != len(bom):
        _fail(f"{len(footprint)} --footprint but {len(bom)} --bom: give one BOM per footprint")
    if pf_id and len(pf_id) != len(footprint):
        _fail(f"{len(pf_id)} --id for {len(footprint)} footprints")
    if preceding and len(footprint) > 1:
        _fail("--preceding applies to a single footprint")
    when = datetime.now(UTC)
    if created is not None:
        try:
            when = datetime.fromisoformat(created.replace("Z", "+00:00"))
        except ValueError:
            _fail(f"--created {created!r}: not an ISO 8601 date-time")
        if when.tzinfo is None:
            _fail(f"--created {created!r}: give the offset (e.g. 2026-01-31T12:00:00Z)")
    documents = []
    for k, (fp_path, bom_path) in enumerate(zip(footprint, bom)):
        try:
            result = FootprintResult.model_validate(_read_json(fp_path, "footprint"))
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            _fail(f"footprint {fp_path}: field {'.'.join(map(str, first['loc']))}: {first['msg']}")
            return
        try:
            document = export_file_footprint(
                result, bom_path, company_name=company_name, company_ids=tuple(company_id), id_domain=id_domain,
                pf_id=_uuid(pf_id[k], "--id") if pf_id else None, created=when,
                preceding=[_uuid(p, "--preceding") for p in preceding or []])
        except (FootprintError, OSError) as exc:
            _fail(f"footprint {fp_path} with BOM {bom_path}: {exc}")
            return
        except ValidationError as exc:  # a company id that is not a URN, and the like
            first = exc.errors(include_url=False)[0]
            _fail(f"{'.'.join(map(str, first['loc']))}: {first['msg']} (value: {first.get('input')!r})")
            return
        documents.append(document)
    _write({"data": documents} if as_list or len(documents) > 1 else documents[0], out)


@pact_app.command("import")
def import_(
    file: Path = typer.Argument(..., help="PACT JSON: a footprint, a list, a {\"data\": ...} response or a fulfilled event; v2 or v3."),
    out: Path | None = typer.Option(None, "--out", help="Write the footprints as v3 {\"data\": [...]} here."),
    as_json: bool = typer.Option(False, "--json", help="Print the v3 footprints and the report as JSON."),
) -> None:
    """Read a partner's PACT file: check it, convert v2 to v3, and say what was converted or ignored."""
    from api.usecases.pact_files import read_document
    from footprint.errors import PactError

    try:
        doc = read_document(_read_json(file, "PACT file"), str(file))
    except PactError as exc:
        _fail(str(exc))
        return
    footprints = [pf.wire() for pf in doc.footprints]
    if out is not None:
        _write({"data": footprints}, out)
    if as_json:
        typer.echo(json.dumps({"footprints": footprints, "source_versions": doc.source_versions,
                               "report": doc.report()}, indent=2, ensure_ascii=False))
        return
    typer.echo(f"{file}: {len(footprints)} footprint{'s' if len(footprints) != 1 else ''} ({doc.shape}, "
               f"specVersion {', '.join(sorted(set(doc.source_versions))) or '-'})")
    for pf in doc.footprints:
        cf = pf.pcf
        typer.echo(f"  {pf.id}  {pf.status:<10} {pf.product_name_company} ({pf.company_name}): "
                   f"{cf.pcf_including_biogenic_uptake} kg CO2e per {cf.declared_unit_amount} "
                   f"{cf.declared_unit_of_measurement}, valid {pf.valid_from().date()} .. {pf.valid_until().date()}")
    for line in doc.report():
        typer.echo(f"  {line}")


@pact_app.command("use")
def use(
    file: Path = typer.Argument(..., help="PACT JSON holding the supplier's footprint."),
    bom: Path = typer.Option(..., "--bom", help="Our BOM (JSON)."),
    line: str = typer.Option(..., "--line", help="line_id of the line the supplier's product stands for."),
    pf_id: str | None = typer.Option(None, "--pf", help="Which footprint of the file (needed if it holds several)."),
    on: str | None = typer.Option(None, "--on", help="Date the footprint must be valid on (default: today)."),
    out: Path | None = typer.Option(None, "--out", help="Where to write the BOM (default: standard output)."),
) -> None:
    """Put a supplier's PACT footprint into a BOM line as its supplier_pcf (unit converted, validity and status checked)."""
    from api.usecases.pact_files import read_document, use_in_bom
    from footprint.errors import FootprintError

    when = date.today()
    if on is not None:
        try:
            when = date.fromisoformat(on)
        except ValueError:
            _fail(f"--on {on!r}: not an ISO date (YYYY-MM-DD)")
    try:
        doc = read_document(_read_json(file, "PACT file"), str(file))
        chosen = [pf for pf in doc.footprints if pf_id is None or str(pf.id) == pf_id.lower()]
        if len(chosen) != 1:
            ids = ", ".join(str(pf.id) for pf in doc.footprints)
            _fail(f"{file}: {'no footprint ' + pf_id if pf_id else 'several footprints'}; choose one with --pf ({ids})")
        updated = use_in_bom(bom, line, chosen[0], on=when)
    except (FootprintError, OSError) as exc:
        _fail(str(exc))
        return
    pcf = updated.line(line).supplier_pcf
    assert pcf is not None  # use_in_bom books a supplier PCF on the line
    typer.echo(f"line {line!r} books footprint {chosen[0].id}: {pcf.kgco2e_per_unit!r} kg CO2e per "
               f"{updated.line(line).unit}", err=True)
    _write(json.loads(updated.model_dump_json(exclude_none=True)), out)


def register(app: typer.Typer) -> None:
    app.add_typer(pact_app, name="pact")
