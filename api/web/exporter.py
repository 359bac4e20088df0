"""The exporter's pages: products, BOM upload (with templates), the linking report fixed in the
page, and the footprint with its charts. Same roles and organisation scoping as the API: the
person is passed to the same service functions (another organisation's id answers 404)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.http.deps import SessionDep, StateDep
from api.errors import Forbidden, InvalidInput, NotFound, PayloadTooLarge
from api.usecases import bom_intake, footprint_views, records
from api.usecases import products as product_service
from api.usecases.access import require_role
from api.web.auth import CsrfChecked, Person, SignedIn, page
from api.web.charts import (
    footprint_charts,
    gas_label,
    histogram_chart,
    scenario_chart,
    stage_label,
)
from api.web.rendering import language_of

if TYPE_CHECKING:  # row types for annotations only: the pages never query them
    from api.storage.models import BomUpload, Product

router = APIRouter(include_in_schema=False)
Row = TypeVar("Row")


class PageNotFound(Exception):
    """A page for a record the person may not see (or that does not exist): answered with 404."""


def visible(session: Any, lookup: Callable[[Any, str, Any], Row], row_id: str, person: Person) -> Row:
    """The row the person may see by a lookup of api.usecases.records (the API's organisation
    scoping, e.g. `visible(session, records.visible_product, id, person)`), else PageNotFound."""
    try:
        return lookup(session, row_id, person.user)
    except NotFound as exc:
        raise PageNotFound(exc.message) from None


def exporter_only(person: Person) -> None:
    try:
        require_role(person.user, "exporter")
    except Forbidden:
        raise PageNotFound("page") from None


@router.get("/app/products", response_class=HTMLResponse)
def products_page(request: Request, state: StateDep, session: SessionDep, person: SignedIn) -> Response:
    exporter_only(person)
    rows = product_service.list_products(session, user=person.user, limit=500, offset=0)
    return page(request, state, "exporter/products.html", person=person, products=rows, error=None, form={})


@router.post("/app/products", response_class=HTMLResponse)
def create_product(
    request: Request,
    state: StateDep,
    session: SessionDep,
    person: SignedIn,
    _web: CsrfChecked,
    name: Annotated[str, Form(max_length=300)] = "",
    category: Annotated[str, Form(max_length=200)] = "",
    cn_code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    exporter_only(person)
    form = {"name": name, "category": category, "cn_code": cn_code}
    if not name.strip():
        rows = product_service.list_products(session, user=person.user, limit=500, offset=0)
        return page(request, state, "exporter/products.html", status_code=422, person=person, products=rows,
                    error="name", form=form)
    product = product_service.create_product(
        session, actor=person.user, name=name.strip(), category=category.strip() or None,
        cn_code=cn_code.strip() or None,
    )
    session.commit()
    return RedirectResponse(f"/app/products/{product.id}", status_code=303)


def _product_page(request: Request, state: Any, session: Any, person: Person, product: Product, *,
                  status_code: int = 200, error: str | None = None) -> Response:
    return page(
        request, state, "exporter/product.html", status_code=status_code, person=person, product=product,
        boms=bom_intake.boms_of(session, product), footprints=bom_intake.footprints_of(session, product),
        error=error, max_upload_bytes=state.settings.max_upload_bytes,
    )


@router.get("/app/products/{product_id}", response_class=HTMLResponse)
def product_page(product_id: str, request: Request, state: StateDep, session: SessionDep, person: SignedIn) -> Response:
    exporter_only(person)
    product = visible(session, records.visible_product, product_id, person)
    return _product_page(request, state, session, person, product)


@router.get("/app/bom-template.{kind}")
def bom_template(kind: str, person: SignedIn) -> Response:
    try:
        template = bom_intake.template(kind)
    except InvalidInput:
        raise PageNotFound("template") from None
    return Response(template.content, media_type=template.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{template.filename}"'})


@router.post("/app/products/{product_id}/boms", response_class=HTMLResponse)
def upload_bom(
    product_id: str,
    request: Request,
    state: StateDep,
    session: SessionDep,
    person: SignedIn,
    _web: CsrfChecked,
    file: Annotated[UploadFile, File()],
    product_file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Upload, check and store the BOM, then compute its footprint at once; lines that do not link
    lead to the linking page."""
    exporter_only(person)
    product = visible(session, records.visible_product, product_id, person)
    limit = state.settings.max_upload_bytes
    raw = file.file.read(limit + 1)
    product_raw = product_file.file.read(limit + 1) if product_file is not None and product_file.filename else None
    try:
        file_format, bom = bom_intake.read_upload(
            state.domain, filename=file.filename or "upload", raw=raw, product_raw=product_raw, limit=limit
        )
    except (InvalidInput, PayloadTooLarge) as exc:
        session.rollback()
        return _product_page(request, state, session, person, product, status_code=422, error=exc.message)
    upload = product_service.store_bom(
        session, actor=person.user, product=product, filename=file.filename or "upload", file_format=file_format,
        raw=raw, bom=bom,
    )
    session.commit()
    return _compute_or_link(session, state, person, product, upload)


def _compute_or_link(session: Any, state: Any, person: Person, product: Product, upload: BomUpload) -> Response:
    try:
        footprint = bom_intake.compute_footprint(session, state.domain, actor=person.user, product=product,
                                                 upload=upload)
    except InvalidInput as exc:
        session.rollback()
        if "linking_report" in exc.extra:
            return RedirectResponse(f"/app/boms/{upload.id}/linking", status_code=303)
        raise
    session.commit()
    return RedirectResponse(f"/app/footprints/{footprint.id}", status_code=303)


@router.get("/app/boms/{bom_id}/linking", response_class=HTMLResponse)
def linking_page(bom_id: str, request: Request, state: StateDep, session: SessionDep, person: SignedIn) -> Response:
    """The lines that do not link, each with the suggested factors to pick from."""
    exporter_only(person)
    upload = visible(session, records.visible_bom, bom_id, person)
    product = visible(session, records.visible_product, upload.product_id, person)
    report = None
    try:
        state.domain.compute(upload.bom, method="AR6", electricity="location", monte_carlo=None, seed=None)
    except InvalidInput as exc:
        report = exc.extra.get("linking_report")
        if report is None:
            return _product_page(request, state, session, person, product, status_code=422, error=exc.message)
    return page(request, state, "exporter/linking.html", person=person, product=product, upload=upload,
                report=report, error=None)


@router.post("/app/boms/{bom_id}/linking", response_class=HTMLResponse)
async def fix_links(bom_id: str, request: Request, state: StateDep, session: SessionDep, person: SignedIn,
                    _web: CsrfChecked) -> Response:
    """The picked factors (fields `factor.<line_id>`) make a new upload, whose footprint is computed."""
    exporter_only(person)
    upload = visible(session, records.visible_bom, bom_id, person)
    product = visible(session, records.visible_product, upload.product_id, person)
    form = await request.form()
    choices = {key.removeprefix("factor."): str(value) for key, value in form.items() if key.startswith("factor.")}
    try:
        fixed = bom_intake.store_fixed_bom(session, actor=person.user, product=product, original=upload,
                                           choices=choices)
    except InvalidInput as exc:
        session.rollback()
        return _product_page(request, state, session, person, product, status_code=422, error=exc.message)
    session.commit()
    return _compute_or_link(session, state, person, product, fixed)


@router.get("/app/footprints/{footprint_id}", response_class=HTMLResponse)
def footprint_page(footprint_id: str, request: Request, state: StateDep, session: SessionDep,
                   person: SignedIn, grid: str | None = None) -> Response:
    """The footprint; `grid=2030` adds the same BOM on the 2030 grid scenario beside it."""
    footprint = visible(session, records.visible_footprint, footprint_id, person)
    product = visible(session, records.visible_product, footprint.product_id, person)
    code = language_of(request)
    result = footprint.result
    charts = footprint_charts(result, code)
    stages = [(stage_label(code, stage), value) for stage, value in result.get("by_stage", {}).items() if value]
    histogram = footprint_views.histogram(result.get("uncertainty"))
    if histogram is not None:
        charts["uncertainty"] = histogram_chart(histogram, result["uncertainty"], code)
    scenario, scenario_stages, scenario_error = None, [], None
    if grid == "2030" and footprint.bom_id is not None:
        try:
            scenario = footprint_views.grid_scenario(session, state.domain, footprint)
        except InvalidInput as exc:  # e.g. a snapshot without the scenario overlay
            scenario_error = exc.message
        else:
            scenario_stages = footprint_views.compare_stages(result.get("by_stage", {}), scenario.by_stage)
            charts["scenario"] = scenario_chart(scenario_stages, code, footprint_views.GRID_SCENARIO)
    cbam = footprint_views.cbam_estimate(session, state.domain, product, footprint, date.today())
    versions = [f for f in bom_intake.footprints_of(session, product) if f.id != footprint.id]
    return page(
        request, state, "exporter/footprint.html", person=person, product=product, footprint=footprint,
        result=result, stages=stages, charts={name: json_for_script(option) for name, option in charts.items()},
        scenario=scenario, scenario_stages=[(stage_label(code, s), a, b) for s, a, b in scenario_stages],
        grid_scenario=footprint_views.GRID_SCENARIO, scenario_error=scenario_error, cbam=cbam, versions=versions,
        is_exporter=person.user.role == "exporter", draws=footprint_views.UNCERTAINTY_DRAWS,
        seed=footprint_views.UNCERTAINTY_SEED,
    )


@router.post("/app/footprints/{footprint_id}/uncertainty", response_class=HTMLResponse)
def estimate_uncertainty(footprint_id: str, state: StateDep, session: SessionDep, person: SignedIn,
                         _web: CsrfChecked) -> Response:
    """A new version of the footprint with a seeded Monte Carlo run (the histogram's draws)."""
    exporter_only(person)
    footprint = visible(session, records.visible_footprint, footprint_id, person)
    version = footprint_views.with_uncertainty(session, state.domain, actor=person.user, footprint=footprint)
    session.commit()
    return RedirectResponse(f"/app/footprints/{version.id}#uncertainty", status_code=303)


@router.get("/app/footprints/{footprint_id}/compare", response_class=HTMLResponse)
def compare_versions(footprint_id: str, request: Request, state: StateDep, session: SessionDep,
                     person: SignedIn, other: str = "") -> Response:
    """Two footprint versions of the same product side by side (the older one first)."""
    footprint = visible(session, records.visible_footprint, footprint_id, person)
    second = visible(session, records.visible_footprint, other, person) if other else None
    if second is None or second.product_id != footprint.product_id:
        raise PageNotFound("footprint")
    product = visible(session, records.visible_product, footprint.product_id, person)
    older, newer = sorted((footprint, second), key=lambda f: (f.created_at, f.id))
    code = language_of(request)
    diff = footprint_views.compare(older, newer)
    diff["stages"] = [(stage_label(code, s), a, b) for s, a, b in diff["stages"]]
    diff["gases"] = [(gas_label(code, g), a, b) for g, a, b in diff["gases"]]
    return page(request, state, "exporter/compare.html", person=person, product=product, older=older, newer=newer,
                diff=diff)


def json_for_script(value: Any) -> str:
    """JSON that cannot end its <script type="application/json"> block (user text is in it)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def install_handlers(app: Any) -> None:
    from api.web.rendering import render

    @app.exception_handler(PageNotFound)
    async def _not_found(request: Request, exc: PageNotFound) -> Response:
        return render(request, "not_found.html", status_code=404, what=request.url.path)
