"""Label applications: create, submit, review, request information, reject, approve (issues the certificate)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from api.http import idempotency
from api.http.deps import CurrentUser, SessionDep, StateDep
from api.http.routes.certificates import certificate_public
from api.http.routes.products import bom_public
from api.http.schemas import (
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
from api.usecases import accounts, certification, grading, history, records
from api.usecases import applications as workflow
from api.usecases.access import require_role

if TYPE_CHECKING:  # row types for annotations only: the routes never query them
    from api.storage.models import Application, User

router = APIRouter(prefix="/v1", tags=["applications"], responses=error_responses(401, 403, 404, 409, 422))
StatusFilter = Annotated[
    str | None,
    Query(pattern="^(draft|submitted|under_review|information_requested|awaiting_second_approval|approved|rejected)$"),
]


def application_detail(session: Session, application: Application) -> ApplicationDetail:
    certificate = records.issued_certificate_of(session, application)
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
    product = records.visible_product(session, body.product_id, user)
    footprint = records.visible_footprint(session, body.footprint_id, user)
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
    return application_detail(session, records.visible_application(session, application_id, user))


def _transition(
    session: Session, user: User, application_id: str, action: str, reason: str | None
) -> ApplicationDetail:
    require_role(user, *workflow.TRANSITIONS[action][2])
    application = records.visible_application(session, application_id, user)
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
    application = records.visible_application(session, application_id, user)
    certification.submit(session, state, actor=user, application=application,
                         evidence=body.evidence if body else None, footprint_id=body.footprint_id if body else None,
                         reason=body.reason if body else None)
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
    application = records.visible_application(session, application_id, user)
    certificate = certification.approve(session, state, actor=user, application=application,
                                        reason=body.reason if body else None)
    if certificate is None:  # the first of two approvals (four eyes)
        return attempt.commit_created(202, lambda: application_detail(session, application).model_dump(mode="json"))
    return attempt.commit_created(201, lambda: certificate_public(session, state, certificate).model_dump(mode="json"))


@router.post("/applications/{application_id}/assign", response_model=ApplicationDetail)
def assign(application_id: str, body: AssignRequest, user: CurrentUser, session: SessionDep) -> ApplicationDetail:
    """Administrator: assign the application to a certifier; certifier: take it (`certifier_id`
    their own id). Never to a certifier of the applicant's own organisation."""
    require_role(user, "admin", "certifier")
    application = records.visible_application(session, application_id, user)
    certifier = accounts.get_user(session, body.certifier_id)
    workflow.assign(session, actor=user, application=application, certifier=certifier)
    session.commit()
    return application_detail(session, application)


@router.get("/applications/{application_id}/evaluation", response_model=EvaluationPublic)
def evaluation(application_id: str, user: CurrentUser, session: SessionDep, state: StateDep) -> EvaluationPublic:
    """The full rule evaluation stored at submit, the same rules run now, and what differs: what
    the certifier reads before approving."""
    require_role(user, "certifier", "admin", "exporter")
    application = records.visible_application(session, application_id, user)
    footprint = records.footprint_of(session, application)
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
    application = records.visible_application(session, application_id, user)
    footprints, boms = records.product_documents(session, application.product_id)
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
