"""Products, BOM uploads and footprints (exporters, for their own organisation)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from api.http import idempotency
from api.http.deps import CurrentUser, SessionDep, StateDep
from api.errors import InvalidInput, PayloadTooLarge
from api.http.routes.jobs import accepted
from api.http.schemas import (
    BomPublic, FootprintCreate, FootprintPublic, FootprintColumns, ProductCreate, ProductPublic, error_responses,
)
from api.usecases import bom_intake, jobs, records
from api.usecases import products as product_service
from api.usecases.access import require_role

if TYPE_CHECKING:  # row types for annotations only: the routes never query them
    from api.storage.models import BomUpload, Footprint

router = APIRouter(prefix="/v1", tags=["products"], responses=error_responses(401, 403, 404, 422))

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


def bom_public(upload: BomUpload) -> BomPublic:
    lines = upload.bom.get("lines", []) if isinstance(upload.bom, dict) else []
    return BomPublic(
        id=upload.id,
        product_id=upload.product_id,
        filename=upload.filename,
        file_format=upload.file_format,
        sha256=upload.sha256,
        line_count=len(lines),
        created_at=upload.created_at,
    )


@router.post("/products", response_model=ProductPublic, status_code=201)
def create_product(
    request: Request,
    body: ProductCreate,
    user: CurrentUser,
    session: SessionDep,
    idempotency_key: idempotency.IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Register a product of the caller's organisation."""
    require_role(user, "exporter")
    attempt = idempotency.begin(session, user, idempotency_key, request, body)
    if attempt.replayed is not None:
        return attempt.replayed
    product = product_service.create_product(
        session, actor=user, name=body.name, category=body.category, cn_code=body.cn_code
    )
    return attempt.commit_created(201, lambda: ProductPublic.model_validate(product).model_dump(mode="json"))


@router.get("/products", response_model=list[ProductPublic])
def list_products(
    user: CurrentUser, session: SessionDep, limit: Limit = 100, offset: Offset = 0
) -> list[ProductPublic]:
    """Products the caller may see."""
    require_role(user, "exporter", "certifier", "admin")
    return [
        ProductPublic.model_validate(p)
        for p in product_service.list_products(session, user=user, limit=limit, offset=offset)
    ]


@router.get("/products/{product_id}", response_model=ProductPublic)
def get_product(product_id: str, user: CurrentUser, session: SessionDep) -> ProductPublic:
    require_role(user, "exporter", "certifier", "admin")
    return ProductPublic.model_validate(records.visible_product(session, product_id, user))


@router.post(
    "/products/{product_id}/boms",
    response_model=BomPublic,
    status_code=201,
    responses={413: {"description": "Upload too large"}, 422: {"description": "Malformed BOM (names the line)"}},
)
def upload_bom(
    product_id: str,
    file: Annotated[UploadFile, File(description="BOM as .json, .csv or .xlsx")],
    user: CurrentUser,
    session: SessionDep,
    state: StateDep,
    product: Annotated[UploadFile | None, File(description="For a CSV BOM: the product JSON")] = None,
) -> BomPublic:
    """Upload a bill of materials; it is parsed and checked now, linked when a footprint is computed."""
    require_role(user, "exporter")
    row = records.visible_product(session, product_id, user)
    limit = state.settings.max_upload_bytes
    raw = file.file.read(limit + 1)
    product_raw = product.file.read(limit + 1) if product is not None else None
    file_format, bom = bom_intake.read_upload(
        state.domain, filename=file.filename or "upload", raw=raw, product_raw=product_raw, limit=limit,
        product_filename=product.filename if product is not None else None,
    )
    upload = product_service.store_bom(
        session, actor=user, product=row, filename=Path(file.filename or "upload").name, file_format=file_format,
        raw=raw, bom=bom,
    )
    session.commit()
    return bom_public(upload)


@router.post(
    "/products/{product_id}/footprints",
    response_model=FootprintPublic,
    status_code=201,
    responses={
        202: {"description": "A large Monte Carlo run queued as a job (Location: its status URL)"},
        413: {"description": "More Monte Carlo iterations than the hard limit"},
        422: {"description": "BOM lines that do not link, with the linking report"},
    },
)
def compute_footprint(
    request: Request,
    product_id: str,
    body: FootprintCreate,
    user: CurrentUser,
    session: SessionDep,
    state: StateDep,
    idempotency_key: idempotency.IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Compute and store the footprint of an uploaded BOM (runs in a worker thread). A Monte Carlo
    run above the inline limit is queued as a job (202 + status URL); above the hard limit, 413."""
    require_role(user, "exporter")
    product = records.visible_product(session, product_id, user)
    attempt = idempotency.begin(session, user, idempotency_key, request, body)
    if attempt.replayed is not None:
        return attempt.replayed
    upload = records.visible_bom(session, body.bom_id, user)
    if upload.product_id != product.id:
        raise InvalidInput(f"BOM {upload.id} was uploaded for another product")
    settings = state.settings
    iterations = body.monte_carlo or 0
    if iterations > settings.monte_carlo_max_iterations:
        raise PayloadTooLarge(
            f"monte_carlo {iterations}: more than the limit of {settings.monte_carlo_max_iterations} iterations"
        )
    if iterations > settings.monte_carlo_inline_iterations:
        job = jobs.submit(
            session,
            user=user,
            kind="footprint",
            params={"product_id": product.id, **body.model_dump(mode="json")},
            size=iterations,
        )
        session.commit()
        return accepted(job)
    row = product_service.compute_footprint(
        session, state.domain, actor=user, product=product, upload=upload,
        method=body.method, electricity=body.electricity, monte_carlo=body.monte_carlo, seed=body.seed,
    )
    return attempt.commit_created(201, lambda: footprint_body(row))


def footprint_body(row: Footprint) -> dict[str, Any]:
    """`FootprintPublic` of a footprint just stored, as JSON values: the columns through the model,
    the result as the very document stored (the engine's validated model dumped once, and checked
    by guards.check_stored_dump), not validated and dumped a second time."""
    return {**FootprintColumns.model_validate(row).model_dump(mode="json"), "result": row.result}


@router.get("/footprints/{footprint_id}", response_model=FootprintPublic)
def get_footprint(footprint_id: str, user: CurrentUser, session: SessionDep) -> FootprintPublic:
    require_role(user, "exporter", "certifier", "admin")
    return FootprintPublic.model_validate(records.visible_footprint(session, footprint_id, user))


@router.get("/boms/{bom_id}", responses={200: {"content": {"application/json": {}}, "description": "The BOM"}})
def download_bom(bom_id: str, user: CurrentUser, session: SessionDep) -> JSONResponse:
    """The BOM as stored (its JSON form, checked at upload; `X-Upload-SHA256` is the uploaded file's
    hash), as a download: for the exporter and for certifiers reviewing an application."""
    require_role(user, "exporter", "certifier", "admin")
    upload = records.visible_bom(session, bom_id, user)
    return JSONResponse(
        upload.bom,
        headers={
            "Content-Disposition": f'attachment; filename="bom-{upload.id}.json"',
            "X-Upload-SHA256": upload.sha256,
        },
    )
