"""Certificates: read, PDF, surveillance, suspend, lift, revoke, renew."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import idempotency
from api.deps import CurrentUser, SessionDep, StateDep
from api.errors import InvalidInput
from api.models import Application, Certificate, Footprint, User
from api.rendering.certificate_pdf import render_certificate_pdf
from api.schemas import (
    CertificatePublic,
    HistoryPublic,
    Reason,
    RenewRequest,
    RequiredReason,
    SignaturePublic,
    StatusPublic,
    error_responses,
)
from api.services import certificates as service
from api.services.access import get_visible, organisation_scope, require_role
from api.services.applications import ensure_independent
from api.services.certificate_views import CertificateState, listed_verdict
from api.services.verification import Verdict
from api.services.grading import grade_application
from api.state import ServiceState
from api.services.stored_results import stored_result

router = APIRouter(prefix="/v1/certificates", tags=["certificates"], responses=error_responses(401, 403, 404, 409, 422))


def certification_body(state: ServiceState) -> service.CertificationBody:
    settings = state.settings
    return service.CertificationBody(settings.certification_body or settings.issuer, settings.accreditation_number)


def certificate_public(
    session: Session, state: ServiceState, certificate: Certificate, *, view: CertificateState | None = None,
    check: Verdict | None = None,
) -> CertificatePublic:
    """One certificate as the API shows it; a list passes the state and verdict it read for all rows."""
    if view is None:
        view = service.views_of(session, [certificate])[certificate.id]
    status, successor = view.status, view.successor
    if check is None:
        check = service.check_signature(certificate, state.public_keys)
    return CertificatePublic(
        number=certificate.number,
        document=view.document,
        signature=certificate.signature,
        key_id=certificate.key_id,
        status=StatusPublic(
            status=status.status,
            since=status.since,
            reason=status.reason,  # type: ignore[arg-type]
            last_surveillance=status.last_surveillance,
            surveillance_due=status.surveillance_due,
            superseded_by=successor.number if successor else None,
        ),
        signature_check=SignaturePublic(
            valid=check.valid, key_id=check.key_id, problem=check.problem, reason=check.reason  # type: ignore[arg-type]
        ),
    )


@router.get("", response_model=list[CertificatePublic])
def list_certificates(
    user: CurrentUser,
    session: SessionDep,
    state: StateDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[CertificatePublic]:
    require_role(user, "exporter", "certifier", "admin")
    query = select(Certificate)
    scope = organisation_scope(user)
    if scope is not None:
        query = query.where(Certificate.organisation_id == scope)
    rows = list(session.scalars(query.order_by(Certificate.issued_at, Certificate.id).limit(limit).offset(offset)))
    # a constant number of queries for the page; each row's verdict memoized on the row (certificate_views)
    views = service.views_of(session, rows)
    return [
        certificate_public(session, state, c, view=views[c.id], check=listed_verdict(c, state.public_keys))
        for c in rows
    ]


@router.get("/{number}", response_model=CertificatePublic)
def get_certificate(number: str, user: CurrentUser, session: SessionDep, state: StateDep) -> CertificatePublic:
    require_role(user, "exporter", "certifier", "admin")
    return certificate_public(session, state, service.get_visible_by_number(session, number, user))


@router.get(
    "/{number}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The certificate (zh-CN, zh-TW, en)"}},
)
def certificate_pdf(number: str, user: CurrentUser, session: SessionDep, state: StateDep) -> Response:
    """The certificate as PDF, one page per language (rendered in a worker thread)."""
    require_role(user, "exporter", "certifier", "admin")
    certificate = service.get_visible_by_number(session, number, user)
    document = service.payload_of(certificate)
    session.commit()
    pdf = render_certificate_pdf(document)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{certificate.number}.pdf"'},
    )


@router.get("/{number}/history", response_model=list[HistoryPublic])
def certificate_history(number: str, user: CurrentUser, session: SessionDep) -> list[HistoryPublic]:
    require_role(user, "exporter", "certifier", "admin")
    certificate = service.get_visible_by_number(session, number, user)
    return [
        HistoryPublic.model_validate(e)
        for e in service.history.entries_for(session, entity_type="certificate", entity_id=certificate.id)
    ]


def _act(
    session: Session, state: ServiceState, user: User, number: str, action: str, reason: str | None
) -> CertificatePublic:
    require_role(user, "certifier")
    certificate = service.get_visible_by_number(session, number, user)
    ensure_independent(user, certificate)
    service.act(session, actor=user, certificate=certificate, action=action, reason=reason)
    session.commit()
    return certificate_public(session, state, certificate)


@router.post("/{number}/surveillance", response_model=CertificatePublic)
def record_surveillance(
    number: str, user: CurrentUser, session: SessionDep, state: StateDep, body: Reason | None = None
) -> CertificatePublic:
    """Certifier: record the annual surveillance (resets the surveillance due date)."""
    return _act(session, state, user, number, "surveillance", body.reason if body else None)


@router.post("/{number}/suspend", response_model=CertificatePublic)
def suspend(
    number: str, body: RequiredReason, user: CurrentUser, session: SessionDep, state: StateDep
) -> CertificatePublic:
    """Certifier: suspend with a reason."""
    return _act(session, state, user, number, "suspend", body.reason)


@router.post("/{number}/lift-suspension", response_model=CertificatePublic)
def lift_suspension(
    number: str, body: RequiredReason, user: CurrentUser, session: SessionDep, state: StateDep
) -> CertificatePublic:
    """Certifier: lift an explicit suspension, with a reason."""
    return _act(session, state, user, number, "lift_suspension", body.reason)


@router.post("/{number}/revoke", response_model=CertificatePublic)
def revoke(
    number: str, body: RequiredReason, user: CurrentUser, session: SessionDep, state: StateDep
) -> CertificatePublic:
    """Certifier: revoke for good, with a reason."""
    return _act(session, state, user, number, "revoke", body.reason)


@router.post(
    "/{number}/renew",
    response_model=CertificatePublic,
    status_code=201,
    responses={202: {"model": CertificatePublic, "description": "First of two renewal approvals (four eyes)"}},
)
def renew(
    request: Request,
    number: str,
    user: CurrentUser,
    session: SessionDep,
    state: StateDep,
    body: RenewRequest,
    idempotency_key: idempotency.IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Certifier: issue a new certificate that supersedes this one (graded with today's rules).
    Only a valid certificate is renewed (never a suspended, revoked, superseded or expired one).
    A four-eyes tier is renewed by two certifiers: the first records `renew_first_approval` (202),
    a second one, with the same footprint and nothing done to the certificate in between, issues."""
    require_role(user, "certifier")
    attempt = idempotency.begin(session, user, idempotency_key, request, body)
    if attempt.replayed is not None:
        return attempt.replayed
    old = service.get_visible_by_number(session, number, user)
    ensure_independent(user, old)
    current = service.check_action(session, certificate=old, action="renew", reason=body.reason)
    application = session.get(Application, old.application_id)
    assert application is not None
    footprint_id = body.footprint_id or application.footprint_id
    footprint = get_visible(session, Footprint, footprint_id, user, "footprint")
    if footprint.product_id != old.product_id:
        raise InvalidInput(f"footprint {footprint_id} is not of the certificate's product")
    outcome = grade_application(session, state.domain, application, footprint)
    approvers = service.renewal_approvers(
        session,
        actor=user,
        certificate=old,
        status=current.status,
        footprint_id=footprint.id,
        outcome=outcome,
        reason=body.reason,
        four_eyes_tiers=state.settings.four_eyes_tiers,
    )
    if approvers is None:  # first of two approvals recorded
        return attempt.commit_created(202, lambda: certificate_public(session, state, old).model_dump(mode="json"))
    new = service.issue(
        session,
        actor=user,
        approvers=approvers,
        certification_body=certification_body(state),
        key=state.signing_key,
        issuer=state.settings.issuer,
        public_url=state.settings.public_url,
        application=application,
        footprint=footprint,
        outcome=outcome,
        supersedes=old,
        benchmark_key=state.domain.benchmark_key(stored_result(footprint)),
    )
    service.history.record(
        session,
        actor=user,
        organisation_id=old.organisation_id,
        entity_type="certificate",
        entity_id=old.id,
        action="renew",
        from_state=current.status,
        to_state="superseded",
        reason=body.reason,
        detail={"superseded_by": new.number},
    )
    return attempt.commit_created(201, lambda: certificate_public(session, state, new).model_dump(mode="json"))


@router.get("/{number}/cbam-exposure", responses={404: {"description": "Not a CBAM good with cbam_role BOM lines"}})
def certificate_cbam_exposure(number: str, user: CurrentUser, session: SessionDep, state: StateDep) -> JSONResponse:
    """Indicative EU CBAM exposure per tonne of the certified product (DERIVED from its footprint and
    BOM `cbam_role` lines): NOT declarable. 404 when the product is not a CBAM good with such lines."""
    from datetime import date

    from api.errors import NotFound
    from api.services.cbam_indicative import indicative_for_document

    require_role(user, "exporter", "certifier", "admin")
    certificate = service.get_visible_by_number(session, number, user)
    exposure = indicative_for_document(session, state.domain, service.payload_of(certificate), date.today())
    if exposure is None:
        raise NotFound(f"certificate {number}: the product is not a CBAM good with cbam_role BOM lines")
    return JSONResponse(exposure)
