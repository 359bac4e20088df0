"""Certificates: read, PDF, surveillance, suspend, lift, revoke, renew."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from api.http import idempotency
from api.http.deps import CurrentUser, SessionDep, StateDep
from api.http.schemas import (
    CertificatePublic,
    HistoryPublic,
    Reason,
    RenewRequest,
    RequiredReason,
    SignaturePublic,
    StatusPublic,
    error_responses,
)
from api.usecases import applying
from api.usecases import certificates as service
from api.usecases import certification, records
from api.usecases.access import require_role
from api.usecases.certificate_views import CertificateState, listed_verdict
from api.usecases.verification import Verdict
from api.state import ServiceState

if TYPE_CHECKING:  # row types for annotations only: the routes never query them
    from api.storage.models import Certificate, User

router = APIRouter(prefix="/v1/certificates", tags=["certificates"], responses=error_responses(401, 403, 404, 409, 422))


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
            reason=status.reason,
            last_surveillance=status.last_surveillance,
            surveillance_due=status.surveillance_due,
            superseded_by=successor.number if successor else None,
        ),
        signature_check=SignaturePublic(
            valid=check.valid, key_id=check.key_id, problem=check.problem, reason=check.reason
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
    rows = records.list_certificates(session, user, limit=limit, offset=offset)
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
    pdf = applying.certificate_pdf(session, user=user, number=number)
    return Response(pdf.content, media_type=pdf.media_type,
                    headers={"Content-Disposition": f'inline; filename="{pdf.filename}"'})


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
    certificate = certification.act(session, actor=user, number=number, action=action, reason=reason)
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
    new = certification.renew(session, state, actor=user, old=old, footprint_id=body.footprint_id, reason=body.reason)
    if new is None:  # first of two approvals recorded
        return attempt.commit_created(202, lambda: certificate_public(session, state, old).model_dump(mode="json"))
    return attempt.commit_created(201, lambda: certificate_public(session, state, new).model_dump(mode="json"))


@router.get("/{number}/cbam-exposure", responses={404: {"description": "Not a CBAM good with cbam_role BOM lines"}})
def certificate_cbam_exposure(number: str, user: CurrentUser, session: SessionDep, state: StateDep) -> JSONResponse:
    """Indicative EU CBAM exposure per tonne of the certified product (DERIVED from its footprint and
    BOM `cbam_role` lines): NOT declarable. 404 when the product is not a CBAM good with such lines."""
    from datetime import date

    from api.errors import NotFound
    from api.usecases.cbam_indicative import indicative_for_document

    require_role(user, "exporter", "certifier", "admin")
    certificate = service.get_visible_by_number(session, number, user)
    exposure = indicative_for_document(session, state.domain, service.payload_of(certificate), date.today())
    if exposure is None:
        raise NotFound(f"certificate {number}: the product is not a CBAM good with cbam_role BOM lines")
    return JSONResponse(exposure)
