"""Public web pages: language choice, verification, registry search, scheme guides.

Pages call service functions (api/usecases) and render templates; they never call the HTTP API's
routes nor the domain packages."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.http.deps import SessionDep
from api.errors import NotFound
from api.usecases import declared_units, scheme_guide, search
from api.web.i18n import LANGUAGE_COOKIE, LANGUAGES
from api.web.rendering import language_of, render

router = APIRouter(include_in_schema=False)

REGISTRY_PAGE_SIZE = 25
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no '//' or backslash tricks): no open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/language/{code}")
def choose_language(code: str, request: Request, next: str | None = None) -> Response:
    """Remember the reader's language (a cookie for a year) and go back to the page they were on."""
    if code not in LANGUAGES:
        raise NotFound(f"no language {code!r}; choose one of {', '.join(LANGUAGES)}")
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=LANGUAGE_COOKIE_SECONDS,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/verify")
def verify_form(number: str = "") -> Response:
    """The verification form of the landing page: a typed number goes to its QR URL."""
    number = number.strip().upper()
    if number:
        return RedirectResponse(f"/verify/{number}", status_code=303)
    return RedirectResponse("/#verify", status_code=303)


@router.get("/registry", response_class=HTMLResponse)
def registry_page(
    request: Request,
    session: SessionDep,
    number: str = Query("", max_length=40),
    company: str = Query("", max_length=200),
    product: str = Query("", max_length=300),
    page: int = Query(1, ge=1, le=1000),
) -> HTMLResponse:
    number, company, product = number.strip(), company.strip(), product.strip()
    query = search.CertificateQuery(exporter=company or None, product=product or None, number=number or None)
    searched = bool(number or company or product)
    hits: list[search.CertificateHit] = []
    if searched:
        hits = search.search_certificates(
            session, query, limit=REGISTRY_PAGE_SIZE + 1, offset=(page - 1) * REGISTRY_PAGE_SIZE
        )
    more = len(hits) > REGISTRY_PAGE_SIZE
    return render(
        request,
        "registry.html",
        unit_names=unit_names_of(hits, language_of(request)),
        form={"number": number, "company": company, "product": product},
        hits=hits[:REGISTRY_PAGE_SIZE],
        searched=searched,
        page=page,
        more=more,
    )


@router.get("/schemes", response_class=HTMLResponse)
def schemes_page(request: Request) -> HTMLResponse:
    return render(request, "schemes.html", schemes=scheme_guide.schemes(date.today()))


@router.get("/schemes/{scheme}", response_class=HTMLResponse)
def scheme_page(scheme: str, request: Request) -> HTMLResponse:
    try:
        guide = scheme_guide.guide(scheme, date.today())
    except NotFound:
        return render(request, "not_found.html", status_code=404, what=scheme)
    return render(request, "scheme.html", guide=guide)


def unit_names_of(hits: list[search.CertificateHit], code: str) -> dict[str, str]:
    """Each hit's declared unit in the page's language (certificate number -> name)."""
    return {hit.number: declared_units.unit_names_on(str(hit.declared_unit.get("unit", "")), hit.valid_from)
            .get(code, "") for hit in hits if hit.declared_unit.get("unit") and hit.valid_from}


def verification_page(request: Request, **context: Any) -> HTMLResponse:
    """The page behind a certificate's QR code (served by the public /verify/{number} route); the
    declared unit is named in the page's language, as on the day the certificate was issued."""
    verification = context["v"]
    unit = (verification.value.get("declared_unit") or {}).get("unit", "")
    names = declared_units.unit_names_on(unit, verification.valid_from) if unit else {}
    return render(request, "verify.html", unit_name=names.get(language_of(request), unit), **context)


def verification_missing_page(request: Request, number: str) -> HTMLResponse:
    return render(request, "verify_missing.html", status_code=404, number=number)


class VerificationPages:
    """The verification pages as the public /verify/{number} route asks for them (api.http.routes.public)."""

    def found(self, request: Request, **context: Any) -> HTMLResponse:
        return verification_page(request, **context)

    def missing(self, request: Request, number: str) -> HTMLResponse:
        return verification_missing_page(request, number)
