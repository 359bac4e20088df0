"""The bank's and the buyer's read-only pages (issue 16 items 3 and 4): the products an exporter granted to the
reader's organisation; per product the certificates (status, validity), the footprint (value, unit, boundary,
standard, rule set), the verifier, the certified-footprint series (CSV, XLSX, JSON) and the retirement records.
Every product read goes through `api.usecases.shared.granted_product`, which writes the audit row, as the API's
reads do; without a live grant every page answers 404."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.http.deps import SessionDep, StateDep
from api.errors import NotFound
from api.usecases import shared
from api.web.auth import Person, SignedIn, page
from api.web.exporter import PageNotFound

router = APIRouter(include_in_schema=False)

EXPORTS = {"csv": "text/csv; charset=utf-8", "json": "application/json",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _reader(person: Person) -> None:
    if person.user.role not in shared.GRANT_ROLES:
        raise PageNotFound("page")


def _granted(session: Any, person: Person, product_id: str, what: str) -> Any:
    try:
        return shared.granted_product(session, reader=person.user, product_id=product_id, what=what)
    except NotFound:
        raise PageNotFound("product") from None


@router.get("/app/shared", response_class=HTMLResponse)
def shared_products(request: Request, state: StateDep, session: SessionDep, person: SignedIn) -> Response:
    _reader(person)
    return page(request, state, "shared/list.html", person=person,
                products=shared.granted_products(session, reader=person.user))


@router.get("/app/shared/{product_id}", response_class=HTMLResponse)
def shared_product(product_id: str, request: Request, state: StateDep, session: SessionDep,
                   person: SignedIn) -> Response:
    _reader(person)
    product = _granted(session, person, product_id, "web.product")
    views = shared.certificate_views(session, product)
    series = shared.series_rows(session, product)
    retirements = shared.retirement_records(session, product)
    session.commit()  # the audit row of this read
    return page(request, state, "shared/product.html", person=person, product=product, certificates=views,
                series=series, retirements=retirements, columns=shared.SERIES_COLUMNS)


@router.get("/app/shared/{product_id}/series.{kind}")
def shared_series(product_id: str, kind: str, session: SessionDep, person: SignedIn) -> Response:
    _reader(person)
    if kind not in EXPORTS:
        raise PageNotFound("format")
    product = _granted(session, person, product_id, f"web.series.{kind}")
    rows = shared.series_rows(session, product)
    session.commit()
    body = {"csv": shared.series_csv, "xlsx": shared.series_xlsx,
            "json": lambda r: json.dumps(r, ensure_ascii=False, indent=2).encode("utf-8")}[kind](rows)
    return Response(body, media_type=EXPORTS[kind],
                    headers={"Content-Disposition": f'attachment; filename="footprint-series-{product.id}.{kind}"'})
