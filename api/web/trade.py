"""The trade office's pages: CBAM costs of many exporters' lines (CSV, XLSX) by line, CN code,
sector, importer, exporter and year under a chosen certificate price, with CSV and XLSX downloads
and the PDF as a job; the recognition checker; the certificate search."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.http.deps import SessionDep, StateDep
from api.errors import InvalidInput, NotFound, PayloadTooLarge
from api.usecases import cbam_files, cbam_scenarios, jobs, recognition_check, search
from api.web.auth import CsrfChecked, Person, SignedIn, page
from api.web.charts import BRAND, SECOND
from api.web.exporter import PageNotFound, json_for_script
from api.web.i18n import translations
from api.web.pages import unit_names_of
from api.web.rendering import language_of, render

router = APIRouter(include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TRADE_ROLES = ("trade_office", "admin")
# how often the job page asks for the PDF's state
JOB_POLL = "every 2s"


def trade_office(person: Person) -> None:
    if person.user.role not in TRADE_ROLES:
        raise PageNotFound("page")


def cost_chart(portfolio: Any, code: str) -> dict[str, Any]:
    """EU cost (EUR) and UK cost (GBP) per year, each on its own axis: never added together."""
    gettext = translations(code).gettext
    years = [row.key for row in portfolio.by_year]
    axis = {"type": "value", "axisLabel": {"fontSize": 11}}
    return {
        "title": {"text": gettext("CBAM cost per year"), "left": 0, "textStyle": {"fontSize": 14}},
        "legend": {"bottom": 0, "left": 0},
        "grid": {"left": 8, "right": 8, "top": 48, "bottom": 32, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": years},
        "yAxis": [axis, {**axis, "splitLine": {"show": False}}],  # the legend names the currencies
        "series": [
            {"type": "bar", "name": gettext("EU CBAM (EUR)"), "data": [float(row.cost_eur) for row in portfolio.by_year],
             "itemStyle": {"color": BRAND}},
            {"type": "bar", "name": gettext("UK CBAM (GBP)"), "yAxisIndex": 1,
             "data": [float(row.cost_gbp) for row in portfolio.by_year], "itemStyle": {"color": SECOND}},
        ],
        "aria": {"enabled": True},
        "animation": False,
    }


def _form_page(request: Request, state: Any, person: Person, *, status_code: int = 200, **context: Any) -> Response:
    options = cbam_scenarios.price_options(date.today())
    defaults: dict[str, Any] = {"portfolio": None, "error": None, "chart": None, "filename": None, "upload": None,
                                "choice": cbam_scenarios.IN_FORCE, "custom": "", "price": None, "line_rows": []}
    return page(request, state, "trade/cbam.html", status_code=status_code, person=person, options=options,
                **{**defaults, **context})


@router.get("/app/cbam", response_class=HTMLResponse)
def cbam_form(request: Request, state: StateDep, person: SignedIn) -> Response:
    trade_office(person)
    return _form_page(request, state, person)


def _the_file(file: UploadFile | None, upload: str, filename: str, limit: int) -> tuple[str, bytes]:
    """The lines file: uploaded now, or sent back by the results page (its scenario and download form)."""
    if file is not None and file.filename:
        return file.filename, file.file.read(limit + 1)
    if upload:
        return filename or "upload", cbam_files.decode_upload(upload, filename or "upload")
    raise InvalidInput("no lines file: choose a .csv or .xlsx file")


def _download(data: bytes | str, media_type: str, name: str) -> Response:
    return Response(data, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/app/cbam", response_class=HTMLResponse)
def cbam_results(
    request: Request,
    state: StateDep,
    session: SessionDep,
    person: SignedIn,
    _web: CsrfChecked,
    file: Annotated[UploadFile | None, File()] = None,
    upload: Annotated[str, Form(max_length=4 * 1024 * 1024)] = "",
    filename: Annotated[str, Form(max_length=255)] = "",
    price: Annotated[str, Form(max_length=40)] = cbam_scenarios.IN_FORCE,
    custom_price: Annotated[str, Form(max_length=40)] = "",
    output: Annotated[str, Form(pattern="^(page|csv|xlsx|pdf)$")] = "page",
) -> Response:
    trade_office(person)
    limit = state.settings.max_upload_bytes
    name, raw = filename or "upload", b""
    chosen: dict[str, Any] = {"choice": price, "custom": custom_price}
    try:
        name, raw = _the_file(file, upload, filename, limit)
        certificate_price = cbam_scenarios.chosen_price(
            cbam_scenarios.price_options(date.today()), price, custom_price)
        if output == "pdf":  # rendering takes long: a job, never this request
            job = cbam_files.submit_portfolio_document(session, user=person.user, filename=name, raw=raw,
                                                       limit=limit, document="pdf",
                                                       certificate_price_eur=certificate_price)
            session.commit()
            return RedirectResponse(f"/app/jobs/{job.id}", status_code=303)
        portfolio = cbam_files.portfolio_of_upload(state.domain, filename=name, raw=raw, limit=limit,
                                                   certificate_price_eur=certificate_price)
    except (InvalidInput, PayloadTooLarge) as exc:
        session.rollback()
        return _form_page(request, state, person, status_code=422, error=exc.message, filename=name,
                          upload=cbam_files.encode_upload(raw) if raw and len(raw) <= limit else None, **chosen)
    if output == "csv":
        return _download(cbam_files.portfolio_csv(portfolio), "text/csv; charset=utf-8", "cbam-portfolio.csv")
    if output == "xlsx":
        return _download(state.domain.cbam_xlsx(portfolio.exposure, portfolio), XLSX, "cbam-portfolio.xlsx")
    chart = json_for_script(cost_chart(portfolio, language_of(request)))
    return _form_page(request, state, person, portfolio=portfolio, chart=chart, filename=name,
                      upload=cbam_files.encode_upload(raw), price=certificate_price,
                      line_rows=cbam_files.own_year_lines(portfolio), **chosen)


def _visible_job(session: Any, job_id: str, person: Person) -> Any:
    try:
        return jobs.get_visible(session, job_id, person.user)
    except NotFound:
        raise PageNotFound("job") from None


@router.get("/app/jobs/{job_id}", response_class=HTMLResponse)
def job_page(job_id: str, request: Request, state: StateDep, session: SessionDep, person: SignedIn) -> Response:
    trade_office(person)
    job = _visible_job(session, job_id, person)
    return page(request, state, "trade/job.html", person=person, job=job, poll=JOB_POLL)


@router.get("/app/jobs/{job_id}/state", response_class=HTMLResponse)
def job_state(job_id: str, request: Request, session: SessionDep, person: SignedIn) -> Response:
    """The job page's status block (htmx swaps it in until the job is finished)."""
    trade_office(person)
    job = _visible_job(session, job_id, person)
    return render(request, "trade/_job_state.html", job=job, poll=JOB_POLL)


@router.get("/app/jobs/{job_id}/result")
def job_result(job_id: str, session: SessionDep, person: SignedIn) -> Response:
    trade_office(person)
    job = _visible_job(session, job_id, person)
    if job.status != "succeeded" or job.result_bytes is None:
        raise PageNotFound("job result")
    suffix = "pdf" if job.media_type == "application/pdf" else "xlsx"
    return _download(job.result_bytes, job.media_type or "application/octet-stream", f"cbam-portfolio.{suffix}")



RECOGNITION_ROLES = TRADE_ROLES


def _recognition_page(request: Request, state: Any, person: Person, *, status_code: int = 200,
                      **context: Any) -> Response:
    defaults: dict[str, Any] = {"results": None, "error": None, "number": "", "target": "", "presented": None}
    return page(request, state, "trade/recognition.html", status_code=status_code, person=person,
                targets=recognition_check.targets(date.today()), **{**defaults, **context})


@router.get("/app/recognition", response_class=HTMLResponse)
def recognition_form(request: Request, state: StateDep, person: SignedIn, number: str = "") -> Response:
    trade_office(person)
    return _recognition_page(request, state, person, number=number[:40])


@router.post("/app/recognition", response_class=HTMLResponse)
def recognition_check_page(
    request: Request,
    state: StateDep,
    session: SessionDep,
    person: SignedIn,
    _web: CsrfChecked,
    number: Annotated[str, Form(max_length=40)] = "",
    target: Annotated[str, Form(max_length=100)] = "",
    certificate: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """A certificate number of this registry, or an uploaded certificate JSON -> outcome and gaps."""
    trade_office(person)
    if target and target not in recognition_check.targets(date.today()):
        target = ""
    kept: dict[str, Any] = {"number": number, "target": target}
    try:
        if certificate is not None and certificate.filename:
            limit = state.settings.max_upload_bytes
            presented = recognition_check.uploaded_certificate(certificate.filename,
                                                               certificate.file.read(limit + 1), limit)
        elif number.strip():
            presented = recognition_check.presented_certificate(session, number)
        else:
            raise InvalidInput("give a certificate number or a certificate JSON file")
        results = recognition_check.check(session, state.domain, presented, target=target or None,
                                          on=date.today())
    except NotFound:
        return _recognition_page(request, state, person, status_code=404, error="not_found", **kept)
    except InvalidInput as exc:
        return _recognition_page(request, state, person, status_code=422, error=exc.message, **kept)
    finally:
        session.rollback()  # read only
    return _recognition_page(request, state, person, results=results, presented=presented, **kept)


CERTIFICATE_STATES = ("valid", "suspended", "revoked", "expired", "superseded")
SEARCH_PAGE_SIZE = 25


@router.get("/app/certificates", response_class=HTMLResponse)
def certificate_search(
    request: Request,
    state: StateDep,
    session: SessionDep,
    person: SignedIn,
    number: Annotated[str, Query(max_length=40)] = "",
    company: Annotated[str, Query(max_length=200)] = "",
    product: Annotated[str, Query(max_length=300)] = "",
    cn_code: Annotated[str, Query(max_length=10, pattern=r"^\d*$")] = "",
    scheme: Annotated[str, Query(max_length=100)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=1000)] = 1,
) -> Response:
    """The certificate search of the trustworthy-certificates issue: the registry's fields plus CN
    code, scheme and state (derived today)."""
    trade_office(person)
    form = {"number": number.strip(), "company": company.strip(), "product": product.strip(),
            "cn_code": cn_code, "scheme": scheme if scheme in recognition_check.all_schemes(date.today()) else "",
            "status": status if status in CERTIFICATE_STATES else ""}
    query = search.CertificateQuery(exporter=form["company"] or None, product=form["product"] or None,
                                    number=form["number"] or None, cn_code=form["cn_code"] or None,
                                    scheme=form["scheme"] or None, status=form["status"] or None)
    searched = any(form.values())
    hits = search.search_certificates(session, query, limit=SEARCH_PAGE_SIZE + 1,
                                      offset=(page_number - 1) * SEARCH_PAGE_SIZE) if searched else []
    session.rollback()
    return page(request, state, "registry.html", person=person, form=form, hits=hits[:SEARCH_PAGE_SIZE],
                unit_names=unit_names_of(hits, language_of(request)),
                searched=searched, page=page_number, more=len(hits) > SEARCH_PAGE_SIZE, action="/app/certificates",
                schemes=recognition_check.all_schemes(date.today()), states=CERTIFICATE_STATES)
