"""Carbon-neutral claims on the web (issue 16 item 4): the exporter's claims (management plan, retired lots with
serials, evidence; create and submit), the certifier's review (every T4 check with value, threshold and source;
start review, approve, reject with reasons), and the public page of a claim (what was offset and how, linked
from the verification page). Pages call api/usecases only (claims, approval, applications)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.http.deps import SessionDep, StateDep
from api.errors import Conflict, Forbidden, InvalidInput, NotFound
from api.usecases import applications as workflow
from api.usecases import bom_intake, certification, claims
from api.usecases import products as product_service
from api.web import grants
from api.web.auth import CsrfChecked, Person, SignedIn, page
from api.web.exporter import PageNotFound
from api.web.rendering import render

router = APIRouter(include_in_schema=False)

REVIEW_ACTIONS = ("start_review", "approve", "reject")
ACTION_ERRORS = (Forbidden, Conflict, InvalidInput)
Text = Annotated[str, Form(max_length=200)]


def _role(person: Person, *roles: str) -> None:
    if person.user.role not in roles:
        raise PageNotFound("page")


def _footprint_choices(session: Any, person: Person) -> list[dict[str, Any]]:
    return [{"product": p, "footprint": f}
            for p in product_service.list_products(session, user=person.user, limit=500, offset=0)
            for f in bom_intake.footprints_of(session, p)]


def _claims_page(request: Request, state: Any, session: Any, person: Person, *, status_code: int = 200,
                 error: str | None = None, form: dict[str, str] | None = None) -> Response:
    return page(request, state, "claims/list.html", status_code=status_code, person=person, error=error,
                form=form or {}, claims=claims.claims_of(session, person.user),
                names={p.id: p.name for p in product_service.list_products(session, user=person.user, limit=500,
                                                                             offset=0)},
                schemes=claims.neutral_schemes(state.domain), choices=_footprint_choices(session, person),
                columns=claims.LOT_COLUMNS)


@router.get("/app/claims", response_class=HTMLResponse)
def claims_page(request: Request, state: StateDep, session: SessionDep, person: SignedIn) -> Response:
    _role(person, "exporter")
    return _claims_page(request, state, session, person)


@router.post("/app/claims", response_class=HTMLResponse)
def create_claim(
    request: Request, state: StateDep, session: SessionDep, person: SignedIn, _web: CsrfChecked,
    dossier: Annotated[UploadFile, File()], footprint_id: Text = "", scheme: Text = "",
    period_start: Text = "", period_end: Text = "", units_sold: Text = "", plan_reference: Text = "",
    plan_adopted_on: Text = "", plan_evidence_file: Text = "", baseline_start: Text = "", baseline_end: Text = "",
    baseline_kgco2e: Text = "", target_by: Text = "", target_kgco2e: Text = "", timeline_end: Text = "",
    lots_csv: Annotated[str, Form(max_length=100_000)] = "",
) -> Response:
    _role(person, "exporter")
    fields = claims.ClaimForm(period_start, period_end, units_sold, plan_reference, plan_adopted_on,
                              plan_evidence_file, baseline_start, baseline_end, baseline_kgco2e, target_by,
                              target_kgco2e, timeline_end, lots_csv)
    form = {k: str(v) for k, v in vars(fields).items()} | {"footprint_id": footprint_id, "scheme": scheme}
    try:
        product, footprint = claims.visible_footprint(session, person.user, footprint_id)
        raw = dossier.file.read(state.settings.max_upload_bytes + 1)
        if len(raw) > state.settings.max_upload_bytes:
            raise InvalidInput(f"evidence file: larger than {state.settings.max_upload_bytes} bytes")
        claim = claims.create_claim(session, state.domain, actor=person.user, product=product, footprint=footprint,
                                    scheme=scheme, dossier=claims.read_dossier(raw), form=fields)
    except NotFound:
        session.rollback()
        return _claims_page(request, state, session, person, status_code=422, error="footprint", form=form)
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        return _claims_page(request, state, session, person, status_code=exc.status_code, error=exc.message,
                            form=form)
    session.commit()
    return RedirectResponse(f"/app/claims/{claim.id}", status_code=303)


def _visible_claim(session: Any, person: Person, claim_id: str) -> Any:
    try:
        return claims.visible_claim(session, person.user, claim_id)
    except NotFound:
        raise PageNotFound("claim") from None


def _claim_page(request: Request, state: Any, session: Any, person: Person, application: Any, *,
                status_code: int = 200, error: str | None = None, grant_error: str | None = None) -> Response:
    reviewer = person.user.role in ("certifier", "admin")
    view = claims.claim_view(session, state.domain, application, rerun=reviewer)
    independent = person.user.organisation_id != application.organisation_id
    return page(request, state, "claims/claim.html", status_code=status_code, person=person, v=view, error=error,
                can_review=person.user.role == "certifier" and independent,
                can_submit=person.user.role == "exporter" and application.status in ("draft", "information_requested"),
                grant_error=grant_error,
                grants=grants.grants_for_page(session, person, application.product_id) if view.certificate_number else [])


@router.get("/app/claims/{application_id}", response_class=HTMLResponse)
def claim_page(application_id: str, request: Request, state: StateDep, session: SessionDep,
               person: SignedIn) -> Response:
    _role(person, "exporter", "certifier", "admin")
    application = _visible_claim(session, person, application_id)
    return _claim_page(request, state, session, person, application)


@router.post("/app/claims/{application_id}/grants", response_class=HTMLResponse)
def grant_read_access(
    application_id: str, request: Request, state: StateDep, session: SessionDep, person: SignedIn, _web: CsrfChecked,
    grantee_organisation_id: Annotated[str, Form(max_length=64)] = "", role: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """The exporter lets a bank or buyer read the claim's product (api.usecases.shared.grant, as the API)."""
    _role(person, "exporter")
    application = _visible_claim(session, person, application_id)
    return grants.answer(
        session, lambda: grants.grant(session, person, application.product_id, grantee_organisation_id, role),
        done=f"/app/claims/{application.id}#read-access",
        refused=lambda status, message: _claim_page(
            request, state, session, person, _visible_claim(session, person, application_id),
            status_code=status, grant_error=message))


@router.post("/app/claims/{application_id}/grants/{grant_id}/revoke", response_class=HTMLResponse)
def revoke_read_access(application_id: str, grant_id: str, request: Request, state: StateDep, session: SessionDep,
                       person: SignedIn, _web: CsrfChecked) -> Response:
    _role(person, "exporter")
    application = _visible_claim(session, person, application_id)
    return grants.answer(
        session, lambda: grants.revoke(session, person, application.product_id, grant_id),
        done=f"/app/claims/{application.id}#read-access",
        refused=lambda status, message: _claim_page(
            request, state, session, person, _visible_claim(session, person, application_id),
            status_code=status, grant_error=message))


@router.post("/app/claims/{application_id}/{action}", response_class=HTMLResponse)
def claim_action(
    application_id: str, action: str, request: Request, state: StateDep, session: SessionDep, person: SignedIn,
    _web: CsrfChecked, reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """submit (the exporter); start_review, approve, reject (a certifier of another organisation)."""
    if action == "submit":
        _role(person, "exporter")
    elif action in REVIEW_ACTIONS:
        _role(person, "certifier")
    else:
        raise PageNotFound("action")
    application = _visible_claim(session, person, application_id)
    try:
        _act(session, state, person, application, action, reason.strip() or None)
    except ACTION_ERRORS as exc:
        session.rollback()
        application = _visible_claim(session, person, application_id)
        return _claim_page(request, state, session, person, application, status_code=exc.status_code,
                           error=exc.message)
    session.commit()
    return RedirectResponse(f"/app/claims/{application.id}", status_code=303)


def _act(session: Any, state: Any, person: Person, application: Any, action: str,
         reason: str | None) -> None:
    if action == "submit":
        certification.submit(session, state, actor=person.user, application=application, evidence=None,
                             footprint_id=None, reason=reason)
    elif action == "approve":
        certification.approve(session, state, actor=person.user, application=application, reason=reason)
    else:
        workflow.transition(session, actor=person.user, application=application, action=action, reason=reason)


@router.get("/claims/{number}", response_class=HTMLResponse)
def public_claim_page(number: str, request: Request, session: SessionDep) -> Response:
    """Public: the carbon-neutral claim of certificate `number` (from its verification page)."""
    try:
        claim = claims.public_claim(session, number.strip().upper())
    except NotFound:
        return render(request, "not_found.html", status_code=404, what=request.url.path)
    return render(request, "claims/public.html", c=claim)
