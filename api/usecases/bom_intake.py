"""BOM files in and out for people: read an uploaded file, offer a template, apply the factors a
person picked in the linking report, compute and store a footprint.

The web pages and the HTTP routes (api/http/routes/products.py) call these: one upload step for both.
"""

from __future__ import annotations

import copy
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import guards
from api.demo import SAMPLE_BOM
from api.usecases.domain import Domain
from api.errors import InvalidInput, PayloadTooLarge
from api.storage.models import BomUpload, Footprint, Product, User
from api.usecases import products as product_service
from api.usecases.uploads import saved_upload

BOM_FORMATS = {".json": "json", ".csv": "csv", ".xlsx": "xlsx"}
TEMPLATE_FORMATS = ("xlsx", "json", "csv", "product.json")


@dataclass(frozen=True)
class TemplateFile:
    filename: str
    content: bytes
    media_type: str


def read_upload(
    domain: Domain, *, filename: str, raw: bytes, product_raw: bytes | None, limit: int,
    product_filename: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """(format, BOM JSON) of an uploaded file and, for a CSV BOM, its product JSON file; InvalidInput
    names file, line, field and value (a product file beside a JSON or XLSX BOM is refused, named).
    The one BOM upload step of the HTTP route and the web page."""
    name = guards.check_filename(Path(filename or "upload").name)
    product_name = guards.check_filename(Path(product_filename or "product.json").name)
    if product_raw is not None and len(product_raw) > limit:
        raise PayloadTooLarge(f"{product_name}: upload larger than {limit} bytes")
    with saved_upload(name, raw, allowed=tuple(BOM_FORMATS), limit=limit, what="BOM") as path:
        product_path = None
        if product_raw:
            product_path = path.parent / ("product-" + product_name)
            product_path.write_bytes(product_raw)
        return BOM_FORMATS[path.suffix.lower()], domain.read_bom(path, product_path)


def template(kind: str) -> TemplateFile:
    """The demo desk-lamp BOM as a template to fill in, in each upload format."""
    from footprint.bom_io import read_bom, write_bom_csv, write_bom_xlsx

    if kind not in TEMPLATE_FORMATS:
        raise InvalidInput(f"no BOM template {kind!r}; choose one of {', '.join(TEMPLATE_FORMATS)}")
    if kind == "json":
        return TemplateFile("bom-template.json", SAMPLE_BOM.read_bytes(), "application/json")
    bom = read_bom(SAMPLE_BOM)
    with tempfile.TemporaryDirectory(prefix="carbonlabel-template-") as folder:
        base = Path(folder)
        if kind == "xlsx":
            write_bom_xlsx(bom, base / "t.xlsx")
            return TemplateFile(
                "bom-template.xlsx",
                (base / "t.xlsx").read_bytes(),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        write_bom_csv(bom, base / "t.csv", base / "p.json")
        if kind == "csv":
            return TemplateFile("bom-template.csv", (base / "t.csv").read_bytes(), "text/csv; charset=utf-8")
        return TemplateFile("bom-template.product.json", (base / "p.json").read_bytes(), "application/json")


def apply_factor_choices(bom: dict[str, Any], choices: dict[str, str]) -> dict[str, Any]:
    """A copy of the BOM whose factor lines named in `choices` (line_id -> factor id) use the picked
    factor. A choice for a line that is not a factor line, or an unknown line id, is an error."""
    fixed = copy.deepcopy(bom)
    lines = {line.get("line_id"): line for line in fixed.get("lines", [])}
    for line_id, factor_id in choices.items():
        line = lines.get(line_id)
        if line is None:
            raise InvalidInput(f"line_id {line_id!r}: no such line in the BOM")
        if "factor_id" not in line:
            raise InvalidInput(f"line_id {line_id!r}: not a factor line; change it in the file and upload again")
        if not factor_id.strip():
            raise InvalidInput(f"line_id {line_id!r}: choose a factor")
        line["factor_id"] = factor_id.strip()
    return fixed


def store_fixed_bom(
    session: Session, *, actor: User, product: Product, original: BomUpload, choices: dict[str, str]
) -> BomUpload:
    """Store the BOM with the picked factors as a new upload (the original stays as it was sent)."""
    fixed = apply_factor_choices(original.bom, choices)
    raw = json.dumps(fixed, ensure_ascii=False, sort_keys=True).encode()
    stem = Path(original.filename).stem
    return product_service.store_bom(
        session, actor=actor, product=product, filename=f"{stem}.linked.json", file_format="json", raw=raw, bom=fixed
    )


def compute_footprint(
    session: Session, domain: Domain, *, actor: User, product: Product, upload: BomUpload,
    method: str = "AR6", electricity: str = "location", monte_carlo: int | None = None, seed: int | None = None,
) -> Footprint:
    """Compute and store the footprint of an upload; InvalidInput with `linking_report` in `extra`
    when lines do not link (the page shows them with the suggested factors). A Monte Carlo run
    keeps its draws in the result (the page's histogram)."""
    drawn = bool(monte_carlo)  # a seed means nothing without draws
    return product_service.compute_footprint(session, domain, actor=actor, product=product, upload=upload,
                                             method=method, electricity=electricity, monte_carlo=monte_carlo or None,
                                             seed=seed if drawn else None, samples=drawn)


def boms_of(session: Session, product: Product) -> list[BomUpload]:
    """The product's uploads, newest first (the caller checked the product is visible)."""
    query = select(BomUpload).where(BomUpload.product_id == product.id)
    return list(session.scalars(query.order_by(BomUpload.created_at.desc(), BomUpload.id)))


def footprints_of(session: Session, product: Product) -> list[Footprint]:
    query = select(Footprint).where(Footprint.product_id == product.id)
    return list(session.scalars(query.order_by(Footprint.created_at.desc(), Footprint.id)))
