"""CBAM exposure of import lines (trade offices and exporters): JSON, or PDF with Accept: application/pdf."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field

from api.deps import CurrentUser, SessionDep, StateDep
from api.errors import PayloadTooLarge
from api.routes.jobs import accepted
from api.schemas import Input, error_responses
from api.services import jobs
from api.services.access import require_role

router = APIRouter(prefix="/v1/cbam", tags=["cbam"], responses=error_responses(401, 403, 413, 422))


class ExposureRequest(Input):
    lines: list[dict[str, Any]] = Field(
        min_length=1,
        description="Import lines (more than the inline limit run as a job: 202 + status URL; more than the "
        "hard limit: 413; docs/service.md). Import lines with the columns of docs/cbam.md (importer_id, regime, cn_code, country_of_origin, "
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
        202: {"description": "A large report queued as a job (Location: its status URL)"},
        422: {"description": "A malformed line (names the line and field)"},
    },
)
def exposure(
    body: ExposureRequest, request: Request, user: CurrentUser, state: StateDep, session: SessionDep
) -> Response:
    """Embedded emissions, certificates needed and cost per line and per importer (runs in a worker
    thread; a large report runs as a job: 202 with its status URL)."""
    require_role(user, "trade_office", "exporter")
    settings = state.settings
    wants_pdf = "application/pdf" in request.headers.get("accept", "")
    if len(body.lines) > settings.cbam_max_lines:
        raise PayloadTooLarge(f"{len(body.lines)} lines: more than the limit of {settings.cbam_max_lines} per report")
    if len(body.lines) > settings.cbam_inline_lines:
        job = jobs.submit(
            session,
            user=user,
            kind="cbam_exposure",
            params={**body.model_dump(mode="json"), "pdf": wants_pdf},
            size=len(body.lines),
        )
        session.commit()
        return accepted(job)
    report = state.domain.cbam_exposure(
        body.lines, importer=body.importer, prior_mass_t=body.prior_mass_t, projection=body.projection
    )
    if wants_pdf:
        return Response(
            state.domain.cbam_pdf(report),
            media_type="application/pdf",
            headers={"Content-Disposition": 'inline; filename="cbam-exposure.pdf"'},
        )
    return JSONResponse(report.model_dump(mode="json"))
