"""The trade office's CBAM page: upload a lines file (CSV, XLSX) of many exporters, see the cost by
year (chart), sector, CN code and exporter, or download the same report as PDF or XLSX."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from api.deps import StateDep
from api.errors import InvalidInput, PayloadTooLarge
from api.services.cbam_files import portfolio_of_upload
from api.web.auth import CsrfChecked, Person, SignedIn, page
from api.web.exporter import PageNotFound, json_for_script
from api.web.i18n import translations
from api.web.rendering import language_of

router = APIRouter(include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _trade_office(person: Person) -> None:
    if person.user.role not in ("trade_office", "admin"):
        raise PageNotFound("page")


def cost_chart(portfolio: Any, code: str) -> dict[str, Any]:
    gettext = translations(code).gettext
    years = [row.key for row in portfolio.by_year]
    return {
        "title": {"text": gettext("CBAM cost per year (EUR)"), "left": 0, "textStyle": {"fontSize": 14}},
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": years},
        "yAxis": {"type": "value"},
        "series": [{"type": "bar", "data": [float(row.cost_eur) for row in portfolio.by_year],
                    "itemStyle": {"color": "#1f6f4a"}}],
        "aria": {"enabled": True},
        "animation": False,
    }


@router.get("/app/cbam", response_class=HTMLResponse)
def cbam_form(request: Request, state: StateDep, person: SignedIn) -> Response:
    _trade_office(person)
    return page(request, state, "trade/cbam.html", person=person, portfolio=None, error=None, chart=None,
                filename=None)


@router.post("/app/cbam", response_class=HTMLResponse)
def cbam_results(
    request: Request,
    state: StateDep,
    person: SignedIn,
    _web: CsrfChecked,
    file: Annotated[UploadFile, File()],
    output: Annotated[str, Form(pattern="^(page|pdf|xlsx)$")] = "page",
) -> Response:
    _trade_office(person)
    limit = state.settings.max_upload_bytes
    raw = file.file.read(limit + 1)
    try:
        portfolio = portfolio_of_upload(state.domain, filename=file.filename or "upload", raw=raw, limit=limit)
    except (InvalidInput, PayloadTooLarge) as exc:
        return page(request, state, "trade/cbam.html", status_code=422, person=person, portfolio=None,
                    error=exc.message, chart=None, filename=file.filename)
    if output == "pdf":
        return Response(state.domain.cbam_portfolio_pdf(portfolio), media_type="application/pdf",
                        headers={"Content-Disposition": 'attachment; filename="cbam-portfolio.pdf"'})
    if output == "xlsx":
        return Response(state.domain.cbam_xlsx(portfolio.exposure, portfolio), media_type=XLSX,
                        headers={"Content-Disposition": 'attachment; filename="cbam-portfolio.xlsx"'})
    chart = json_for_script(cost_chart(portfolio, language_of(request)))
    return page(request, state, "trade/cbam.html", person=person, portfolio=portfolio, error=None, chart=chart,
                filename=file.filename)
