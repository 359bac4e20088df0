"""CBAM exposure of import lines (trade offices and exporters) and trade-office portfolios: JSON, or
PDF with Accept: application/pdf, or XLSX with Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import Field

from api.http.deps import CurrentUser, SessionDep, StateDep
from api.errors import PayloadTooLarge
from api.http.routes.jobs import accepted
from api.http.schemas import Input, error_responses
from api.usecases import jobs
from api.usecases.access import require_role
from api.usecases.cbam_files import portfolio_of_upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCUMENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, "application/pdf": {}, XLSX: {}}, "description": "The report"},
    422: {"description": "A malformed line (names the line and field)"},
}

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
    obligations: bool = Field(
        default=False, description="Add the EU importers' quarterly holding, purchases, surrenders and monthly cash flow"
    )


class PortfolioRequest(Input):
    lines: list[dict[str, Any]] = Field(
        min_length=1, max_length=20000,
        description="Many exporters' import lines (docs/cbam.md columns, with exporter_id)",
    )
    projection: bool = Field(default=False, description="Add the 2026-2034 cost projection")
    obligations: bool = Field(default=False, description="Add the EU importers' obligations over time")


def _document(request: Request, state: Any, report: Any, portfolio: Any = None, name: str = "cbam-exposure") -> Response:
    """JSON by default; PDF or XLSX when the Accept header asks for it."""
    accept = request.headers.get("accept", "")
    if "application/pdf" in accept:
        pdf = state.domain.cbam_portfolio_pdf(portfolio) if portfolio is not None else state.domain.cbam_pdf(report)
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})
    if XLSX in accept:
        return Response(state.domain.cbam_xlsx(report, portfolio), media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    return JSONResponse((portfolio if portfolio is not None else report).model_dump(mode="json"))


@router.post(
    "/exposure",
    responses={**DOCUMENT_RESPONSES, 202: {"description": "A large report queued as a job (Location: its status URL)"}},
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
        body.lines, importer=body.importer, prior_mass_t=body.prior_mass_t, projection=body.projection,
        obligations=body.obligations,
    )
    return _document(request, state, report)


@router.post(
    "/portfolio",
    responses={**DOCUMENT_RESPONSES, 202: {"description": "A large portfolio queued as a job (Location: its status URL)"}},
)
def portfolio(
    body: PortfolioRequest, request: Request, user: CurrentUser, state: StateDep, session: SessionDep
) -> Response:
    """A trade office's portfolio: aggregates by exporter, destination, sector, CN code and year, with the
    certificate price, actual-vs-default and China carbon price sensitivities (runs in a worker thread)."""
    require_role(user, "trade_office")
    if len(body.lines) > state.settings.cbam_max_lines:
        raise PayloadTooLarge(
            f"{len(body.lines)} lines: more than the limit of {state.settings.cbam_max_lines} per report"
        )
    if len(body.lines) > state.settings.cbam_inline_lines:  # the same rule as /exposure: a job, never a request worker
        accept = request.headers.get("accept", "")
        job = jobs.submit(
            session,
            user=user,
            kind="cbam_portfolio",
            params={**body.model_dump(mode="json"),
                    "format": "pdf" if "application/pdf" in accept else "xlsx" if XLSX in accept else "json"},
            size=len(body.lines),
        )
        session.commit()
        return accepted(job)
    book = state.domain.cbam_portfolio(body.lines, projection=body.projection, obligations=body.obligations)
    return _document(request, state, book.exposure, book, "cbam-portfolio")


@router.post("/portfolio/upload", responses={**DOCUMENT_RESPONSES, 413: {"description": "Upload too large"}})
def portfolio_upload(
    file: Annotated[UploadFile, File(description="Import lines as .csv or .xlsx (docs/cbam.md columns)")],
    request: Request,
    user: CurrentUser,
    state: StateDep,
    projection: Annotated[bool, Query(description="Add the 2026-2034 cost projection")] = False,
    obligations: Annotated[bool, Query(description="Add the EU importers' obligations over time")] = False,
) -> Response:
    """The portfolio of an uploaded CSV or XLSX file of many exporters' lines."""
    require_role(user, "trade_office")
    limit = state.settings.max_upload_bytes
    book = portfolio_of_upload(state.domain, filename=file.filename or "upload", raw=file.file.read(limit + 1),
                               limit=limit, projection=projection, obligations=obligations)
    return _document(request, state, book.exposure, book, "cbam-portfolio")
