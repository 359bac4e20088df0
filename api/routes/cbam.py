"""CBAM exposure of import lines (trade offices and exporters): JSON, or PDF with Accept: application/pdf."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field

from api.deps import CurrentUser, StateDep
from api.schemas import Input, error_responses
from api.services.access import require_role

router = APIRouter(prefix="/v1/cbam", tags=["cbam"], responses=error_responses(401, 403, 422))


class ExposureRequest(Input):
    lines: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=5000,
        description="Import lines with the columns of docs/cbam.md (importer_id, regime, cn_code, country_of_origin, "
        "net_mass_t, import_date, data_basis, ...)",
    )
    importer: str | None = Field(
        default=None, min_length=1, max_length=100, description="Fills lines without importer_id"
    )
    # strict=False: JSON has no decimal type, a number arrives as float and is read as Decimal
    prior_mass_t: Decimal | None = Field(
        default=None, ge=0, le=10**9, strict=False, description="Net mass already imported this year (EU de minimis)"
    )
    projection: bool = Field(default=False, description="Add the 2026-2034 cost projection")


@router.post(
    "/exposure",
    responses={
        200: {"content": {"application/json": {}, "application/pdf": {}}, "description": "The exposure report"},
        422: {"description": "A malformed line (names the line and field)"},
    },
)
def exposure(body: ExposureRequest, request: Request, user: CurrentUser, state: StateDep) -> Response:
    """Embedded emissions, certificates needed and cost per line and per importer (runs in a worker thread)."""
    require_role(user, "trade_office", "exporter")
    report = state.domain.cbam_exposure(
        body.lines, importer=body.importer, prior_mass_t=body.prior_mass_t, projection=body.projection
    )
    if "application/pdf" in request.headers.get("accept", ""):
        return Response(
            state.domain.cbam_pdf(report),
            media_type="application/pdf",
            headers={"Content-Disposition": 'inline; filename="cbam-exposure.pdf"'},
        )
    return JSONResponse(report.model_dump(mode="json"))
