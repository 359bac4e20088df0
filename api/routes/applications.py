"""Label applications: create, submit, review, request information, reject, approve (issues the certificate)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import idempotency
from api.deps import CurrentUser, SessionDep, StateDep
from api.errors import InvalidInput
from api.models import Application, BomUpload, Certificate, Footprint, Product, User
from api.routes.certificates import certificate_public, certification_body
from api.routes.products import bom_public
from api.schemas import (
    ApplicationCreate,
    ApplicationDetail,
    ApplicationDocuments,
    ApplicationPublic,
    AssignRequest,
    CertificatePublic,
    EvaluationPublic,
    FootprintSummary,
    HistoryPublic,
    Reason,
    RequiredReason,
    SubmitRequest,
    error_responses,
)
from api.services import accounts, certificates, history
from api.services import applications as workflow
from api.services import grading
from api.services.access import get_visible, require_role
from api.services.stored_results import stored_result

router = APIRouter(prefix="/v1", tags=["applications"], responses=error_responses(401, 403, 404, 409, 422))
StatusFilter = Annotated[
    str | None,
    Query(pattern="^(draft|submitted|under_review|information_requested|awaiting_second_approval|approved|rejected)$"),
]


def application_detail(session: Session, application: Application) -> ApplicationDetail:
    certificate = session.scalar(select(Certificate).where(Certificate.issue_key == f"application:{application.id}"))
    return ApplicationDetail(
        **ApplicationPublic.model_validate(application).model_dump(),
        history=[
            HistoryPublic.model_validate(e)
            for e in history.entries_for(session, entity_type="application", entity_id=application.id)
        ],
        certificate_number=certificate.number if certificate else None,
    )


@router.get("/schemes", tags=["applications"])
def list_schemes(state: StateDep) -> dict[str, list[str]]:
    """Label schemes the rule sets define."""
    return {"schemes": sorted(state.domain.schemes())}


@router.post("/applications", response_model=ApplicationDetail, status_code=201)
def create_application(
    request: Request,
    body: ApplicationCreate,
    user: CurrentUser,
    session: SessionDep,
    state: StateDep,
    idempotency_key: idempotency.IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Apply for a label for a product's stored footprint (starts as draft)."""
    require_role(user, "exporter")
    attempt = idempotency.begin(session, user, idempotency_key, request, body)
    if attempt.replayed is not None:
        return attempt.replayed
    product = get_visible(session, Product, body.product_id, user, "product")
    footprint = get_visible(session, Footprint, body.footprint_id, user, "footprint")
    application = workflow.create_application(
        session,
        actor=user,
        product=product,
        footprint=footprint,
        scheme=body.scheme,
        known_schemes=state.domain.schemes(),
        evidence=body.evidence,
    )
    return attempt.commit_created(201, lambda: application_detail(session, application).model_dump(mode="json"))


@router.get("/applications", response_model=list[ApplicationPublic])
def list_applications(
    user: CurrentUser,
    session: SessionDep,
    status: StatusFilter = None,
    assigned_to: Annotated[str | None, Query(max_length=32, description="a certifier's id, or 'me'")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[ApplicationPublic]:
    require_role(user, "exporter", "certifier", "admin")
    rows = workflow.list_applications(
        session,
        user=user,
        status=status,
        limit=limit,
        offset=offset,
        assigned_to=user.id if assigned_to == "me" else assigned_to,
    )
    return [ApplicationPublic.model_validate(a) for a in rows]


@router.get("/applications/{application_id}", response_model=ApplicationDetail)
def get_application(application_id: str, user: CurrentUser, session: SessionDep) -> ApplicationDetail:
    require_role(user, "exporter", "certifier", "admin")
    return application_detail(session, get_visible(session, Application, application_id, user, "application"))


def _transition(
    session: Session, user: User, application_id: str, action: str, reason: str | None
) -> ApplicationDetail:
    require_role(user, *workflow.TRANSITIONS[action][2])
    application = get_visible(session, Application, application_id, user, "application")
    workflow.transition(session, actor=user, application=application, action=action, reason=reason)
    return _commit_with(session, application)


def _commit_with(session: Session, application: Application) -> ApplicationDetail:
    """Build the answer, then commit: if the answer cannot be built, the change is rolled back
    (a stored document that broke the answer once committed a state change and then a 500)."""
    answer = application_detail(session, application)
    answer.model_dump_json()  # everything the response will serialise, before the commit
    session.commit()
    return answer


@router.post("/applications/{application_id}/submit", response_model=ApplicationDetail)
def submit(
    application_id: str, user: CurrentUser, session: SessionDep, state: StateDep, body: SubmitRequest | None = None
) -> ApplicationDetail:
    """Exporter: submit a draft, or answer a request for information (optionally with new evidence
    or a newer footprint of the same product). The rules' full evaluation is stored with it."""
    require_role(user, "exporter")
    application = get_visible(session, Application, application_id, user, "application")
    changes: dict[str, Any] = {}
    if body and body.evidence is not None:
        changes["evidence"] = body.evidence
    if body and body.footprint_id is not None:
        footprint = get_visible(session, Footprint, body.footprint_id, user, "footprint")
        if footprint.product_id != application.product_id:
            raise InvalidInput(f"footprint {footprint.id} is not of the application's product")
        changes["footprint_id"] = footprint.id
    changed = sorted(changes)
    # evaluate what is being submitted (the new evidence and footprint, if any)
    submitted = Application(**{**{c: getattr(application, c) for c in ("evidence", "scheme")}, **changes})
    footprint_row = session.get(Footprint, changes.get("footprint_id", application.footprint_id))
    assert footprint_row is not None
    changes["submitted_evaluation"] = grading.stored_evaluation(session, state.domain, submitted, footprint_row)
    workflow.transition(
        session,
        actor=user,
        application=application,
        action="submit",
        reason=body.reason if body else None,
        detail={"changed": changed} if changed else None,
        changes=changes,
    )
    return _commit_with(session, application)


@router.post("/applications/{application_id}/start-review", response_model=ApplicationDetail)
def start_review(application_id: str, user: CurrentUser, session: SessionDep) -> ApplicationDetail:
    """Certifier: take a submitted application under review."""
    return _transition(session, user, application_id, "start_review", None)


@router.post("/applications/{application_id}/request-information", response_model=ApplicationDetail)
def request_information(
    application_id: str, body: RequiredReason, user: CurrentUser, session: SessionDep
) -> ApplicationDetail:
    """Certifier: ask the exporter for more information (reason required)."""
    return _transition(session, user, application_id, "request_information", body.reason)


@router.post("/applications/{application_id}/reject", response_model=ApplicationDetail)
def reject(application_id: str, body: RequiredReason, user: CurrentUser, session: SessionDep) -> ApplicationDetail:
    """Certifier: reject with a reason."""
    return _transition(session, user, application_id, "reject", body.reason)


@router.post(
    "/applications/{application_id}/approve",
    response_model=CertificatePublic,
    status_code=201,
    responses={
        202: {"model": ApplicationDetail, "description": "First of two approvals recorded (four eyes)"},
        409: {"description": "Not under review, or already approved"},
    },
)
def approve(
    request: Request,
    application_id: str,
    user: CurrentUser,
    session: SessionDep,
    state: StateDep,
    body: Reason | None = None,
    idempotency_key: idempotency.IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Certifier: approve; the certificate is issued in the same transaction as the approval. The
    rules are re-run and what changed since submit is recorded. A tier that needs four eyes
    (settings) is first approved (202, awaiting_second_approval), then approved by a second
    certifier, who issues the certificate."""
    require_role(user, "certifier")
    attempt = idempotency.begin(session, user, idempotency_key, request, body)
    if attempt.replayed is not None:
        return attempt.replayed
    application = get_visible(session, Application, application_id, user, "application")
    workflow.ensure_independent(user, application)
    footprint = session.get(Footprint, application.footprint_id)
    assert footprint is not None
    outcome = grading.grade_application(session, state.domain, application, footprint)
    changes = grading.evaluation_changes(application.submitted_evaluation, outcome.model_dump(mode="json"))
    detail = {
        "tier": outcome.tier,
        "grade": outcome.grade,
        "rule_set_version": outcome.rule_set_version,
        "evaluation_changes": changes,
    }
    reason = body.reason if body else None
    if outcome.tier in state.settings.four_eyes_tiers and application.status == "under_review":
        workflow.transition(
            session, actor=user, application=application, action="first_approval", reason=reason, detail=detail,
            changes={"first_approval_by": user.id},
        )
        return attempt.commit_created(202, lambda: application_detail(session, application).model_dump(mode="json"))
    first = application.first_approval_by
    workflow.transition(session, actor=user, application=application, action="approve", reason=reason, detail=detail)
    approvers = [a for a in (session.get(User, first) if first else None, user) if a is not None]
    certificate = certificates.issue(
        session,
        actor=user,
        certification_body=certification_body(state),
        approvers=approvers,
        key=state.signing_key,
        issuer=state.settings.issuer,
        public_url=state.settings.public_url,
        application=application,
        footprint=footprint,
        outcome=outcome,
        supersedes=None,
        benchmark_key=state.domain.benchmark_key(stored_result(footprint)),
    )
    return attempt.commit_created(201, lambda: certificate_public(session, state, certificate).model_dump(mode="json"))


@router.post("/applications/{application_id}/assign", response_model=ApplicationDetail)
def assign(application_id: str, body: AssignRequest, user: CurrentUser, session: SessionDep) -> ApplicationDetail:
    """Administrator: assign the application to a certifier; certifier: take it (`certifier_id`
    their own id). Never to a certifier of the applicant's own organisation."""
    require_role(user, "admin", "certifier")
    application = get_visible(session, Application, application_id, user, "application")
    certifier = accounts.get_user(session, body.certifier_id)
    workflow.assign(session, actor=user, application=application, certifier=certifier)
    session.commit()
    return application_detail(session, application)


@router.get("/applications/{application_id}/evaluation", response_model=EvaluationPublic)
def evaluation(application_id: str, user: CurrentUser, session: SessionDep, state: StateDep) -> EvaluationPublic:
    """The full rule evaluation stored at submit, the same rules run now, and what differs: what
    the certifier reads before approving."""
    require_role(user, "certifier", "admin", "exporter")
    application = get_visible(session, Application, application_id, user, "application")
    footprint = session.get(Footprint, application.footprint_id)
    assert footprint is not None
    now = grading.stored_evaluation(session, state.domain, application, footprint)
    return EvaluationPublic(
        application_id=application.id,
        at_submit=application.submitted_evaluation,
        now=now,
        changes=grading.evaluation_changes(application.submitted_evaluation, now),
    )


@router.get("/applications/{application_id}/documents", response_model=ApplicationDocuments)
def documents(application_id: str, user: CurrentUser, session: SessionDep) -> ApplicationDocuments:
    """The BOMs and footprints behind an application (every one of its product), each downloadable
    at /v1/boms/{id} and /v1/footprints/{id}."""
    require_role(user, "certifier", "admin", "exporter")
    application = get_visible(session, Application, application_id, user, "application")
    footprints = session.scalars(
        select(Footprint).where(Footprint.product_id == application.product_id).order_by(Footprint.created_at)
    ).all()
    boms = session.scalars(
        select(BomUpload).where(BomUpload.product_id == application.product_id).order_by(BomUpload.created_at)
    ).all()
    return ApplicationDocuments(
        application_id=application.id,
        footprint_id=application.footprint_id,
        footprints=[
            FootprintSummary(
                id=f.id,
                bom_id=f.bom_id,
                total_kgco2e=f.total_kgco2e,
                method=f.method,
                snapshot=f"{f.snapshot_name}@{f.snapshot_hash}",
                created_at=f.created_at,
                current=f.id == application.footprint_id,
                download=f"/v1/footprints/{f.id}",
            )
            for f in footprints
        ],
        boms=[bom_public(b) for b in boms],
    )
