"""`carbonlabel label`: the on-pack label of a certificate (or a preview of a decision) as SVG, PNG or PDF."""

from __future__ import annotations

from pathlib import Path

import typer

from api.cli.commands.labels import _fail, _locate, _read_json


def label(
    input_file: Path = typer.Argument(
        ..., metavar="CERT_OR_DECISION.json",
        help="A certificate document (GET /v1/certificates/{n}, or its 'document'), a scheme certificate "
             "(examples/labels/*certificate.json) or a decision (`carbonlabel grade --json`, rendered as a preview).",
    ),
    fmt: str = typer.Option("svg", "--format", help="svg, png or pdf."),
    out: Path | None = typer.Option(None, "--out", help="Output file (default: INPUT stem + .label.FORMAT here)."),
    dpi: int = typer.Option(300, "--dpi", min=72, max=2400, help="PNG resolution."),
    issuer: str | None = typer.Option(None, "--issuer", help="Issuer, for a scheme certificate (it names none)."),
    verification_url: str | None = typer.Option(
        None, "--verification-url", help="Verification page, for a scheme certificate (it names none)."
    ),
) -> None:
    """Render the label per labels.md P3 at its print size (90 x 55 mm), CJK fonts embedded in the PDF."""
    from api.errors import ServiceError
    from api.documents.label import print_size_text, render_label
    from api.usecases.labelling import artwork_for
    from labels.errors import LabelsError

    if fmt not in ("svg", "png", "pdf"):
        _fail(f"--format {fmt!r}: use svg, png or pdf")
    data = _read_json(input_file, "label input")
    try:
        art = artwork_for(data, issuer=issuer, verification_url=verification_url)
        content = render_label(art, fmt, dpi=dpi)  # type: ignore[arg-type]
    except LabelsError as exc:
        _fail(f"{input_file}: {_locate(str(exc), {})}")
        return
    except ServiceError as exc:
        _fail(f"{input_file}: {exc.message}")
        return
    target = out or Path(f"{input_file.name.removesuffix('.json')}.label.{fmt}")
    target.write_bytes(content)
    kind = "preview (not certified)" if art.preview else f"certificate {art.certificate_number}"
    typer.echo(f"{target}: {kind}, {print_size_text(art)}" + (f", {dpi} dpi" if fmt == "png" else ""))


def register(app: typer.Typer) -> None:
    app.command("label")(label)
